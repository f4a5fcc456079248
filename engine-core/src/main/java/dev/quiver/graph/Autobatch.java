package dev.quiver.graph;

import dev.quiver.ops.internal.ClassCrossEntropy;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.internal.Dropouts;
import dev.quiver.ops.internal.Elementwise;
import dev.quiver.ops.Op;
import dev.quiver.ops.internal.Products;
import dev.quiver.ops.internal.Rows;
import dev.quiver.ops.internal.Shaping;
import dev.quiver.ops.internal.Take;
import dev.quiver.tensor.Index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * On-the-fly operation batching (Neubig, Goldberg and Dyer 2017): rewrites a graph holding many
 * independent sub-graphs (the summed losses of a minibatch of trees or sentences, each built by
 * per-example code) into one whose operations run batched, before it is compiled. The backward
 * pass is then built from the batched forward graph, so gradients flow through the same grouping.
 *
 * <p><b>Batching rows.</b> An op is batchable when it is row-wise along axis 0: each output row
 * depends only on the same rows of the "varying" inputs and on the whole of the "shared" ones
 * (parameters, inputs, anything broadcast without using axis 0). Such nodes with one signature (the
 * op, the dtype, the varying inputs' shapes beyond axis 0 and the shared inputs' identity) run as one
 * node over the varying inputs' rows stacked: matrix-vector products against one weight become one
 * GEMM, lookups in one table one gather, elementwise ops one loop (dropouts too, each member
 * masked from its own node's stream, {@link Dropouts.Stacked}), class-index losses one fused
 * loss over all rows (a member's sum or mean is then taken over its rows). Members may have
 * different row counts (the words of sentences of different lengths). A member's value is the
 * range of rows it owns in its group's result, a view.
 *
 * <p><b>Stacking inputs.</b> A group's varying input is its members' inputs' rows in member order.
 * When those are one earlier group's rows in the same order (an elementwise chain, the usual case)
 * the group reads that result or a row range of it directly: no copy. Otherwise one
 * {@link Rows.Gather} copies the rows from wherever they lie (maximal runs as blocks); members are
 * ordered by where their first varying input lies, which keeps chains contiguous.
 *
 * <p><b>Agenda.</b> Nodes whose inputs are ready wait in one list per signature; unbatchable nodes
 * run as soon as they are ready. Among the waiting signatures the one whose nodes lie lowest in the
 * graph on average (mean depth over all its nodes) runs next, all its ready nodes at once. This is
 * DyNet's agenda-based strategy: a pure depth-based grouping batches only nodes at equal depth, so
 * an op that sits at different depths in different examples (a sentence's output layer after each
 * word, the loss of trees of different heights) would run once per depth; the agenda postpones a
 * signature whose nodes are mostly deeper until more of them are ready, so the output layer of a
 * whole minibatch of sentences runs as one GEMM after the recurrences.
 */
final class Autobatch {
    private Autobatch() {}

    /** The rewritten output and kept nodes, and kernel counts for the plan report. */
    record Result(Node builtOut, List<Node> builtKeep, Node out, List<Node> keep, int kernelsBefore, long gatheredElements) {}

    /**
     * How a batchable node's inputs take part: per input, whether it is stacked (else it is shared);
     * {@code unit}: members are stacked whole along a new axis 0 (vectors and scalars, DyNet's column
     * style), else by their rows (ragged along axis 0); {@code lossOfRows}: a class-index loss whose
     * members sum or average their own rows.
     */
    private record Rule(boolean[] varying, boolean unit, boolean lossOfRows) {}

    /**
     * Signatures by their parts ({@link Run#key}: ints, starting with the id of the op that runs the
     * group, so that comparing two is comparing ints): an open-addressing table over one pool of
     * parts, so finding a node's signature allocates nothing (a key object and a boxed id per node,
     * hashed through a map, showed in every profile of a minibatch's rewrite).
     */
    private static final class Signatures {
        private int[] pool = new int[256], start = new int[16], length = new int[16], hashes = new int[16];
        private int[] table = new int[64];   // id + 1; 0 is empty
        private int poolSize;
        int count;

        /** The id of the signature {@code parts[0 .. n)}, a new one ({@code count} before the call) when not seen. */
        int find(int[] parts, int n) {
            int h = 1;
            for (int k = 0; k < n; k++) h = 31 * h + parts[k];
            h ^= h >>> 16;
            int mask = table.length - 1;
            for (int slot = h & mask; ; slot = slot + 1 & mask) {
                int e = table[slot];
                if (e == 0) {
                    int id = add(parts, n, h);
                    table[slot] = id + 1;
                    if (2 * count > table.length) rehash();
                    return id;
                }
                int id = e - 1;
                if (hashes[id] == h && length[id] == n && Arrays.equals(pool, start[id], start[id] + n, parts, 0, n)) return id;
            }
        }

        private int add(int[] parts, int n, int h) {
            int id = count++;
            if (id == start.length) {
                start = Arrays.copyOf(start, 2 * id);
                length = Arrays.copyOf(length, 2 * id);
                hashes = Arrays.copyOf(hashes, 2 * id);
            }
            if (poolSize + n > pool.length) pool = Arrays.copyOf(pool, Math.max(2 * pool.length, poolSize + n));
            System.arraycopy(parts, 0, pool, poolSize, n);
            start[id] = poolSize;
            length[id] = n;
            hashes[id] = h;
            poolSize += n;
            return id;
        }

        private void rehash() {
            table = new int[2 * table.length];
            int mask = table.length - 1;
            for (int id = 0; id < count; id++) {
                int slot = hashes[id] & mask;
                while (table[slot] != 0) slot = slot + 1 & mask;
                table[slot] = id + 1;
            }
        }
    }

    static Result rewrite(Graph g, Node out, List<Node> keep) {
        return new Autobatch.Run(g, out, keep).run();
    }

    private static final byte OP = (byte) Node.Kind.OP.ordinal(), INPUT = (byte) Node.Kind.INPUT.ordinal(),
            CONSTANT = (byte) Node.Kind.CONSTANT.ordinal();

    private static final class Run {
        final Graph g;
        final int n0;
        final Node[] nodes;
        /**
         * The as-built nodes' fields, read by index: the signature passes touch every node, and a
         * field through its handle is three dependent loads where the tape's array is one. Nodes the
         * rewrite appends may regrow the arrays; the copies hold the as-built entries unchanged.
         */
        final NodeTape tape;
        final Node out;
        final List<Node> keep;
        final boolean[] live, isOp;
        /** Node i's inputs are {@code in[inStart[i] .. inStart[i + 1])}. */
        final int[] inStart, in;
        final Rule[] rule;
        final int[] signature;
        /** Where each original node's value lies: rows [offset, offset + rows) of {@code source}, or its own new node. */
        final Node[] source;
        final int[] offset;
        /** Whether node i is row {@code offset} of {@code source} as a whole member (axis 0 dropped), not a row range. */
        final boolean[] whole;
        /** Whether node i is a concatenation along axis 0 left as its inputs' rows until something reads it whole. */
        final boolean[] deferred;
        final Node[] value;
        long gatheredElements;

        Run(Graph g, Node out, List<Node> keep) {
            this.g = g;
            this.n0 = g.size();
            this.nodes = g.nodes().toArray(new Node[0]);
            this.out = out;
            this.keep = keep;
            this.tape = nodes[out.index()].tape();
            // every edge read once from the tape, into flat arrays the passes below walk
            NodeTape t = tape;
            this.isOp = new boolean[n0];
            this.inStart = new int[n0 + 1];
            int edges = 0;
            for (int i = 0; i < n0; i++) {
                isOp[i] = t.kind[i] == OP;
                Node[] more = t.more[i];
                edges += more != null ? more.length : t.in1[i] >= 0 ? 2 : t.in0[i] >= 0 ? 1 : 0;
                inStart[i + 1] = edges;
            }
            this.in = new int[edges];
            for (int i = 0, e = 0; i < n0; i++) {
                Node[] more = t.more[i];
                if (more != null) {
                    for (Node m : more) in[e++] = m.index();
                } else if (t.in0[i] >= 0) {
                    in[e++] = t.in0[i];
                    if (t.in1[i] >= 0) in[e++] = t.in1[i];
                }
            }
            this.live = new boolean[n0];
            live[out.index()] = true;
            for (Node k : keep) live[k.index()] = true;
            for (int i = n0 - 1; i >= 0; i--) {
                if (!live[i]) continue;
                for (int e = inStart[i]; e < inStart[i + 1]; e++) live[in[e]] = true;
            }
            this.rule = new Rule[n0];
            this.signature = new int[n0];
            this.source = new Node[n0];
            this.offset = new int[n0];
            this.whole = new boolean[n0];
            this.deferred = new boolean[n0];
            this.value = new Node[n0];
        }

        private static void markReady(IntList[] ready, long[] readyRanks, int[] rankOf, int signature, int node) {
            ready[signature].add(node);
            int rank = rankOf[signature];
            readyRanks[rank >>> 6] |= 1L << rank;
        }

        /** The lowest set bit's position, or -1. */
        private static int firstSet(long[] bits) {
            for (int w = 0; w < bits.length; w++) if (bits[w] != 0) return (w << 6) + Long.numberOfTrailingZeros(bits[w]);
            return -1;
        }

        Result run() {
            signatures();
            rank();
            consumers();
            agenda();
            Node newOut = valueOf(out);
            List<Node> newKeep = new ArrayList<>(keep.size());
            for (Node k : keep) newKeep.add(valueOf(k));
            return new Result(out, keep, newOut, newKeep, kernelsBefore, gatheredElements);
        }

        // Per node: its depth, the op inputs it still waits for, where its consumers start in consumers.
        private int[] depth, pending, count, consumers;
        // Per signature: the sum of its nodes' depths and their number; its rank in the agenda's order and back.
        private long[] depthSum = new long[16];
        private int[] members = new int[16], byRank, rankOf;
        private int signatures, kernelsBefore;

        /** Phase 1, per live op in build order: depth, inputs to wait for, consumer counts, rule and signature. */
        private void signatures() {
            Signatures ids = new Signatures();
            int[] depth = this.depth = new int[n0], pending = this.pending = new int[n0], count = this.count = new int[n0 + 1];
            Arrays.fill(signature, -1);
            NodeTape t = tape;
            for (int i = 0; i < n0; i++) {
                if (!live[i] || !isOp[i]) continue;
                if (!t.flag(i, NodeTape.VIEW)) kernelsBefore++;
                int d = 0;
                for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                    int j = in[e];
                    d = Math.max(d, depth[j]);
                    if (isOp[j]) {
                        pending[i]++;
                        count[j + 1]++;
                    }
                }
                depth[i] = d + 1;
                Rule r = rule[i] = rule(i);
                if (r != null) signature[i] = signature(ids, i, r, d + 1);
            }
        }

        /** Node i's signature id (a new one when not seen), counted with its depth. */
        private int signature(Signatures ids, int i, Rule r, int d) {
            int parts = key(i, r);   // before reading keyParts, which it may replace
            int id = ids.find(keyParts, parts);
            if (id == signatures) {
                signatures++;
                if (id == depthSum.length) {
                    depthSum = Arrays.copyOf(depthSum, 2 * id);
                    members = Arrays.copyOf(members, 2 * id);
                }
            }
            depthSum[id] += d;
            members[id]++;
            return id;
        }

        /**
         * Phase 2: the agenda takes the ready signature of least mean depth (the first such id on ties):
         * signatures ranked once in that order, and one bit per rank set while the signature has ready nodes.
         */
        private void rank() {
            double[] md = new double[signatures];
            for (int s = 0; s < signatures; s++) md[s] = (double) depthSum[s] / members[s];
            byRank = new int[signatures];
            rankOf = new int[signatures];
            Integer[] order = new Integer[signatures];
            for (int s = 0; s < signatures; s++) order[s] = s;
            Arrays.sort(order, (x, y) -> md[x] != md[y] ? Double.compare(md[x], md[y]) : Integer.compare(x, y));
            for (int r = 0; r < signatures; r++) {
                byRank[r] = order[r];
                rankOf[order[r]] = r;
            }
        }

        /** Phase 3: each node's op consumers, {@code consumers[count[j] .. count[j + 1])} for node j. */
        private void consumers() {
            int[] count = this.count;
            for (int i = 0; i < n0; i++) count[i + 1] += count[i];
            int[] consumers = this.consumers = new int[count[n0]], fill = Arrays.copyOf(count, n0);
            for (int i = 0; i < n0; i++) {
                if (!live[i] || !isOp[i]) continue;
                for (int e = inStart[i]; e < inStart[i + 1]; e++) if (isOp[in[e]]) consumers[fill[in[e]]++] = i;
            }
        }

        /** Phase 4: ready unbatchable nodes first, else every ready node of the best-ranked signature, until none is left. */
        private void agenda() {
            long[] readyRanks = new long[(signatures + 63) >>> 6];
            int[] rankOf = this.rankOf, pending = this.pending, count = this.count, consumers = this.consumers;
            IntList[] ready = new IntList[signatures];
            for (int s = 0; s < signatures; s++) ready[s] = new IntList();
            IntList now = new IntList();   // unbatchable nodes that are ready
            for (int i = 0; i < n0; i++) {
                if (live[i] && isOp[i] && pending[i] == 0) {
                    if (signature[i] < 0) now.add(i); else markReady(ready, readyRanks, rankOf, signature[i], i);
                }
            }
            IntList done = new IntList();
            while (true) {
                done.clear();
                if (now.size > 0) {
                    int i = now.pop();
                    single(i);
                    done.add(i);
                } else {
                    int rank = firstSet(readyRanks);
                    if (rank < 0) break;
                    int best = byRank[rank];
                    int[] group = ready[best].toArray();
                    ready[best].clear();
                    readyRanks[rank >>> 6] &= ~(1L << rank);
                    if (group.length == 1) single(group[0]); else group(group);
                    for (int m : group) done.add(m);
                }
                for (int d = 0; d < done.size; d++) {
                    int j = done.items[d];
                    for (int c = count[j]; c < count[j + 1]; c++) {
                        int i = consumers[c];
                        if (--pending[i] == 0) {
                            if (signature[i] < 0) now.add(i); else markReady(ready, readyRanks, rankOf, signature[i], i);
                        }
                    }
                }
            }
        }

        // ------------------------------------------------------------------ rules

        /** How node i batches, or null when it runs on its own (read from the tape: this runs for every node). */
        private Rule rule(int i) {
            NodeTape t = tape;
            Op op = t.op[i];
            int base = inStart[i], arity = inStart[i + 1] - base;
            int[] s = t.shape[i];
            int rank = s.length;
            if (varyingScratch.length < arity) varyingScratch = new boolean[arity];
            boolean[] varying = varyingScratch;
            Arrays.fill(varying, 0, arity, false);
            if (op instanceof Shaping.AddN) {   // no broadcasting: every term is stacked
                for (int k = 0; k < arity; k++) {
                    if (!stackable(in[base + k])) return null;
                    varying[k] = true;
                }
                return rule(varying, arity, rank == 0 || rank == 1 && unitLayout(in[base]), false);
            }
            if (op instanceof Elementwise.Map || op instanceof Elementwise.Binary || op instanceof Elementwise.WithScalar) {
                boolean any = false, needUnit = false;
                int first = -1;
                for (int k = 0; k < arity; k++) {
                    int j = in[base + k];
                    int[] sj = t.shape[j];
                    if (isOp[j] && Arrays.equals(sj, s)) {
                        varying[k] = any = true;
                        if (first < 0) first = j;
                    } else if (!(sj.length < rank || rank == 0 || sj.length == rank && sj[0] == 1)) {
                        needUnit = true;   // broadcast along axis 0: only whole members can be stacked
                    }
                }
                if (!any) return null;
                boolean unit = rank == 0 || rank == 1 && (needUnit || unitLayout(first));
                return unit || !needUnit ? rule(varying, arity, unit, false) : null;
            }
            if (op instanceof Dropouts.Dropout) {   // elementwise, each member masked from its own stream
                int j = in[base];
                if (!stackable(j)) return null;
                varying[0] = true;
                return rule(varying, arity, rank == 0 || rank == 1 && unitLayout(j), false);
            }
            if (op == Products.MATMUL) {
                int a = in[base], b = in[base + 1];
                int ra = t.shape[a].length, rb = t.shape[b].length;
                if (ra == 2 && rb == 2 && stackable(a)) {
                    varying[0] = true;
                    return rule(varying, arity, false, false);
                }
                if (ra == 1 && rb == 2 && stackable(a)) {
                    varying[0] = true;
                    return rule(varying, arity, true, false);
                }
                if (ra == 2 && rb == 1 && stackable(b)) {   // W x: the stacked x^T W^T
                    varying[1] = true;
                    return rule(varying, arity, true, false);
                }
                return null;
            }
            if (op instanceof Take tk) {
                int j = in[base + 1];
                if (tk.axis() != 0 || t.shape[j].length > 1 || !stackable(j)) return null;
                varying[1] = true;
                return rule(varying, arity, t.shape[j].length == 0, false);
            }
            if (op instanceof Shaping.Slice sl) {
                Index[] ix = sl.index();
                int j = in[base];
                if (!isOp[j]) return null;
                for (Index x : ix) if (x instanceof Index.NewAxis) return null;
                varying[0] = true;
                int[] sj = t.shape[j];
                if (sj.length == 1) return rule(varying, arity, true, false);
                if (ix.length == 0 || !(ix[0] instanceof Index.Range r) || r.start() != 0 || r.step() != 1
                        || r.stop() < sj[0]) return null;
                return rule(varying, arity, false, false);
            }
            if (op instanceof Shaping.Concat c) {
                int axis = c.axis() < 0 ? c.axis() + rank : c.axis();
                if (axis == 0 && rank > 1) return null;
                for (int k = 0; k < arity; k++) {
                    if (!stackable(in[base + k])) return null;
                    varying[k] = true;
                }
                return rule(varying, arity, rank == 1, false);
            }
            if (op instanceof ClassCrossEntropy ce) {
                CrossEntropy o = ce.options();
                int logits = in[base], classes = in[base + 1];
                if (!stackable(logits) || !stackable(classes) || o.reduction() == CrossEntropy.Reduction.MEAN && o.ignoring()) return null;
                varying[0] = varying[1] = true;
                int rl = t.shape[logits].length;
                if (rl == 2) return rule(varying, arity, false, o.reduction() != CrossEntropy.Reduction.NONE);
                if (rl == 1 && !o.ignoring()) return rule(varying, arity, true, false);   // one row: its loss
                return null;
            }
            return null;
        }

        /** The rule for a varying pattern (the first {@code arity} entries of {@code varying}): one object per distinct pattern. */
        private Rule rule(boolean[] varying, int arity, boolean unit, boolean lossOfRows) {
            for (Rule r : rules) {
                if (r.unit == unit && r.lossOfRows == lossOfRows && r.varying.length == arity
                        && Arrays.equals(r.varying, 0, arity, varying, 0, arity)) return r;
            }
            Rule r = new Rule(Arrays.copyOf(varying, arity), unit, lossOfRows);
            rules.add(r);
            return r;
        }

        // A node's rule is computed into one array and interned: the patterns are few, the nodes many.
        private boolean[] varyingScratch = new boolean[4];
        private final List<Rule> rules = new ArrayList<>();

        /** Whether as-built node j, a vector, lies as whole members (a unit-batched producer, a leaf, an unbatchable op) rather than as rows. */
        private boolean unitLayout(int j) {
            Rule r = isOp[j] ? rule[j] : null;
            return r == null || r.unit;
        }

        /** Whether as-built node j's rows can be stacked with others': an op's result, an input, or a small data constant. */
        private boolean stackable(int j) {
            byte k = tape.kind[j];
            return k == OP || k == INPUT || k == CONSTANT && Graph.isData(tape.constant[j]);
        }

        /** Ids of the ops that run groups, equal ops one id; and per op instance of the graph (interned), its group op's id. */
        private final Map<Op, Integer> groupOps = new HashMap<>();
        private final Map<Op, Integer> rowOpIds = new java.util.IdentityHashMap<>(), unitOpIds = new java.util.IdentityHashMap<>();

        /** The id of the op a group of nodes running {@code op} runs: found by identity after the op instance's first node. */
        private int opId(Op op, boolean unit) {
            int slot = (System.identityHashCode(op) << 1 | (unit ? 1 : 0)) & OP_CACHE - 1;
            if (cachedOps[slot] == op && cachedUnit[slot] == unit) return cachedIds[slot];
            int id = opIdOf(op, unit);
            cachedOps[slot] = op;
            cachedUnit[slot] = unit;
            cachedIds[slot] = id;
            return id;
        }

        // The last op ids found, by the op's identity: a graph's nodes share a few interned op instances.
        private static final int OP_CACHE = 64;
        private final Op[] cachedOps = new Op[OP_CACHE];
        private final boolean[] cachedUnit = new boolean[OP_CACHE];
        private final int[] cachedIds = new int[OP_CACHE];

        private int opIdOf(Op op, boolean unit) {
            Map<Op, Integer> ids = unit ? unitOpIds : rowOpIds;
            Integer id = ids.get(op);
            if (id == null) {
                // dropouts differ only by their streams, which the group keeps per member
                Op group = op instanceof Dropouts.Dropout d ? new Dropouts.Dropout(d.p(), 0) : batchedOp(op, unit);
                id = groupOps.get(group);
                if (id == null) groupOps.put(group, id = groupOps.size());
                ids.put(op, id);
            }
            return id;
        }

        /** Node i's signature parts, written into {@link #keyParts}; returns their count. */
        private int key(int i, Rule r) {
            NodeTape t = tape;
            int base = inStart[i], arity = inStart[i + 1] - base;
            int size = 3;
            for (int k = 0; k < arity; k++) size += 3 + (r.varying[k] ? t.shape[in[base + k]].length : 0);
            if (keyParts.length < size) keyParts = new int[Math.max(size, 2 * keyParts.length)];
            int[] parts = keyParts;
            int p = 0;
            parts[p++] = opId(t.op[i], r.unit);
            parts[p++] = t.dtype[i].ordinal();
            parts[p++] = r.unit ? 1 : 0;
            for (int k = 0; k < arity; k++) {
                int j = in[base + k];
                if (r.varying[k]) {   // its shape; beyond axis 0 only when members are stacked by rows
                    int[] s = t.shape[j];
                    parts[p++] = -1 - t.dtype[j].ordinal();
                    parts[p++] = s.length;
                    for (int d = r.unit ? 0 : 1; d < s.length; d++) parts[p++] = s[d];
                    parts[p++] = 0;
                } else {
                    parts[p++] = j;
                    parts[p++] = 0;
                }
            }
            return p;
        }

        private int[] keyParts = new int[32];

        /**
         * The op that runs a group: the members' op, except that a slice takes every row (a member's
         * {@code [0:1, ...]} of its one row is all rows of the stacked operand) or, for whole members,
         * keeps the new axis 0; a concatenation of whole members joins behind it; and a class-index
         * loss gives per-row losses (each member's sum or mean is then taken over its rows).
         */
        private static Op batchedOp(Op op, boolean unit) {
            if (unit && op instanceof Shaping.Slice s) {   // the same slice of every member: behind a whole new axis 0
                Index[] ix = new Index[s.index().length + 1];
                ix[0] = Index.all();
                System.arraycopy(s.index(), 0, ix, 1, s.index().length);
                return new Shaping.Slice(ix);
            }
            if (unit && op instanceof Shaping.Concat c) return new Shaping.Concat(c.axis() < 0 ? c.axis() : c.axis() + 1);
            if (op instanceof Shaping.Slice s && !(s.index()[0] instanceof Index.Range r && r.stop() == Integer.MAX_VALUE)) {
                Index[] ix = s.index().clone();
                ix[0] = Index.all();
                return new Shaping.Slice(ix);
            }
            if (op instanceof ClassCrossEntropy ce) return new ClassCrossEntropy(ce.options().withReduction(CrossEntropy.Reduction.NONE));
            return op;
        }

        // ------------------------------------------------------------------ emitting

        /** Node i on its own, on its inputs' values (a row range of a located value stays a location). */
        private void single(int i) {
            Node n = nodes[i];
            if (n.op() instanceof Shaping.Slice s && n.isView()) {
                int[] rows = rowRange(s.index(), n.input(0));
                Node in = n.input(0);
                if (rows != null && source[in.index()] != null && !whole[in.index()]) {
                    source[i] = source[in.index()];
                    offset[i] = offset[in.index()] + rows[0];
                    return;
                }
            }
            if (n.op() instanceof Shaping.Concat c && (c.axis() == 0 || c.axis() == -n.rank()) && n.rank() >= 1) {
                // Its rows are its inputs' rows in order: deferred, so that a group stacking it (a tree's
                // states stacked for its output layer, stacked again with the minibatch's) gathers them once.
                deferred[i] = true;
                return;
            }
            Node[] ins = new Node[n.arity()];
            for (int k = 0; k < ins.length; k++) ins[k] = valueOf(n.input(k));
            value[i] = g.apply(n.op(), ins);
        }

        /** Nodes of one signature as one node over their stacked rows (or stacked whole members). */
        private void group(int[] members) {
            Node first = nodes[members[0]];
            Rule r = rule[members[0]];
            sortByFirstVaryingInput(members, r);
            int arity = first.arity();
            if (interleaved(first, members, r)) {
                // Members [a_i, b_i] of one row each: the rows a_1; b_1; a_2; b_2; ... gathered into one buffer
                // are the concatenation read as [members, a + b], a view; no second gather and no concat copy,
                // and the backward pass scatters a contiguous gradient (a column slice of it was strided).
                Node[] parts = new Node[members.length * arity];
                for (int m = 0; m < members.length; m++) {
                    for (int k = 0; k < arity; k++) parts[m * arity + k] = nodes[in[inStart[members[m]] + k]];
                }
                Node rows = stack(parts, false);
                Node batched = g.reshape(rows, members.length, arity * first.input(0).shapeRef()[1]);
                for (int m = 0; m < members.length; m++) {
                    source[members[m]] = batched;
                    offset[members[m]] = m;
                }
                return;
            }
            Node[] ins = new Node[arity];
            for (int k = 0; k < arity; k++) {
                if (r.varying[k]) {
                    Node[] parts = new Node[members.length];
                    for (int m = 0; m < members.length; m++) parts[m] = nodes[in[inStart[members[m]] + k]];
                    ins[k] = stack(parts, r.unit);
                } else {
                    ins[k] = valueOf(first.input(k));
                }
            }
            Node batched;
            if (first.op() == Products.MATMUL && r.varying[1]) {
                batched = g.matmul(ins[1], g.transpose(ins[0]));   // W x_i for every i: [x_1; ...; x_k] W^T
            } else if (first.op() instanceof Dropouts.Dropout d) {
                long[] streams = new long[members.length];
                int[] sizes = new int[members.length];
                for (int m = 0; m < members.length; m++) {
                    streams[m] = ((Dropouts.Dropout) nodes[members[m]].op()).stream();
                    sizes[m] = nodes[members[m]].size();
                }
                batched = g.apply(new Dropouts.Stacked(d.p(), streams, sizes), ins);
            } else {
                batched = g.apply(batchedOp(first.op(), r.unit), ins);
            }
            boolean loss = first.op() instanceof ClassCrossEntropy;
            int row = 0;
            for (int m : members) {
                Node n = nodes[m];
                int rows = r.unit ? 1 : loss ? n.input(0).shapeRef()[0] : n.shapeRef()[0];
                if (rule[m].lossOfRows) {   // a member's sum or mean over its own rows
                    CrossEntropy o = ((ClassCrossEntropy) n.op()).options();
                    Node sum = g.sum(g.slice(batched, Index.range(row, row + rows)));
                    value[m] = o.reduction() == CrossEntropy.Reduction.MEAN ? g.mul(sum, 1.0 / rows) : sum;
                } else {
                    source[m] = batched;
                    offset[m] = row;
                    whole[m] = r.unit;
                }
                row += rows;
            }
        }

        /**
         * Whether a group is a concatenation along the last axis of rank-2 members whose inputs are
         * all one row of one width: then its rows interleaved are its result.
         */
        private boolean interleaved(Node first, int[] members, Rule r) {
            if (!(first.op() instanceof Shaping.Concat c) || r.unit || first.rank() != 2 || c.axis() != 1 && c.axis() != -1) return false;
            int width = first.input(0).shapeRef()[1];
            for (int k = 0; k < first.arity(); k++) if (!r.varying[k] || first.input(k).shapeRef()[1] != width) return false;
            for (int m : members) if (nodes[m].shapeRef()[0] != 1) return false;
            return true;
        }

        /** Members ordered by where their first varying input's rows lie (then by build order), so chains stay contiguous. */
        private void sortByFirstVaryingInput(int[] members, Rule r) {
            int k = 0;
            while (!r.varying[k]) k++;
            int count = members.length;
            Arrays.sort(members);   // build order: breaks ties below
            long[] keys = new long[count];
            boolean inOrder = true;
            for (int m = 0; m < count; m++) {
                int j = in[inStart[members[m]] + k];
                boolean located = isOp[j] && source[j] != null;
                long at = located ? source[j].index() : value[j] != null ? value[j].index() : j;
                long row = located ? offset[j] : 0;
                if (at >= 1L << 23 || row >= 1L << 20 || count >= 1 << 20) {
                    throw new IllegalStateException("autobatch: a group of " + count + " nodes is too large to order");
                }
                keys[m] = at << 40 | row << 20 | m;   // the node holding the rows, the first row, the build order
                inOrder &= m == 0 || keys[m] > keys[m - 1];
            }
            if (inOrder) return;
            Arrays.sort(keys);
            int[] byBuild = members.clone();
            for (int m = 0; m < count; m++) members[m] = byBuild[(int) (keys[m] & ((1 << 20) - 1))];
        }

        /**
         * The parts stacked in order, as a node: their rows (or, {@code whole}, each part as one row
         * of a new axis 0): a whole earlier result, a row range of it, or a gather.
         */
        private Node stack(Node[] parts, boolean wholeParts) {
            if (!wholeParts) parts = expandDeferred(parts);
            Node[] src = new Node[parts.length];
            int[] off = new int[parts.length], rows = new int[parts.length];
            int total = 0;
            for (int p = 0; p < parts.length; p++) {
                Node part = parts[p];
                int j = part.index();
                boolean located = part.kind() == Node.Kind.OP && source[j] != null;
                if (wholeParts) {
                    rows[p] = 1;
                    if (located && whole[j]) {
                        src[p] = source[j];
                        off[p] = offset[j];
                    } else {   // a value of its own, seen as one row
                        int[] s = part.shapeRef(), lifted = new int[s.length + 1];
                        lifted[0] = 1;
                        System.arraycopy(s, 0, lifted, 1, s.length);
                        src[p] = g.reshape(valueOf(part), lifted);
                    }
                } else {
                    rows[p] = part.shapeRef()[0];
                    if (located && !whole[j]) {
                        src[p] = source[j];
                        off[p] = offset[j];
                    } else {
                        src[p] = valueOf(part);
                    }
                }
                total += rows[p];
            }
            boolean contiguous = true;
            for (int p = 1; p < parts.length && contiguous; p++) contiguous = src[p] == src[0] && off[p] == off[p - 1] + rows[p - 1];
            if (contiguous) {
                if (off[0] == 0 && total == src[0].shapeRef()[0]) return src[0];
                return g.slice(src[0], Index.range(off[0], off[0] + total));
            }
            // the distinct sources in order of first use, found by node index (stamped per call, no map)
            Node[] sources = new Node[parts.length];
            int count = 0;
            int[] which = new int[total], row = new int[total];
            int at = 0;
            stamp++;
            for (int p = 0; p < parts.length; p++) {
                int j = src[p].index();
                if (j >= slotStamp.length) {
                    int n = Math.max(j + 1, Math.max(2 * slotStamp.length, g.size()));
                    slotStamp = Arrays.copyOf(slotStamp, n);
                    slotOf = Arrays.copyOf(slotOf, n);
                }
                if (slotStamp[j] != stamp) {
                    slotStamp[j] = stamp;
                    slotOf[j] = count;
                    sources[count++] = src[p];
                }
                int s = slotOf[j];
                for (int q = 0; q < rows[p]; q++) {
                    which[at] = s;
                    row[at++] = off[p] + q;
                }
            }
            Node gathered = g.apply(new Rows.Gather(which, row), Arrays.copyOf(sources, count));
            gatheredElements += gathered.size();
            return gathered;
        }

        // stack's source slots by node index, valid where the stamp is the current call's
        private int[] slotStamp = new int[0], slotOf = new int[0];
        private int stamp;

        /** The parts with every deferred concatenation not yet materialised replaced by its inputs, recursively. */
        private Node[] expandDeferred(Node[] parts) {
            boolean any = false;
            for (Node part : parts) any |= isDeferred(part);
            if (!any) return parts;
            List<Node> rows = new ArrayList<>(2 * parts.length);
            expandInto(parts, rows);
            return rows.toArray(new Node[0]);
        }

        private void expandInto(Node[] parts, List<Node> rows) {
            for (Node part : parts) {
                if (isDeferred(part)) expandInto(part.inputsRef(), rows); else rows.add(part);
            }
        }

        /** A concatenation along axis 0 whose rows were left where its inputs lie (see {@link #single}). */
        private boolean isDeferred(Node n) {
            int j = n.index();
            return j < n0 && deferred[j] && value[j] == null;
        }

        /** An original node's value in the rewritten graph (a row range of its group's result is a view, made once). */
        private Node valueOf(Node n) {
            int j = n.index();
            if (n.kind() != Node.Kind.OP) return n;
            if (value[j] == null && deferred[j]) value[j] = stack(n.inputsRef(), false);
            if (value[j] == null) {
                if (source[j] == null) throw new IllegalStateException("autobatch: " + n.describe() + " used before it was scheduled (a bug)");
                Node s = source[j];
                if (whole[j]) {
                    value[j] = g.slice(s, Index.at(offset[j]));
                } else {
                    int rows = n.shapeRef()[0];
                    value[j] = offset[j] == 0 && rows == s.shapeRef()[0] ? s : g.slice(s, Index.range(offset[j], offset[j] + rows));
                }
            }
            return value[j];
        }

        /** {@code {a, b}} when {@code index} selects rows a..b-1 of x with every other axis whole, else null. */
        private static int[] rowRange(Index[] index, Node x) {
            int[] shape = x.shapeRef();
            if (index.length == 0 || shape.length == 0 || index.length > shape.length) return null;
            for (int d = 1; d < index.length; d++) {
                if (!(index[d] instanceof Index.Range r) || r.start() != 0 || r.stop() < shape[d] || r.step() != 1) return null;
            }
            if (!(index[0] instanceof Index.Range r) || r.step() != 1) return null;
            int start = r.start() < 0 ? r.start() + shape[0] : r.start();
            int stop = r.stop() < 0 ? r.stop() + shape[0] : Math.min(r.stop(), shape[0]);
            return start < 0 || start >= stop ? null : new int[] {start, stop};
        }
    }

    /** A growable int list (the agenda's queues). */
    private static final class IntList {
        int[] items = new int[8];
        int size;

        void add(int v) {
            if (size == items.length) items = Arrays.copyOf(items, 2 * size);
            items[size++] = v;
        }

        int pop() { return items[--size]; }

        void clear() { size = 0; }

        int[] toArray() { return Arrays.copyOf(items, size); }
    }
}
