package dev.quiver.graph;

import dev.quiver.ops.ClassCrossEntropy;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Elementwise;
import dev.quiver.ops.Products;
import dev.quiver.ops.Rows;
import dev.quiver.ops.Shaping;
import dev.quiver.ops.Take;
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
 * GEMM, lookups in one table one gather, elementwise ops one loop, class-index losses one fused
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
    record Result(int builtSize, Node builtOut, List<Node> builtKeep, Node out, List<Node> keep, int kernelsBefore, int kernelsAfter, int gathers,
                  long gatheredElements) {}

    /** How a batchable node's inputs take part: per input, whether its rows are stacked (else it is shared). */
    private record Rule(boolean[] varying, boolean lossOfRows) {}

    /** A node's signature: nodes with equal signatures may run as one. */
    private record Key(dev.quiver.graph.Op op, dev.quiver.tensor.DType dtype, int[] parts) {
        @Override public boolean equals(Object o) {
            return o instanceof Key k && dtype == k.dtype && op.equals(k.op) && Arrays.equals(parts, k.parts);
        }

        @Override public int hashCode() { return (op.hashCode() * 31 + dtype.ordinal()) * 31 + Arrays.hashCode(parts); }
    }

    static Result rewrite(Graph g, Node out, List<Node> keep) {
        return new Autobatch.Run(g, out, keep).run();
    }

    private static final class Run {
        final Graph g;
        final int n0;
        final Node[] nodes;
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
        final Node[] value;
        int gathers;
        long gatheredElements;

        Run(Graph g, Node out, List<Node> keep) {
            this.g = g;
            this.n0 = g.size();
            this.nodes = g.nodes().toArray(new Node[0]);
            this.out = out;
            this.keep = keep;
            // every edge read once, into flat arrays the passes below walk (the nodes are scattered in the heap)
            this.isOp = new boolean[n0];
            this.inStart = new int[n0 + 1];
            int edges = 0;
            for (int i = 0; i < n0; i++) {
                Node n = nodes[i];
                isOp[i] = n.kind() == Node.Kind.OP;
                edges += n.arity();
                inStart[i + 1] = edges;
            }
            this.in = new int[edges];
            for (int i = 0, e = 0; i < n0; i++) {
                Node n = nodes[i];
                for (int k = 0, a = n.arity(); k < a; k++) in[e++] = n.input(k).index();
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
            this.value = new Node[n0];
        }

        Result run() {
            int kernelsBefore = 0;
            // signatures and their mean depth; the number of op inputs each op waits for; consumer counts
            Map<Key, Integer> ids = new HashMap<>();
            int[] depth = new int[n0];
            long[] depthSum = new long[16];
            int[] members = new int[16];
            int signatures = 0;
            int[] pending = new int[n0], count = new int[n0 + 1];
            Arrays.fill(signature, -1);
            for (int i = 0; i < n0; i++) {
                if (!live[i] || !isOp[i]) continue;
                Node n = nodes[i];
                if (!n.isView()) kernelsBefore++;
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
                Rule r = rule[i] = rule(n);
                if (r == null) continue;
                Key key = key(n, r);
                Integer id = ids.putIfAbsent(key, signatures);
                if (id == null) {
                    id = signatures++;
                    if (id == depthSum.length) {
                        depthSum = Arrays.copyOf(depthSum, 2 * id);
                        members = Arrays.copyOf(members, 2 * id);
                    }
                }
                signature[i] = id;
                depthSum[id] += depth[i];
                members[id]++;
            }
            double[] meanDepth = new double[signatures];
            for (int s = 0; s < signatures; s++) meanDepth[s] = (double) depthSum[s] / members[s];
            for (int i = 0; i < n0; i++) count[i + 1] += count[i];
            int[] consumers = new int[count[n0]], fill = Arrays.copyOf(count, n0);
            for (int i = 0; i < n0; i++) {
                if (!live[i] || !isOp[i]) continue;
                for (int e = inStart[i]; e < inStart[i + 1]; e++) if (isOp[in[e]]) consumers[fill[in[e]]++] = i;
            }

            // the agenda
            IntList[] ready = new IntList[signatures];
            for (int s = 0; s < signatures; s++) ready[s] = new IntList();
            IntList now = new IntList();   // unbatchable nodes that are ready
            for (int i = 0; i < n0; i++) {
                if (live[i] && isOp[i] && pending[i] == 0) {
                    if (signature[i] < 0) now.add(i); else ready[signature[i]].add(i);
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
                    int best = -1;
                    for (int s = 0; s < signatures; s++) {
                        if (ready[s].size > 0 && (best < 0 || meanDepth[s] < meanDepth[best])) best = s;
                    }
                    if (best < 0) break;
                    int[] group = ready[best].toArray();
                    ready[best].clear();
                    if (group.length == 1) single(group[0]); else group(group);
                    for (int m : group) done.add(m);
                }
                for (int d = 0; d < done.size; d++) {
                    int j = done.items[d];
                    for (int c = count[j]; c < count[j + 1]; c++) {
                        int i = consumers[c];
                        if (--pending[i] == 0) {
                            if (signature[i] < 0) now.add(i); else ready[signature[i]].add(i);
                        }
                    }
                }
            }
            Node newOut = valueOf(out);
            List<Node> newKeep = new ArrayList<>(keep.size());
            for (Node k : keep) newKeep.add(valueOf(k));
            int kernelsAfter = 0;
            for (int i = n0; i < g.size(); i++) {
                Node n = g.nodes().get(i);
                if (n.kind() == Node.Kind.OP && !n.isView()) kernelsAfter++;
            }
            return new Result(n0, out, keep, newOut, newKeep, kernelsBefore, kernelsAfter, gathers, gatheredElements);
        }

        // ------------------------------------------------------------------ rules

        /** How node n batches, or null when it runs on its own. */
        private Rule rule(Node n) {
            dev.quiver.graph.Op op = n.op();
            int arity = n.arity();
            if (n.rank() == 0) return null;
            boolean[] varying = new boolean[arity];
            if (op instanceof Shaping.AddN) {   // no broadcasting: every term is stacked
                for (int k = 0; k < arity; k++) {
                    if (!stackable(n.input(k))) return null;
                    varying[k] = true;
                }
                return new Rule(varying, false);
            }
            if (op instanceof Elementwise.Map || op instanceof Elementwise.Binary || op instanceof Elementwise.WithScalar) {
                int[] s = n.shapeRef();
                boolean any = false;
                for (int k = 0; k < arity; k++) {
                    Node in = n.input(k);
                    if (in.kind() == Node.Kind.OP && Arrays.equals(in.shapeRef(), s)) {
                        varying[k] = any = true;
                    } else if (!(in.rank() < s.length || in.rank() == s.length && in.shapeRef()[0] == 1)) {
                        return null;   // broadcast along axis 0 by a value of its own
                    }
                }
                return any ? new Rule(varying, false) : null;
            }
            if (op == Products.MATMUL) {
                if (n.input(0).rank() != 2 || n.input(1).rank() != 2 || !stackable(n.input(0))) return null;
                varying[0] = true;
                return new Rule(varying, false);
            }
            if (op instanceof Take t) {
                if (t.axis() != 0 || n.input(1).rank() != 1 || !stackable(n.input(1))) return null;
                varying[1] = true;
                return new Rule(varying, false);
            }
            if (op instanceof Shaping.Slice s) {
                Index[] ix = s.index();
                if (ix.length == 0 || !(ix[0] instanceof Index.Range r) || r.start() != 0 || r.step() != 1
                        || r.stop() < n.input(0).shapeRef()[0] || n.input(0).kind() != Node.Kind.OP) return null;
                varying[0] = true;
                return new Rule(varying, false);
            }
            if (op instanceof Shaping.Concat c) {
                int axis = c.axis() < 0 ? c.axis() + n.rank() : c.axis();
                if (axis == 0) return null;
                for (int k = 0; k < arity; k++) {
                    if (!stackable(n.input(k))) return null;
                    varying[k] = true;
                }
                return new Rule(varying, false);
            }
            if (op instanceof ClassCrossEntropy ce) {
                CrossEntropy o = ce.options();
                if (n.input(0).rank() != 2 || !stackable(n.input(0)) || !stackable(n.input(1))
                        || o.reduction() == CrossEntropy.Reduction.MEAN && o.ignoring()) return null;
                varying[0] = varying[1] = true;
                return new Rule(varying, o.reduction() != CrossEntropy.Reduction.NONE);
            }
            return null;
        }

        /** Whether a value's rows can be stacked with others': an op's result, an input, or a small data constant. */
        private static boolean stackable(Node in) {
            return in.kind() == Node.Kind.OP || in.kind() == Node.Kind.INPUT
                    || in.kind() == Node.Kind.CONSTANT && Graph.isData(in.constant());
        }

        private static Key key(Node n, Rule r) {
            int arity = n.arity();
            int size = 0;
            for (int k = 0; k < arity; k++) size += 2 + (r.varying[k] ? n.input(k).rank() : 0);
            int[] parts = new int[size];
            int p = 0;
            for (int k = 0; k < arity; k++) {
                Node in = n.input(k);
                if (r.varying[k]) {
                    parts[p++] = -1 - in.dtype().ordinal();
                    parts[p++] = in.rank();
                    int[] s = in.shapeRef();
                    for (int d = 1; d < s.length; d++) parts[p++] = s[d];
                    parts[p++] = 0;
                } else {
                    parts[p++] = in.index();
                    parts[p++] = 0;
                }
            }
            return new Key(batchedOp(n.op()), n.dtype(), parts);
        }

        /**
         * The op that runs a group: the members' op, except that a slice takes every row (a member's
         * {@code [0:1, ...]} of its one row is all rows of the stacked operand) and a class-index loss
         * gives per-row losses (each member's sum or mean is then taken over its rows).
         */
        private static dev.quiver.graph.Op batchedOp(dev.quiver.graph.Op op) {
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
                if (rows != null && source[in.index()] != null) {
                    source[i] = source[in.index()];
                    offset[i] = offset[in.index()] + rows[0];
                    return;
                }
            }
            if (n.op() instanceof Shaping.Concat c && (c.axis() == 0 || c.axis() == -n.rank()) && n.rank() >= 1) {
                value[i] = stack(n.inputsRef());
                return;
            }
            Node[] ins = new Node[n.arity()];
            for (int k = 0; k < ins.length; k++) ins[k] = valueOf(n.input(k));
            value[i] = g.apply(n.op(), ins);
        }

        /** Nodes of one signature as one node over their stacked rows. */
        private void group(int[] members) {
            Node first = nodes[members[0]];
            Rule r = rule[members[0]];
            sortByFirstVaryingInput(members, r);
            int arity = first.arity();
            Node[] ins = new Node[arity];
            for (int k = 0; k < arity; k++) {
                if (r.varying[k]) {
                    Node[] parts = new Node[members.length];
                    for (int m = 0; m < members.length; m++) parts[m] = nodes[members[m]].input(k);
                    ins[k] = stack(parts);
                } else {
                    ins[k] = valueOf(first.input(k));
                }
            }
            boolean loss = first.op() instanceof ClassCrossEntropy;
            Node batched = g.apply(batchedOp(first.op()), ins);
            int row = 0;
            for (int m : members) {
                Node n = nodes[m];
                int rows = loss ? n.input(0).shapeRef()[0] : n.shapeRef()[0];
                if (rule[m].lossOfRows) {   // a member's sum or mean over its own rows
                    CrossEntropy o = ((ClassCrossEntropy) n.op()).options();
                    Node sum = g.sum(g.slice(batched, Index.range(row, row + rows)));
                    value[m] = o.reduction() == CrossEntropy.Reduction.MEAN ? g.mul(sum, 1.0 / rows) : sum;
                } else {
                    source[m] = batched;
                    offset[m] = row;
                }
                row += rows;
            }
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
                int j = nodes[members[m]].input(k).index();
                long at = source[j] != null ? source[j].index() : value[j] != null ? value[j].index() : j;
                long row = source[j] != null ? offset[j] : 0;
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

        /** The rows of {@code parts} stacked in order, as a node: a whole earlier result, a row range of it, or a gather. */
        private Node stack(Node[] parts) {
            Node[] src = new Node[parts.length];
            int[] off = new int[parts.length], rows = new int[parts.length];
            int total = 0;
            for (int p = 0; p < parts.length; p++) {
                int j = parts[p].index();
                rows[p] = parts[p].shapeRef()[0];
                if (source[j] != null) {
                    src[p] = source[j];
                    off[p] = offset[j];
                } else {
                    src[p] = valueOf(parts[p]);
                }
                total += rows[p];
            }
            boolean contiguous = true;
            for (int p = 1; p < parts.length && contiguous; p++) contiguous = src[p] == src[0] && off[p] == off[p - 1] + rows[p - 1];
            if (contiguous) {
                if (off[0] == 0 && total == src[0].shapeRef()[0]) return src[0];
                return g.slice(src[0], Index.range(off[0], off[0] + total));
            }
            List<Node> sources = new ArrayList<>();
            Map<Node, Integer> slot = new java.util.IdentityHashMap<>();
            int[] which = new int[total], row = new int[total];
            int at = 0;
            for (int p = 0; p < parts.length; p++) {
                Integer s = slot.get(src[p]);
                if (s == null) {
                    slot.put(src[p], s = sources.size());
                    sources.add(src[p]);
                }
                for (int q = 0; q < rows[p]; q++) {
                    which[at] = s;
                    row[at++] = off[p] + q;
                }
            }
            Node gathered = g.apply(new Rows.Gather(which, row), sources.toArray(new Node[0]));
            gathers++;
            gatheredElements += gathered.size();
            return gathered;
        }

        /** An original node's value in the rewritten graph (a row range of its group's result is a view, made once). */
        private Node valueOf(Node n) {
            int j = n.index();
            if (n.kind() != Node.Kind.OP) return n;
            if (value[j] == null) {
                if (source[j] == null) throw new IllegalStateException("autobatch: " + n.describe() + " used before it was scheduled (a bug)");
                Node s = source[j];
                int rows = n.shapeRef()[0];
                value[j] = offset[j] == 0 && rows == s.shapeRef()[0] ? s : g.slice(s, Index.range(offset[j], offset[j] + rows));
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
