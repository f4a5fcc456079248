package dev.quiver.graph;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Op;
import dev.quiver.ops.internal.Elementwise;
import dev.quiver.ops.internal.Codable;
import dev.quiver.ops.internal.Code;
import dev.quiver.ops.internal.Products;
import dev.quiver.ops.internal.Rows;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a graph and an output into a {@link Step}: builds the backward graph from the ops' VJPs
 * (pruning nodes that do not depend on a differentiation target), schedules forward then
 * backward nodes in topological order, plans every buffer into one arena per dtype, and binds
 * each op to its buffers.
 */
final class Compiler {
    private Compiler() {}

    /** Gradient terms of at least this many elements are summed as they arrive instead of by one add_n at the end. */
    static final int ACCUMULATE_MIN = 1024;

    /**
     * Whether emit records {@link Codable} ops as op codes (see {@link Code}); false binds every op
     * as a closure, as before coding: for tests that compare the two bit for bit.
     */
    static boolean coding = true;

    /** Most ops need no workspace: one shared empty array each instead of two per instruction. */
    private static final int[] NO_WORK = new int[0];
    private static final Tensor[] NO_WORKSPACE = new Tensor[0];
    /** Typed empty arrays: the component types of the scratch arrays. */
    private static final Node[] NO_NODES = new Node[0];
    @SuppressWarnings("rawtypes")
    private static final List[] NO_LISTS = new List[0];
    private static final int[][] NO_WORK_LISTS = new int[0][];
    private static final DType[] NO_DTYPES = new DType[0];
    private static final Op.Instruction[] NO_INSTRUCTIONS = new Op.Instruction[0];

    static Step compile(Graph g, Node out, CompileOptions options) {
        TensorMath math = options.math() != null ? options.math() : TensorMath.get();
        for (int i = 0; i < options.wrt().size(); i++) {   // indexed loops: a cache hit allocates nothing
            Node n = options.wrt().get(i);
            g.own("compile", n);
            if (n.kind() != Node.Kind.PARAM && n.kind() != Node.Kind.INPUT) {
                throw new IllegalArgumentException("compile: can differentiate only with respect to parameters and inputs, not "
                        + n.describe());
            }
        }
        for (int i = 0; i < options.keep().size(); i++) g.own("compile", options.keep().get(i));
        if (options.inference() && !options.wrt().isEmpty()) {
            throw new IllegalArgumentException("compile: gradient targets given for an inference-only step");
        }
        Step cached = g.planCache().findUnchanged(g.unchangedStep(), g, out, options, math);
        if (cached == null) cached = g.planCache().findLast(g, out, options, math);
        if (cached != null) {
            cached.rebind(g);
            g.compiled(cached);
            return cached;
        }
        long hash = structureHash(g, out, options, math);
        cached = g.planCache().find(hash, g, out, options, math);
        if (cached != null) {
            cached.rebind(g);
            g.compiled(cached);
            return cached;
        }
        // Plans are keyed by the graph as built: an autobatched one is found again for a graph of the
        // same structure (e.g. a minibatch of sentences of the same lengths) without rewriting it.
        g.planCache().makeRoom();
        int built = g.size();
        try {
            Autobatch.Result batched = options.autobatch() ? Autobatch.rewrite(g, out, options.keep()) : null;
            Node rewrittenOut = batched != null ? batched.out() : out;
            CompileOptions rewritten = batched != null ? options.withKeep(batched.keep()) : options;
            Step step = build(g, rewrittenOut, rewritten, math, g.size(), batched, options, built, out.index());
            g.planCache().put(hash, step);
            g.truncate(built);
            g.compiled(step);
            return step;
        } finally {
            g.truncate(built);
            g.scratch.release();
        }
    }

    /**
     * A hash of everything {@link Step#matches} compares; computed without allocating, from the
     * node tape's arrays by index. A graph's nodes share a few interned ops and shape arrays, so
     * their hashes (a slice's walks its index array) are kept per instance in the graph's small
     * direct-mapped table: the same values as hashing each node's, at a load and a compare per node.
     */
    private static long structureHash(Graph g, Node out, CompileOptions o, TensorMath math) {
        long h = 17;
        int n = g.size();
        NodeTape t = out.tape();
        Object[] seen = g.scratch.hashedInstances;
        int[] hashes = g.scratch.instanceHashes;
        for (int i = 0; i < n; i++) {
            Op op = t.op[i];
            Node[] more = t.more[i];
            h = h * 31 + t.kind[i];
            h = h * 31 + t.dtype[i].ordinal();
            h = h * 31 + hashOf(t.shape[i], seen, hashes);
            h = h * 31 + (t.name[i] == null ? 0 : t.name[i].hashCode());
            h = h * 31 + (op == null ? 0 : hashOf(op, seen, hashes));
            if (more != null) {
                for (Node m : more) h = h * 31 + m.index();
            } else if (t.in0[i] >= 0) {
                h = h * 31 + t.in0[i];
                if (t.in1[i] >= 0) h = h * 31 + t.in1[i];
            }
            h = h * 31 + System.identityHashCode(t.parameter[i]);
            if (!Graph.isData(t.constant[i])) h += 7L * System.identityHashCode(t.constant[i]);
        }
        h = h * 31 + out.index();
        h = h * 31 + (o.inference() ? 1 : 0) + (o.checkFinite() ? 2 : 0) + (o.inputGradients() ? 4 : 0) + (o.autobatch() ? 8 : 0) + (o.mode() == Mode.EVAL ? 16 : 0) + (o.fusion() ? 32 : 0);
        for (int i = 0; i < o.wrt().size(); i++) h = h * 31 + o.wrt().get(i).index();
        h = h * 37;
        for (int i = 0; i < o.keep().size(); i++) h = h * 31 + o.keep().get(i).index();
        return h * 31 + System.identityHashCode(math);
    }

    /** {@code x}'s hash (an op's {@code hashCode}, a shape's {@code Arrays.hashCode}), from the table when this instance is there. */
    private static int hashOf(Object x, Object[] seen, int[] hashes) {
        int slot = System.identityHashCode(x) & seen.length - 1;
        if (seen[slot] == x) return hashes[slot];
        int hash = x instanceof int[] shape ? Arrays.hashCode(shape) : x.hashCode();
        seen[slot] = x;
        hashes[slot] = hash;
        return hash;
    }

    /**
     * The compile pipeline for a new structure: each phase reads what the previous ones put in the
     * {@link Plan} and adds its own part; each is linear in the number of nodes (buffer assignment
     * O(n log n)).
     */
    private static Step build(Graph g, Node out, CompileOptions options, TensorMath math, int mark, Autobatch.Result batched,
                              CompileOptions asBuilt, int builtCount, int builtOutput) {
        Plan p = new Plan(g, out, options, math, mark);
        p.batched = batched;
        p.asBuilt = asBuilt;
        p.builtCount = builtCount;
        p.builtOutput = builtOutput;
        g.shareViews = true;
        g.shareViewsFrom = mark;
        g.differentiating = options.mode();
        try {
            differentiate(p);
        } finally {
            g.shareViews = false;
            g.differentiating = null;
        }
        // After autobatching (in compile) and differentiation: the batched groups' VJPs fuse too.
        if (options.fusion()) p.fused += Fusion.rewrite(g, mark, p.wrtGrads, p.sinks, p.scratch);
        schedule(p);
        liveness(p);
        assignBuffers(p);
        return emit(p);
    }

    /** What the phases know about one compile; each phase fills in its part. */
    private static final class Plan {
        final Graph g;
        /** The graph's working arrays; the arrays taken from it may be longer than the plan's counts. */
        final Scratch scratch;
        final Node out;
        final CompileOptions options;
        final TensorMath math;
        /** The step's mode and random draw, shared by every instruction bound into it. */
        final StepContext context;
        /** Number of forward nodes; backward nodes are appended to the graph after them. */
        final int mark;
        final List<Node> fwd;
        final List<Node> roots = new ArrayList<>();
        /** Forward nodes the output (or a kept node) depends on. */
        final boolean[] live;
        // differentiate
        Node seed;
        boolean[] sparse;
        final List<Node> sinks = new ArrayList<>();
        final List<Node> wrt = new ArrayList<>();
        final List<Node> wrtGrads = new ArrayList<>();
        /** For each backward node (index - mark), the forward node whose gradient it helps compute (for NaN reports). */
        int[] gradientOf = new int[0];
        // schedule
        Node[] all;
        int total;
        /**
         * The tape: node i's input indices are {@code inputs[inputStart[i] .. inputStart[i+1]-1]}, its
         * kind one of the {@code TAPE_*} codes, and {@code rootOf[i]} the node whose buffer its value lives
         * in (itself, or the value at the end of its chain of views). The later phases walk these arrays
         * in order instead of following references to input nodes scattered over the heap.
         */
        int[] inputStart, inputs, rootOf;
        byte[] kind;
        /** Per node, how many scheduled nodes read it. */
        int[] readers;
        boolean[] scheduled, kept;
        int[] pos;
        int firstCopy, last;
        // schedule: the gradient tensors of the targets, and per node the target it writes directly (-1: none)
        Tensor[] gradTensors;
        int[] directTarget;
        // liveness
        Buffers buf;
        int[] bufferOf;
        int[][] workOf;
        // assignBuffers
        Tensor[] buffers;
        final List<Object> arenas = new ArrayList<>(2);
        PlanReport report;
        /** Backward nodes with a fused kernel: built so by differentiate, or put in by {@link Fusion}. */
        int fused;
        Autobatch.Result batched;
        /** The options and graph as the user built them, which the step is matched against later. */
        CompileOptions asBuilt;
        int builtCount, builtOutput;

        Plan(Graph g, Node out, CompileOptions options, TensorMath math, int mark) {
            this.g = g;
            this.out = out;
            this.options = options;
            this.math = math;
            this.context = new StepContext(options.mode());
            this.mark = mark;
            this.fwd = Arrays.asList(g.nodeArray());
            this.scratch = g.scratch;
            this.sparse = scratch.booleans(Scratch.SPARSE, mark);
            roots.add(out);
            roots.addAll(options.keep());
            this.live = ancestors(g.tape(), roots, mark, scratch.booleans(Scratch.LIVE, mark));
        }
    }

    /** Records forward node {@code of} as the origin of the backward nodes built since graph size {@code from}. */
    private static void origin(Plan p, int from, int of) {
        if (!p.options.checkFinite()) return;   // origins only name nodes in the NaN check's messages
        int to = p.g.size();
        if (to - p.mark > p.gradientOf.length) {
            int old = p.gradientOf.length;
            p.gradientOf = Arrays.copyOf(p.gradientOf, Math.max(16, 2 * (to - p.mark)));
            Arrays.fill(p.gradientOf, old, p.gradientOf.length, -1);
        }
        for (int k = from; k < to; k++) p.gradientOf[k - p.mark] = of;
    }

    /**
     * Phase 1: the gradient targets, and the backward graph built from the ops' VJPs in reverse
     * build order (skipping nodes no target feeds), gradients of a value used several times summed
     * with add_n; lookups of a row-sparse table get a {@link SparseRowGradient} sink instead.
     */
    private static void differentiate(Plan p) {
        if (p.options.inference()) return;
        Graph g = p.g;
        int mark = p.mark;
        List<Node> fwd = p.fwd, wrt = p.wrt;
        boolean[] live = p.live;
        if (p.options.wrt().isEmpty()) {
            for (Node n : fwd) {
                if (live[n.index()] && (n.kind() == Node.Kind.PARAM || n.kind() == Node.Kind.INPUT && p.options.inputGradients())) wrt.add(n);
            }
        } else {
            wrt.addAll(p.options.wrt());
        }
        Scratch scratch = p.scratch;
        boolean[] needs = scratch.booleans(Scratch.NEEDS, mark);
        for (Node w : wrt) needs[w.index()] = true;
        NodeTape t = g.tape();
        for (int j = 0; j < mark; j++) {
            for (int k = 0, arity = t.arity(j); k < arity; k++) if (needs[t.input(j, k)]) needs[j] = true;
        }
        boolean[] sparse = p.sparse = sparseTables(t, live, mark, p.out, wrt, scratch);
        Node seed = p.seed = g.internalInput(p.out.dtype(), p.out.shapeRef());
        // Gradient terms per node: the first in firstTerm (most values are read once), any others in moreTerms.
        Node[] firstTerm = scratch.refs(Scratch.FIRST_TERM, mark, NO_NODES);
        @SuppressWarnings("unchecked")
        List<Node>[] moreTerms = scratch.refs(Scratch.MORE_TERMS, mark, NO_LISTS);
        Node[] gradOf = scratch.refs(Scratch.GRAD_OF, mark, NO_NODES);
        firstTerm[p.out.index()] = seed;
        Stacks stacks = new Stacks(mark, scratch);
        boolean[][] neededByArity = new boolean[8][];
        for (int a = 0; a < neededByArity.length; a++) neededByArity[a] = new boolean[a];
        RowTerms rowTerms = new RowTerms(mark, scratch);
        SliceTerms sliceTerms = new SliceTerms();
        Node[] oneVjp = new Node[1];
        for (int i = mark - 1; i >= 0; i--) {
            Node n = fwd.get(i);
            if (!live[i] || !needs[i] || firstTerm[i] == null && !stacks.has(i) && !rowTerms.has(i) && !sliceTerms.has(i)) continue;
            int before = g.size();
            Node grad = firstTerm[i];
            if (moreTerms[i] != null) {
                moreTerms[i].addFirst(grad);
                grad = g.addN(moreTerms[i].toArray(new Node[0]));
            }
            grad = sliceTerms.sum(g, i, n, grad);
            grad = rowTerms.sum(g, i, n, grad);
            grad = gradOf[i] = stacks.product(g, i, grad);
            origin(p, before, i);
            if (n.kind() != Node.Kind.OP) continue;
            // One array per arity serves every node: a VJP reads its mask only while it builds its nodes.
            int arity = n.arity();
            boolean[] needed = arity < neededByArity.length ? neededByArity[arity] : new boolean[arity];
            boolean any = false;
            for (int k = 0; k < needed.length; k++) any |= needed[k] = needs[n.input(k).index()];
            if (needed[0] && sparse[n.input(0).index()]) {
                // A lookup of a row-sparse table: its gradient rows go straight into the parameter's gradient.
                before = g.size();
                p.sinks.add(g.apply(new SparseRowGradient(n.input(0).parameter()), n.input(1), grad));
                origin(p, before, i);
                needed[0] = false;
                any = false;
                for (int k = 1; k < needed.length; k++) any |= needed[k];
            }
            if (!any) continue;
            if (n.op() == Products.MATMUL && needed[1] && n.rank() == 2 && n.input(0).rank() == 2 && n.input(1).rank() == 2
                    && stacks.offerFactors(n.input(1).index(), n.input(0), grad)) {
                // The right factor's term a^T g joins its stacked product directly: the permute and
                // product nodes the VJP would build for it are what Stacks.offer takes apart and drops.
                needed[1] = false;
                if (!needed[0]) continue;
            }
            if (n.op() instanceof dev.quiver.ops.internal.Shaping.Slice slice
                    && (rowTerms.offerRows(n.input(0), slice, grad) || sliceTerms.offer(n.input(0), slice, grad, mark))) {
                continue;   // rows or one axis's range of a value: the gradient joins its row or slice terms without building the scatter VJP
            }
            before = g.size();
            Node fusedVjp = p.options.fusion() && arity == 1 ? fusedDerivative(g, n, grad) : null;
            Node[] vjps;
            if (fusedVjp != null) {
                vjps = oneVjp;
                vjps[0] = fusedVjp;
                p.fused++;
            } else {
                vjps = n.op().vjp(n.inputsRef(), n, grad, needed);
            }
            origin(p, before, i);
            for (int k = 0; k < needed.length; k++) {
                if (!needed[k] || vjps[k] == null) continue;
                Node in = n.input(k);
                if (!Arrays.equals(vjps[k].shapeRef(), in.shapeRef()) || vjps[k].graph() != g) {
                    throw new IllegalStateException(n.op().name() + ": its VJP for input " + k + " (" + in.describe()
                            + ") has shape " + Shapes.str(vjps[k].shapeRef()) + " (a bug in the op)");
                }
                if (stacks.offer(in.index(), vjps[k]) || rowTerms.offer(in.index(), vjps[k])) continue;
                int j = in.index();
                if (firstTerm[j] == null) {
                    firstTerm[j] = vjps[k];
                } else if (moreTerms[j] == null && vjps[k].size() >= ACCUMULATE_MIN) {
                    // A large gradient with many uses (a weight matrix shared by every node of a tree) is
                    // summed as its terms arrive, so each term's buffer dies at once: the arena holds two
                    // such buffers, not one per use. A term that is a matrix product is accumulated by the
                    // GEMM itself, in place (matmul_add): no product buffer, no add pass.
                    Node term = vjps[k], first = firstTerm[j];
                    boolean product = term.op() == Products.MATMUL && term.rank() == 2 && term.input(0).rank() == 2
                            && term.input(1).rank() == 2;
                    before = g.size();
                    firstTerm[j] = product ? g.apply(Products.MATMUL_ADD, term.input(0), term.input(1), first) : g.add(first, term);
                    origin(p, before, j);
                } else {
                    if (moreTerms[j] == null) moreTerms[j] = new ArrayList<>(4);
                    moreTerms[j].add(vjps[k]);
                }
            }
        }
        for (Node w : wrt) p.wrtGrads.add(gradOf[w.index()]);
    }

    /**
     * tanh's or sigmoid's derivative as the one node {@link Fusion} would put in place of the
     * primitives their rules build ({@code g (1 - y^2)}, {@code (g y) (1 - y)}): the same fused op
     * on the same inputs (y, g), so the same bits, built directly instead of as four nodes that the
     * later phases would build, count, match and skip. Null for any other op (its VJP builds its nodes).
     */
    static Node fusedDerivative(Graph g, Node n, Node grad) {
        if (!(n.op() instanceof Elementwise.Map m) || grad.dtype() != n.dtype() || !Arrays.equals(grad.shapeRef(), n.shapeRef())) return null;
        BinaryOp fn = m.fn() == UnaryOp.TANH ? BinaryOp.TANH_GRAD : m.fn() == UnaryOp.SIGMOID ? BinaryOp.SIGMOID_GRAD : null;
        return fn == null ? null : g.apply(Elementwise.fused(fn), n, grad);
    }

    /**
     * Phase 2: which nodes run (ancestors of the output, kept nodes, the gradients and sinks) and
     * their schedule positions: 0 = feeding, then one per instruction in build order (a
     * topological order), then one per gradient copy-out; a view shares its root's position.
     */
    private static void schedule(Plan p) {
        Node[] all = p.all = p.g.nodeArray();
        int total = p.total = all.length;
        tape(p);
        byte[] kind = p.kind;
        int[] rootOf = p.rootOf;
        boolean[] scheduled = p.scheduled = p.scratch.booleans(Scratch.SCHEDULED, total);
        for (Node r : p.roots) scheduled[r.index()] = true;
        if (p.seed != null) scheduled[p.seed.index()] = true;
        for (Node gn : p.wrtGrads) if (gn != null) scheduled[gn.index()] = true;
        for (Node sink : p.sinks) scheduled[sink.index()] = true;
        int[] inputStart = p.inputStart, inputs = p.inputs;
        for (int i = total - 1; i >= 0; i--) {
            if (scheduled[i]) for (int k = inputStart[i]; k < inputStart[i + 1]; k++) scheduled[inputs[k]] = true;
        }
        int[] readers = p.readers = p.scratch.ints(Scratch.READERS, total);
        for (int i = 0; i < total; i++) {
            if (scheduled[i]) for (int k = inputStart[i]; k < inputStart[i + 1]; k++) readers[inputs[k]]++;
        }
        // named ancestors stay readable
        boolean[] kept = p.kept = new boolean[total];
        for (Node r : p.roots) kept[r.index()] = true;
        for (int i = 0; i < p.mark; i++) if (scheduled[i] && all[i].name() != null) kept[i] = true;
        int[] pos = p.pos = p.scratch.ints(Scratch.POS, total);
        int position = 0;
        for (int i = 0; i < total; i++) if (scheduled[i] && kind[i] == TAPE_OP) pos[i] = ++position;
        p.firstCopy = position + 1;
        p.last = position + p.wrt.size() + 1;
        for (int i = 0; i < total; i++) if (scheduled[i] && kind[i] == TAPE_VIEW) pos[i] = pos[rootOf[i]];
        Tensor[] gradTensors = p.gradTensors = new Tensor[p.wrt.size()];
        for (int j = 0; j < gradTensors.length; j++) {
            Node w = p.wrt.get(j);
            gradTensors[j] = w.kind() == Node.Kind.PARAM ? w.parameter().grad() : Tensor.zeros(w.dtype(), w.shapeRef());
        }
        p.directTarget = directGradients(p, gradTensors);
    }

    /** Tape codes for a node's kind: leaves, ops that run an instruction, and views. */
    private static final byte TAPE_INPUT = 0, TAPE_PARAM = 1, TAPE_CONSTANT = 2, TAPE_OP = 3, TAPE_VIEW = 4;
    /** {@link Node.Kind} ordinals, as the node pool stores them. */
    private static final byte KIND_INPUT = (byte) 0, KIND_PARAM = (byte) 1, KIND_CONSTANT = (byte) 2, KIND_OP = (byte) 3;
    static {
        if (Node.Kind.INPUT.ordinal() != KIND_INPUT || Node.Kind.PARAM.ordinal() != KIND_PARAM || Node.Kind.CONSTANT.ordinal() != KIND_CONSTANT
                || Node.Kind.OP.ordinal() != KIND_OP) {
            throw new AssertionError("Node.Kind's order changed");
        }
    }

    /** Fills the plan's tape (see {@link Plan#inputs}) from the nodes, in one pass. */
    private static void tape(Plan p) {
        Node[] all = p.all;
        int total = all.length;
        int[] inputStart = p.inputStart = p.scratch.intsDirty(Scratch.INPUT_START, total + 1);
        int[] rootOf = p.rootOf = p.scratch.intsDirty(Scratch.ROOT_OF, total);
        int[] inputs = p.scratch.intsDirty(Scratch.INPUTS, 2 * total + 8);
        byte[] kind = p.kind = p.scratch.bytes(Scratch.KIND, total);
        // Read from the node pool's parallel arrays in order (node i is slot i), not through the handles.
        NodeTape t = p.g.tape();
        byte[] nodeKind = t.kind, flags = t.flags;
        int[] in0 = t.in0, in1 = t.in1;
        Node[][] more = t.more;
        int at = 0;
        for (int i = 0; i < total; i++) {
            inputStart[i] = at;
            Node[] m = more[i];
            int arity = m != null ? m.length : in1[i] >= 0 ? 2 : in0[i] >= 0 ? 1 : 0;
            if (at + arity > inputs.length) inputs = p.scratch.keep(Scratch.INPUTS, Arrays.copyOf(inputs, Math.max(2 * inputs.length, at + arity)));
            if (m != null) {
                for (Node x : m) inputs[at++] = x.index();
            } else if (arity > 0) {
                inputs[at++] = in0[i];
                if (arity == 2) inputs[at++] = in1[i];
            }
            kind[i] = switch (nodeKind[i]) {
                case KIND_INPUT -> TAPE_INPUT;
                case KIND_PARAM -> TAPE_PARAM;
                case KIND_CONSTANT -> TAPE_CONSTANT;
                default -> (flags[i] & NodeTape.VIEW) != 0 ? TAPE_VIEW : TAPE_OP;
            };
            rootOf[i] = kind[i] == TAPE_VIEW ? rootOf[inputs[inputStart[i]]] : i;
        }
        inputStart[total] = at;
        p.inputs = inputs;
    }

    /**
     * Whether node i's own buffer is left out of the arena: a final gradient written directly into
     * its target's gradient tensor needs a buffer of its own only when gradients accumulate, and then
     * one per parameter serves every plan ({@link DeferredGradient}). Steps that check for NaN keep
     * it in the arena, to check it like any other value.
     */
    private static boolean deferred(Plan p, int i) {
        return p.directTarget[i] >= 0 && !p.options.checkFinite();
    }

    /**
     * Phase 3: one buffer per value that needs memory (inputs, data constants, op results that are
     * not views, workspaces) and the interval of positions it lives over: from its producer to its
     * last reader; inputs and kept values live throughout, final gradients until their copy-out.
     */
    private static void liveness(Plan p) {
        int total = p.total, last = p.last;
        Node[] all = p.all;
        boolean[] scheduled = p.scheduled;
        int[] pos = p.pos, readers = p.readers, inputStart = p.inputStart, inputs = p.inputs, rootOf = p.rootOf;
        byte[] kind = p.kind;
        Buffers buf = p.buf = new Buffers(total + total / 2, p.scratch);
        boolean[] finalGradient = p.scratch.booleans(Scratch.FINAL_GRADIENT, total);
        for (Node gn : p.wrtGrads) if (gn != null) finalGradient[gn.index()] = true;
        int[] bufferOf = p.bufferOf = p.scratch.intsDirty(Scratch.BUFFER_OF, total);
        Arrays.fill(bufferOf, 0, total, -1);
        int[][] workOf = p.workOf = p.scratch.refs(Scratch.WORK_OF, total, NO_WORK_LISTS);
        Node[][] operands = new Node[3][];
        // The node pool's arrays, read in order (node i is slot i); the handle only for an op's rules.
        NodeTape t = p.g.tape();
        int[][] shape = t.shape;
        DType[] dtype = t.dtype;
        Op[] op = t.op;
        for (int i = 0; i < total; i++) {
            if (!scheduled[i] || kind[i] == TAPE_PARAM || kind[i] == TAPE_VIEW) continue;
            // Data constants of the backward graph (a derivative rule's scalars) are bound by reference: the step copies only
            // the forward ones into their buffers at each forward pass, and a derivative rule builds the same values every time.
            if (kind[i] == TAPE_INPUT || kind[i] == TAPE_CONSTANT && i < p.mark && Graph.isData(t.constant[i])) {
                bufferOf[i] = buf.add(shape[i], dtype[i], 0, last);
            } else if (kind[i] == TAPE_OP) {
                Node n = all[i];
                int shared = op[i].inPlaceInput() < 0 ? -1 : inPlace(p, n, readers, finalGradient);
                if (shared >= 0) {
                    bufferOf[i] = shared;
                    workOf[i] = NO_WORK;
                    continue;
                }
                if (!deferred(p, i)) bufferOf[i] = buf.add(shape[i], dtype[i], pos[i], pos[i]);
                int[][] ws = op[i].workspace(operands(n, operands), shape[i]);
                workOf[i] = ws.length == 0 ? NO_WORK : new int[ws.length];
                for (int w = 0; w < ws.length; w++) workOf[i][w] = buf.add(ws[w], n.dtype(), pos[i], pos[i]);
            }
        }
        for (int i = 0; i < total; i++) {
            if (!scheduled[i] || kind[i] != TAPE_OP) continue;
            for (int k = inputStart[i]; k < inputStart[i + 1]; k++) extend(buf, bufferOf, rootOf[inputs[k]], pos[i]);
        }
        for (int i = 0; i < total; i++) if (p.kept[i]) extend(buf, bufferOf, rootOf[i], last);
        for (int j = 0; j < p.wrtGrads.size(); j++) {
            if (p.wrtGrads.get(j) != null) extend(buf, bufferOf, rootOf[p.wrtGrads.get(j).index()], p.firstCopy + j);
        }
    }

    /**
     * Phase 4: offsets for every buffer in one arena per dtype ({@link Planner}), the arenas taken
     * from the plan cache's pool, and a contiguous tensor per buffer.
     */
    private static void assignBuffers(Plan p) {
        Buffers buf = p.buf;
        int nb = buf.count;
        Scratch scratch = p.scratch;
        Tensor[] buffers = p.buffers = scratch.refs(Scratch.BUFFERS, nb, NO_WORKSPACE);
        long planned = 0, naive = 0, lower = 0;
        int[] ids = scratch.intsDirty(Scratch.IDS, nb);
        for (DType dt : DType.values()) {
            int count = 0;
            for (int b = 0; b < nb; b++) if (buf.dtype[b] == dt) ids[count++] = b;
            if (count == 0) continue;
            long[] sizes = scratch.longs(Scratch.SIZES, count);
            int[] start = scratch.intsDirty(Scratch.START, count), end = scratch.intsDirty(Scratch.END, count);
            for (int j = 0; j < count; j++) {
                int b = ids[j];
                sizes[j] = buf.size[b];
                start[j] = buf.start[b];
                end[j] = buf.end[b];
                naive += sizes[j] * dt.bytes();
            }
            Planner.Assignment a = Planner.plan(sizes, start, end, count, scratch);
            lower += Planner.lowerBound(sizes, start, end, count, scratch) * dt.bytes();
            planned += a.arenaSize() * dt.bytes();
            if (a.arenaSize() > Integer.MAX_VALUE - 16) throw new IllegalStateException("compile: the " + dt + " arena needs "
                    + a.arenaSize() + " elements, more than one Java array holds");
            Object arena = p.g.planCache().arena(dt, (int) a.arenaSize());
            p.arenas.add(arena);
            // Buffers of one shape share its shape and stride arrays (see Tensor.wrapLike), and buffers of one
            // shape at one offset (values whose lifetimes do not overlap, placed in the same memory) share
            // one tensor: tensors are immutable, and a large dynamic graph reuses most of its offsets.
            Tensor[] byShape = new Tensor[SHAPE_SLOTS];
            int[] donor = a.donor();
            if (donor != null) {
                // A large plan (the planner's sweep): a buffer placed in the slot another freed has its
                // offset, so when it also has its shape it is that tensor, found without a search
                // (a table over offsets was a cache miss per buffer in a 10^5-node graph).
                for (int j = 0; j < count; j++) {
                    int[] shape = buf.shape[ids[j]];
                    Tensor t = donor[j] >= 0 ? buffers[ids[donor[j]]] : null;
                    if (t == null || !Graph.sameShape(shape, t)) {
                        int slot = Arrays.hashCode(shape) & SHAPE_SLOTS - 1;
                        Tensor like = byShape[slot];
                        int offset = (int) a.offsets()[j];
                        t = like != null && Graph.sameShape(shape, like) ? Tensor.wrapLike(arena, offset, like)
                                : (byShape[slot] = Tensor.wrap(arena, offset, shape));
                    }
                    buffers[ids[j]] = t;
                }
                continue;
            }
            int tableSize = Integer.highestOneBit(Math.max(4, 2 * count) - 1) << 1, shift = 32 - Integer.numberOfTrailingZeros(tableSize);
            Tensor[] atOffset = scratch.refs(Scratch.AT_OFFSET, tableSize, NO_WORKSPACE);
            for (int j = 0; j < count; j++) {
                int[] shape = buf.shape[ids[j]];
                int offset = (int) a.offsets()[j];
                int at = offset * 0x9E3779B1 >>> shift;
                Tensor t;
                while ((t = atOffset[at]) != null && (t.offset() != offset || !Graph.sameShape(shape, t))) at = at + 1 & tableSize - 1;
                if (t == null) {
                    int slot = Arrays.hashCode(shape) & SHAPE_SLOTS - 1;
                    Tensor like = byShape[slot];
                    t = atOffset[at] = like != null && Graph.sameShape(shape, like) ? Tensor.wrapLike(arena, offset, like)
                            : (byShape[slot] = Tensor.wrap(arena, offset, shape));
                }
                buffers[ids[j]] = t;
            }
        }
        p.report = new PlanReport(planned, naive, lower, nb);
    }

    /**
     * Phase 5: values (parameters, buffers, views) for every scheduled node, each op bound to its
     * buffers as an instruction, and the step that runs them.
     */
    private static Step emit(Plan p) {
        Graph g = p.g;
        int mark = p.mark, total = p.total;
        Node[] all = p.all;
        List<Node> wrt = p.wrt, wrtGrads = p.wrtGrads;
        int[] inputStart = p.inputStart, inputs = p.inputs;
        boolean[] scheduled = p.scheduled;
        int[] bufferOf = p.bufferOf;
        int[][] workOf = p.workOf;
        Tensor[] buffers = p.buffers;
        TensorMath math = p.math;
        boolean[] sparseTarget = new boolean[wrt.size()];
        for (int j = 0; j < wrt.size(); j++) sparseTarget[j] = p.sparse[wrt.get(j).index()];
        Tensor[] gradTensors = p.gradTensors;
        int[] directTarget = p.directTarget;
        DeferredGradient[] deferredSources = new DeferredGradient[wrt.size()];

        // ---- bind values and instructions
        Tensor[] values = new Tensor[total];
        Scratch scratch = p.scratch;
        Step.Program forward = new Step.Program(scratch.refs(Scratch.FORWARD_INSTRUCTIONS, mark, NO_INSTRUCTIONS),
                scratch.refs(Scratch.FORWARD_OUT, mark, NO_WORKSPACE), scratch.intsDirty(Scratch.FORWARD_NODE, mark),
                scratch.intsDirty(Scratch.FORWARD_GRADIENT_OF, mark), scratch.intsDirty(Scratch.FORWARD_CODE_FROM, mark),
                scratch.intsDirty(Scratch.FORWARD_CODE_TO, mark));
        Step.Program backward = new Step.Program(scratch.refs(Scratch.BACKWARD_INSTRUCTIONS, total - mark, NO_INSTRUCTIONS),
                scratch.refs(Scratch.BACKWARD_OUT, total - mark, NO_WORKSPACE), scratch.intsDirty(Scratch.BACKWARD_NODE, total - mark),
                scratch.intsDirty(Scratch.BACKWARD_GRADIENT_OF, total - mark), scratch.intsDirty(Scratch.BACKWARD_CODE_FROM, total - mark),
                scratch.intsDirty(Scratch.BACKWARD_CODE_TO, total - mark));
        // The common instructions as op codes over the arena (see Code) instead of a closure each.
        Code code = new Code(math, scratch.intsDirty(Scratch.CODE_F64, 1024), scratch.intsDirty(Scratch.CODE_F32, 1024));
        Op.Instruction[] direct = scratch.refs(Scratch.DIRECT, total - mark, NO_INSTRUCTIONS);
        // Views of one value by one op instance are one tensor (see VIEW_SLOTS).
        Op[] viewOp = new Op[VIEW_SLOTS];
        Tensor[] viewIn = new Tensor[VIEW_SLOTS], viewOut = new Tensor[VIEW_SLOTS];
        Tensor[] oneInput = new Tensor[1];
        Tensor[][] reused = new Tensor[4][];
        for (int a = 0; a < reused.length; a++) reused[a] = new Tensor[a];
        // Backward nodes are described only for the NaN check's messages.
        boolean describeBackward = p.options.checkFinite();
        StructureTape tape = new StructureTape(g.tape(), describeBackward ? total : mark, inputStart, inputs);
        // The node pool's arrays and the compile's tape, read in order (node i is slot i), not through the handles.
        byte[] kind = p.kind;
        NodeTape nodeTape = g.tape();
        Op[] ops = nodeTape.op;
        for (int i = 0; i < total; i++) {
            if (!scheduled[i]) continue;
            switch (kind[i]) {
                case TAPE_PARAM -> values[i] = nodeTape.parameter[i].value();
                case TAPE_CONSTANT -> values[i] = bufferOf[i] >= 0 ? buffers[bufferOf[i]] : nodeTape.constant[i];
                case TAPE_INPUT -> values[i] = buffers[bufferOf[i]];
                default -> {
                    int from = inputStart[i], arity = inputStart[i + 1] - from;
                    boolean view = kind[i] == TAPE_VIEW;
                    Op op = ops[i];
                    if (view && arity == 1) {
                        // A view keeps no reference to its inputs array: one serves them all.
                        Tensor in = values[inputs[from]];
                        int slot = (31 * System.identityHashCode(op) + System.identityHashCode(in)) & VIEW_SLOTS - 1;
                        if (viewOp[slot] == op && viewIn[slot] == in) {
                            values[i] = viewOut[slot];
                        } else {
                            oneInput[0] = in;
                            values[i] = viewOut[slot] = op.view(oneInput);
                            viewOp[slot] = op;
                            viewIn[slot] = in;
                        }
                        continue;
                    }
                    // A deferred gradient keeps its inputs array; so may an op's bind unless it says otherwise.
                    Tensor[] ins = arity < reused.length && !op.bindKeepsInputs() && !deferred(p, i) ? reused[arity] : new Tensor[arity];
                    for (int k = 0; k < ins.length; k++) ins[k] = values[inputs[from + k]];
                    if (view) {
                        values[i] = op.view(ins);
                    } else {
                        Tensor[] work = workOf[i].length == 0 ? NO_WORKSPACE : new Tensor[workOf[i].length];
                        for (int w = 0; w < work.length; w++) work[w] = buffers[workOf[i][w]];
                        int info = i < mark || describeBackward ? i : -1;
                        int gradientOf = i >= mark && describeBackward && i - mark < p.gradientOf.length ? p.gradientOf[i - mark] : -1;
                        Step.Program program = i < mark ? forward : backward;
                        if (deferred(p, i)) {
                            Node target = wrt.get(directTarget[i]);
                            DeferredGradient d = new DeferredGradient(op, math, ins, work, p.context,
                                    target.kind() == Node.Kind.PARAM ? target.parameter() : null, gradTensors[directTarget[i]]);
                            deferredSources[directTarget[i]] = d;
                            program.add(d, null, info, gradientOf);
                        } else {
                            values[i] = buffers[bufferOf[i]];
                            if (coding && op instanceof Codable c && c.code(code, ins, values[i])) {
                                program.addCoded(code.lastStream(), code.lastStart(), code.lastEnd(), values[i], info, gradientOf);
                            } else {
                                program.add(op.bind(math, ins, values[i], work, p.context), values[i], info, gradientOf);
                            }
                        }
                        // A final gradient with no other reader is also bound to write its target's gradient tensor itself.
                        if (i >= mark && directTarget[i] >= 0) {
                            direct[backward.length - 1] = op.bind(math, ins, gradTensors[directTarget[i]], work, p.context);
                        }
                    }
                }
            }
        }
        code.finish();
        scratch.keepCode(Scratch.CODE_F64, code.work(Code.F64));
        scratch.keepCode(Scratch.CODE_F32, code.work(Code.F32));
        Tensor[] gradSources = new Tensor[wrt.size()];
        boolean[] written = new boolean[wrt.size()];
        for (int j = 0; j < wrt.size(); j++) {
            gradSources[j] = wrtGrads.get(j) == null ? null : values[wrtGrads.get(j).index()];
            written[j] = wrtGrads.get(j) != null && directTarget[wrtGrads.get(j).index()] == j;
        }
        Autobatch.Result b = p.batched;
        if (b != null) {   // the nodes as built read the values of their rewritten counterparts
            alias(values, p.kept, b.builtOut(), b.out());
            for (int k = 0; k < b.keep().size(); k++) alias(values, p.kept, b.builtKeep().get(k), b.keep().get(k));
        }
        p.report = new PlanReport(p.report.plannedBytes(), p.report.naiveBytes(), p.report.lowerBoundBytes(), p.report.buffers(),
                forward.length, backward.length, b == null ? -1 : b.kernelsBefore(), b == null ? 0 : b.gatheredElements(), p.fused);
        int[] wrtNodes = new int[wrt.size()];
        for (int j = 0; j < wrtNodes.length; j++) wrtNodes[j] = wrt.get(j).index();
        return new Step(g, p.out.index(), tape, mark, values, p.kept, forward.trimmed(),
                backward, Arrays.copyOf(direct, backward.length), p.seed == null ? null : values[p.seed.index()],
                wrtNodes, gradTensors, gradSources, deferredSources, written, sparseTarget, math, p.asBuilt, p.report, p.arenas.toArray(),
                p.builtCount, p.builtOutput, p.context, code);
    }

    private static void alias(Tensor[] values, boolean[] kept, Node built, Node rewritten) {
        values[built.index()] = values[rewritten.index()];
        kept[built.index()] = true;
    }

    /**
     * The parameters whose gradient is row-sparse in this step: targets of rank >= 1 read by live
     * nodes only as the table of a lookup ({@code take} along axis 0, the table as its first input),
     * and not the output itself. Their lookups get a {@link SparseRowGradient} instead of the dense
     * VJP, so a step costs O(rows looked up) however large the table.
     */
    private static boolean[] sparseTables(NodeTape nodes, boolean[] live, int mark, Node out, List<Node> wrt, Scratch scratch) {
        boolean[] candidate = scratch.booleans(Scratch.SPARSE, mark);
        boolean any = false;
        for (Node w : wrt) {
            if (w.kind() == Node.Kind.PARAM && w.rank() >= 1 && w != out) any = candidate[w.index()] = true;
        }
        if (!any) return candidate;   // no table to look up: the pass over every node is not needed
        boolean[] looked = scratch.booleans(Scratch.LOOKED, mark);
        byte[] kind = nodes.kind;
        for (int i = 0; i < mark; i++) {
            if (!live[i] || kind[i] != KIND_OP) continue;
            boolean lookup = nodes.op[i] instanceof dev.quiver.ops.internal.Take t && t.axis() == 0;
            for (int k = 0, arity = nodes.arity(i); k < arity; k++) {
                int in = nodes.input(i, k);
                if (!candidate[in]) continue;
                if (lookup && k == 0) looked[in] = true;
                else candidate[in] = false;   // any other use needs the dense gradient
            }
        }
        for (int i = 0; i < mark; i++) candidate[i] &= looked[i];
        return candidate;
    }

    /**
     * For each node, the target whose gradient tensor it may write directly, or -1: a backward op
     * node (not a view) that is the final gradient of exactly one target, read by no scheduled
     * node, and whose target tensor is no constant's storage. When backward overwrites gradients,
     * such a node is bound to the gradient tensor itself, saving the copy-out pass (for a weight
     * matrix, a pass over as many elements as the matrix has); its arena buffer and the copy stay
     * for accumulating runs and NaN checks. The values are the same either way: the op's kernel
     * computes every element exactly as it would into the buffer, and the copy is exact.
     */
    private static int[] directGradients(Plan p, Tensor[] gradTensors) {
        int total = p.total, mark = p.mark;
        List<Node> wrtGrads = p.wrtGrads;
        int[] target = p.scratch.intsDirty(Scratch.DIRECT_TARGET, total);
        Arrays.fill(target, 0, total, -1);
        if (wrtGrads.isEmpty()) return target;
        int[] targets = p.scratch.ints(Scratch.TARGETS, total);
        for (Node gn : wrtGrads) if (gn != null) targets[gn.index()]++;
        List<Object> constantStorage = null;   // of the scheduled constants, gathered once
        for (int j = 0; j < wrtGrads.size(); j++) {
            Node gn = wrtGrads.get(j);
            if (gn == null || gn.index() < mark || p.kind[gn.index()] != TAPE_OP
                    || p.readers[gn.index()] != 0 || targets[gn.index()] != 1) continue;
            if (constantStorage == null) {
                constantStorage = new ArrayList<>();
                for (int i = 0; i < mark; i++) if (p.scheduled[i] && p.kind[i] == TAPE_CONSTANT) constantStorage.add(p.all[i].constant().data());
            }
            boolean aliased = false;
            for (Object data : constantStorage) aliased |= data == gradTensors[j].data();
            if (!aliased) target[gn.index()] = j;
        }
        return target;
    }

    /**
     * The buffer of the input an op may overwrite ({@link Op#inPlaceInput}), or -1: only when that
     * input is an op's own buffer (not a view, input or leaf), of the output's shape and dtype, read
     * by this node alone, and neither kept nor a final gradient. Its live interval then simply
     * continues through this node's readers.
     */
    private static int inPlace(Plan p, Node n, int[] readers, boolean[] finalGradient) {
        int k = n.op().inPlaceInput();
        if (k < 0) return -1;
        Node in = n.input(k);
        int j = in.index();
        if (in.kind() != Node.Kind.OP || in.isView() || readers[j] != 1 || p.kept[j] || finalGradient[j]
                || in.dtype() != n.dtype() || !Arrays.equals(in.shapeRef(), n.shapeRef())) {
            return -1;
        }
        return p.bufferOf[j];
    }

    /**
     * Gradient terms of a weight that are thin matrix products, {@code a_i^T g_i} with few rows in
     * {@code a_i} and {@code g_i} (a weight applied to one vector at each node of a tree or step of a
     * sequence), kept aside and summed as one product of the stacked factors:
     * {@code Σ a_i^T g_i = [a_1; ...; a_n]^T [g_1; ...; g_n]}. One GEMM with k = Σ rows writes the
     * weight-sized result once, where n outer products would read and write it n times; the
     * stacked factors are smaller than the weight. Terms of a minibatch's rows (an autobatched
     * step's [batch, in]^T [batch, out], k = batch) are stacked too, up to {@link #SHORT_ROWS} rows
     * and while their factors hold fewer elements than the weight: copying them then costs less
     * than one more pass over the weight, and one GEMM with k = batch x steps runs near the
     * kernel's peak where k = 32 ran at about half of it. Longer terms (a TreeLSTM's lower levels,
     * hundreds of nodes) already run near the peak; stacking them only made the arena larger.
     */
    private static final class Stacks {
        /** A product term is stacked when its factors have at most this many rows. */
        static final int MAX_ROWS = 8;
        /** ... or at most this many rows and fewer elements than the weight. */
        static final int SHORT_ROWS = 64;
        private final List<Node>[] a, grads;   // from scratch: longer than the graph

        Stacks(int nodes, Scratch scratch) {
            a = scratch.refs(Scratch.STACK_A, nodes, NO_LISTS);
            grads = scratch.refs(Scratch.STACK_GRADS, nodes, NO_LISTS);
        }

        boolean has(int node) { return a[node] != null; }

        /** Keeps {@code term} aside for {@code node}'s gradient if it is a thin product {@code a^T g}. */
        boolean offer(int node, Node term) {
            if (term.op() != Products.MATMUL || term.rank() != 2) return false;
            Node left = term.input(0), right = term.input(1);
            if (left.kind() != Node.Kind.OP || !(left.op() instanceof dev.quiver.ops.internal.Shaping.Permute t)
                    || t.order().length != 2 || t.order()[0] != 1 || right.rank() != 2) {
                return false;
            }
            return offerFactors(node, left.input(0), right);
        }

        /**
         * Keeps the term {@code a^T g} (a and g matrices with as many rows) aside for {@code node}'s
         * gradient if it is thin, without its nodes having been built: what {@link #offer} keeps of
         * the product node a matrix product's VJP would build.
         */
        boolean offerFactors(int node, Node a, Node g) {
            long rows = g.shapeRef()[0], in = a.shapeRef()[1], out = g.shapeRef()[1];
            if (rows > MAX_ROWS && (rows > SHORT_ROWS || rows * (in + out) >= in * out)) return false;
            if (this.a[node] == null) {
                this.a[node] = new ArrayList<>();
                grads[node] = new ArrayList<>();
            }
            this.a[node].add(a);
            grads[node].add(g);
            return true;
        }

        /** {@code node}'s gradient: {@code rest} (the other terms' sum, or null) plus its stacked product. */
        Node product(Graph g, int node, Node rest) {
            if (a[node] == null) return rest;
            List<Node> as = a[node], gs = grads[node];
            Node left = as.size() == 1 ? as.getFirst() : g.concat(0, as.toArray(new Node[0]));
            Node right = gs.size() == 1 ? gs.getFirst() : g.concat(0, gs.toArray(new Node[0]));
            Node leftT = left.permute(1, 0);
            return rest == null ? leftT.matmul(right) : g.apply(Products.MATMUL_ADD, leftT, right, rest);
        }
    }

    /**
     * Gradient terms that are row slices scattered back into zeros (the VJP of {@code x[a:b]}, or
     * of the rows an autobatched group handed to one member), kept aside and summed as one
     * {@link Rows.Scatter}: one pass over the value's gradient instead of one full-size buffer per
     * slice. A sequence read one step at a time ({@code xw[t:t+1]}, t = 1..L) thus costs O(L) in
     * its backward pass, not O(L^2).
     */
    private static final class RowTerms {
        private final List<Node>[] parts;
        private final List<int[]>[] rows;

        RowTerms(int nodes, Scratch scratch) {
            parts = scratch.refs(Scratch.ROW_PARTS, nodes, NO_LISTS);
            rows = scratch.refs(Scratch.ROW_ROWS, nodes, NO_LISTS);
        }

        boolean has(int node) { return parts[node] != null; }

        /** Keeps {@code term} aside for {@code node}'s gradient if it only places rows into zeros. */
        boolean offer(int node, Node term) {
            if (term.kind() != Node.Kind.OP) return false;
            int[] to = null;
            if (term.op() instanceof Rows.Scatter s && s.rows().length == 1) {
                to = s.rows()[0];
            } else if (term.op() instanceof dev.quiver.ops.internal.Shaping.Scatter s) {
                to = rowRange(s.index(), s.shape());
            }
            if (to == null) return false;
            if (parts[node] == null) {
                parts[node] = new ArrayList<>(4);
                rows[node] = new ArrayList<>(4);
            }
            parts[node].add(term.input(0));
            rows[node].add(to);
            return true;
        }

        /**
         * Keeps {@code grad} aside as the gradient of {@code value}'s rows that {@code slice} selects,
         * when it selects exactly whole rows {@code [a:b, :, ...]}: what offering the slice's VJP (a
         * scatter of grad into zeros) would keep, without building that node.
         */
        boolean offerRows(Node value, dev.quiver.ops.internal.Shaping.Slice slice, Node grad) {
            int[] to = rowRange(slice.index(), value.shapeRef());
            if (to == null) return false;
            int node = value.index();
            if (parts[node] == null) {
                parts[node] = new ArrayList<>(4);
                rows[node] = new ArrayList<>(4);
            }
            parts[node].add(grad);
            rows[node].add(to);
            return true;
        }

        /** {@code node}'s gradient: {@code rest} (the other terms' sum, or null) plus its row terms. */
        Node sum(Graph g, int node, Node value, Node rest) {
            if (parts[node] == null) return rest;
            Node placed = g.apply(new Rows.Scatter(rows[node].toArray(new int[0][]), value.dim(0)),
                    parts[node].toArray(new Node[0]));
            return rest == null ? placed : g.add(rest, placed);
        }

        /** The rows {@code a..b-1} when {@code index} selects exactly {@code [a:b, :, ...]} of {@code shape}, else null. */
        private static int[] rowRange(dev.quiver.tensor.Index[] index, int[] shape) {
            if (index.length == 0 || shape.length == 0 || index.length > shape.length) return null;
            for (int d = 1; d < index.length; d++) {
                if (!(index[d] instanceof dev.quiver.tensor.Index.Range r) || r.start() != 0 || r.stop() < shape[d] || r.step() != 1) return null;
            }
            if (!(index[0] instanceof dev.quiver.tensor.Index.Range r) || r.step() != 1) return null;
            int start = r.start() < 0 ? r.start() + shape[0] : r.start();
            int stop = r.stop() < 0 ? r.stop() + shape[0] : Math.min(r.stop(), shape[0]);
            if (start < 0 || start >= stop) return null;
            int[] to = new int[stop - start];
            for (int k = 0; k < to.length; k++) to[k] = start + k;
            return to;
        }
    }

    /** The planned buffers: shape, dtype, size and live interval [start, end] of each, in parallel arrays. */
    private static final class Buffers {
        int count;
        int[][] shape;
        DType[] dtype;
        long[] size;
        int[] start, end;

        private final Scratch scratch;

        Buffers(int capacity, Scratch scratch) {
            this.scratch = scratch;
            capacity = Math.max(capacity, 4);
            shape = scratch.refs(Scratch.BUF_SHAPE, capacity, NO_WORK_LISTS);
            dtype = scratch.refs(Scratch.BUF_DTYPE, capacity, NO_DTYPES);
            size = scratch.longs(Scratch.BUF_SIZE, capacity);
            start = scratch.intsDirty(Scratch.BUF_START, capacity);
            end = scratch.intsDirty(Scratch.BUF_END, capacity);
        }

        int add(int[] s, DType d, int from, int to) {
            if (count == shape.length || count == dtype.length || count == size.length || count == start.length || count == end.length) {
                int c = 2 * count;
                shape = scratch.keep(Scratch.BUF_SHAPE, Arrays.copyOf(shape, c));
                dtype = scratch.keep(Scratch.BUF_DTYPE, Arrays.copyOf(dtype, c));
                size = scratch.keep(Scratch.BUF_SIZE, Arrays.copyOf(size, c));
                start = scratch.keep(Scratch.BUF_START, Arrays.copyOf(start, c));
                end = scratch.keep(Scratch.BUF_END, Arrays.copyOf(end, c));
            }
            shape[count] = s;          // node shapes are never mutated; workspace shapes are fresh arrays
            dtype[count] = d;
            size[count] = Shapes.size(s);
            start[count] = from;
            end[count] = to;
            return count++;
        }
    }

    private static final int SHAPE_SLOTS = 64;
    /**
     * Direct-mapped slots for sharing views in emit: a leaf of a tree reading a row of a table that
     * another leaf read, a gradient transposing the weight, or a buffer another node's gradient
     * transposed, gets that view's tensor instead of a new one with its own shape and strides.
     */
    private static final int VIEW_SLOTS = 256;

    /**
     * n's inputs in a reused array of their count (a workspace rule only reads them): a node keeps
     * up to two inputs in fields, and an array per node asked would be garbage per node.
     */
    private static Node[] operands(Node n, Node[][] byArity) {
        int arity = n.arity();
        if (arity > 2) return n.inputsRef();   // the node's own array
        Node[] a = byArity[arity];
        if (a == null) a = byArity[arity] = new Node[arity];
        for (int k = 0; k < arity; k++) a[k] = n.input(k);
        return a;
    }

    private static void extend(Buffers buf, int[] bufferOf, int root, int position) {
        int b = bufferOf[root];
        if (b >= 0 && buf.end[b] < position) buf.end[b] = position;
    }

    private static boolean[] ancestors(NodeTape t, List<Node> roots, int size, boolean[] mark) {
        for (Node r : roots) mark[r.index()] = true;
        for (int i = size - 1; i >= 0; i--) {
            if (!mark[i]) continue;
            for (int k = 0, arity = t.arity(i); k < arity; k++) mark[t.input(i, k)] = true;
        }
        return mark;
    }
}
