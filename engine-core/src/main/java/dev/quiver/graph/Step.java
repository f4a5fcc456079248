package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.ops.internal.Code;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A compiled graph: a forward and a backward schedule of instructions bound to preallocated
 * buffers. After the first run, {@link #feed}, {@link #forward()}, {@link #backward()} allocate
 * nothing (the {@code Map} form of forward may allocate its iterator).
 *
 * <p>Buffers are shared between values whose lifetimes do not overlap, so only inputs, the
 * output, named nodes and nodes passed to {@link CompileOptions#withKeep} stay readable after
 * forward ({@link #value}). Gradients of parameters go to {@link Parameter#grad()}; gradients of
 * inputs to tensors owned by this step ({@link #grad}). By default each backward overwrites them;
 * with {@link #accumulateGradients(boolean) accumulateGradients(true)} it adds to them (for
 * micro-batches), and {@link #zeroGradients()} clears them. When overwriting, a gradient computed
 * by an op that nothing else in the step reads (e.g. {@code dW = xᵀ dH}) is written by that op
 * straight into the gradient tensor, with no copy pass; the values are the same either way.
 */
public final class Step {
    /**
     * Bound instructions in run order, as parallel arrays rather than one object per instruction:
     * the instruction, its output buffer (null for a gradient written straight into its target),
     * the node it computes and, for a backward node, the forward node whose gradient it helps
     * compute (structure-tape indices for the NaN check's messages; -1 where the step does not
     * describe them, and the arrays left out when no instruction has one).
     */
    static final class Program {
        static final Program EMPTY = new Program(0).trimmed();
        int length;
        /** Null for a coded instruction: it is {@code [codeFrom, codeTo)} of its stream of the step's {@link Code}. */
        Op.Instruction[] instruction;
        Tensor[] out;
        int[] node, gradientOf;
        /** Per instruction, -1 for a bound one, else {@code (from << 1) | stream}; with {@link #codeTo} null when none is coded. */
        int[] codeFrom, codeTo;

        Program(int capacity) {
            this(new Op.Instruction[capacity], new Tensor[capacity], new int[capacity], new int[capacity], new int[capacity], new int[capacity]);
        }

        /**
         * An empty program written into the given arrays (a compile's scratch, as long as the worst
         * case); {@link #trimmed} copies it out, so the step keeps none of them.
         */
        Program(Op.Instruction[] instruction, Tensor[] out, int[] node, int[] gradientOf, int[] codeFrom, int[] codeTo) {
            this.instruction = instruction;
            this.out = out;
            this.node = node;
            this.gradientOf = gradientOf;
            this.codeFrom = codeFrom;
            this.codeTo = codeTo;
        }

        void add(Op.Instruction ins, Tensor output, int of, int gradient) {
            add(ins, -1, 0, output, of, gradient);
        }

        /** A coded instruction: {@code [from, to)} of the given stream of the step's code. */
        void addCoded(int stream, int from, int to, Tensor output, int of, int gradient) {
            add(null, from << 1 | stream, to, output, of, gradient);
        }

        private void add(Op.Instruction ins, int from, int to, Tensor output, int of, int gradient) {
            if (length == instruction.length || length == codeFrom.length || length == codeTo.length) {
                int c = Math.max(8, 2 * length);
                instruction = java.util.Arrays.copyOf(instruction, c);
                out = java.util.Arrays.copyOf(out, c);
                node = java.util.Arrays.copyOf(node, c);
                gradientOf = java.util.Arrays.copyOf(gradientOf, c);
                codeFrom = java.util.Arrays.copyOf(codeFrom, c);
                codeTo = java.util.Arrays.copyOf(codeTo, c);
            }
            instruction[length] = ins;
            out[length] = output;
            node[length] = of;
            codeFrom[length] = from;
            codeTo[length] = to;
            gradientOf[length++] = gradient;
        }

        /** This program with arrays of exactly its length (it is built into arrays sized for the worst case). */
        Program trimmed() {
            instruction = java.util.Arrays.copyOf(instruction, length);
            out = java.util.Arrays.copyOf(out, length);
            node = described(node, length);
            gradientOf = described(gradientOf, length);
            boolean coded = false;
            for (int q = 0; q < length && !coded; q++) coded = codeFrom[q] >= 0;
            codeFrom = coded ? java.util.Arrays.copyOf(codeFrom, length) : null;
            codeTo = coded ? java.util.Arrays.copyOf(codeTo, length) : null;
            return this;
        }

        private static int[] described(int[] nodes, int length) {
            for (int q = 0; q < length; q++) if (nodes[q] >= 0) return java.util.Arrays.copyOf(nodes, length);
            return null;
        }

        int node(int q) { return node == null ? -1 : node[q]; }

        int gradientOf(int q) { return gradientOf == null ? -1 : gradientOf[q]; }

        boolean coded(int q) { return instruction[q] == null; }

        /** Runs instruction q alone. */
        void run(int q, Code code, TensorMath m) {
            if (instruction[q] != null) instruction[q].run(m);
            else code.run(codeFrom[q] & 1, codeFrom[q] >>> 1, codeTo[q]);
        }

        /**
         * Appends the first {@code count} instructions to {@code to}, each with {@code replace[q]} in
         * its place where that is non-null, and each run of consecutive coded instructions of one
         * stream as one instruction that runs them in order.
         */
        void runnable(int count, Op.Instruction[] replace, Code code, List<Op.Instruction> to) {
            for (int q = 0; q < count; ) {
                if (replace != null && replace[q] != null) {
                    to.add(replace[q++]);
                } else if (instruction[q] != null) {
                    to.add(instruction[q++]);
                } else {
                    int stream = codeFrom[q] & 1, from = codeFrom[q] >>> 1, end = codeTo[q];
                    q++;
                    while (q < count && instruction[q] == null && (replace == null || replace[q] == null)
                            && (codeFrom[q] & 1) == stream && codeFrom[q] >>> 1 == end) {
                        end = codeTo[q++];
                    }
                    to.add(code.runner(stream, from, end));
                }
            }
        }
    }

    private Graph graph;
    private final int output;
    private final int[] outputShape;
    /** The output described, once the step is evicted and its tape dropped (for the error that says so). */
    private String evictedOutput;
    // The program's bulk (structure tape, values, instructions) is dropped on eviction (see #evict): not final.
    /** The forward nodes compiled from (and the backward ones too in a step that checks for NaN). */
    private StructureTape nodes;
    private final int forwardCount;
    /**
     * The graph as built that this step matches: its first {@code builtCount} nodes and its output
     * node's index. Equal to the forward nodes and the output, except for an autobatched step,
     * whose forward schedule runs the rewritten nodes appended after them.
     */
    private final int builtCount, builtOutput;
    private final boolean autobatched;
    /** Compiled with {@link CompileOptions#fusion()}: a step matches only options that ask for the same. */
    private final boolean fused;
    private Tensor[] values;
    private boolean[] kept;
    private Program forward;
    /** The coded instructions of both programs (see {@link Program#instruction}). */
    private Code code;
    /** The backward schedule, then (in a training step) one gradient copy-out per target: what a NaN-checking run steps through. */
    private Program backward;
    private Op.Instruction[] forwardInstructions;
    /** The backward schedule with its gradient copy-outs bound for overwriting, and for accumulating (chosen per run). */
    private Op.Instruction[] backwardInstructions;
    /** Built on the first accumulating backward (most steps never accumulate). */
    private Op.Instruction[] backwardAccumulating;
    private Op.Instruction[] directInstructions;
    /** The number of the backward schedule's instructions without the copy-outs. */
    private int backwardBare;
    private final boolean[] writtenDirectly;
    private final Tensor seed;
    /** The gradient targets' node indices. */
    private final int[] wrt;
    private final Tensor[] gradTensors;
    private final Tensor[] gradSources;
    /** Per target, the final gradient written directly whose buffer exists only once gradients accumulate, else null. */
    private final DeferredGradient[] deferredSources;
    private final int[] wrtSlot;
    /** The fed inputs' node indices and names. */
    private final int[] inputs;
    private final String[] inputNames;
    /** Indices of the data constants (see {@link Graph#DATA_CONSTANT_MAX}), copied into their buffers at each forward. */
    private final int[] constantSlots;
    private final boolean[] fed;
    private final TensorMath math;
    private final boolean checkFinite;
    private final boolean inputGradients;
    private final int[] requestedWrt;
    private final int[] requestedKeep;
    private final PlanReport report;
    private final List<Parameter> parameters;
    private final Parameter[] paramArray;
    /** Parameters whose gradient this step writes row-sparse (lookup tables), and the others. */
    private final Parameter[] sparseParams, denseParams;
    private final boolean[] sparseTarget;
    /** Plan cache bookkeeping (see {@link PlanCache}): structural hash, estimated bytes, chains. */
    long cacheHash, cacheBytes;
    Step bucketNext, lruPrev, lruNext;
    /** The arena arrays this step's buffers live in, one per dtype used; null once evicted. */
    private Object[] arenas;
    private boolean evicted;
    private boolean accumulate;
    private boolean forwardValid;
    private boolean seedIsOne;
    private final StepContext context;

    /**
     * @param direct      per backward instruction, the same op bound to write a target's gradient tensor
     *                    directly (null where there is none), used when gradients are overwritten
     * @param written     per target, true when one of {@code direct} writes its gradient tensor (no copy-out)
     */
    Step(Graph graph, int output, StructureTape nodes, int forwardCount, Tensor[] values, boolean[] kept, Program forward,
         Program backward, Op.Instruction[] direct, Tensor seed, int[] wrt, Tensor[] gradTensors, Tensor[] gradSources,
         DeferredGradient[] deferredSources, boolean[] written, boolean[] sparseTarget, TensorMath math, CompileOptions options, PlanReport report,
         Object[] arenas, int builtCount, int builtOutput, StepContext context, Code code) {
        this.context = context;
        this.code = code;
        this.builtCount = builtCount;
        this.builtOutput = builtOutput;
        this.autobatched = options.autobatch();
        this.fused = options.fusion();
        this.graph = graph;
        this.arenas = arenas;
        this.output = output;
        this.outputShape = nodes.shape(output);
        this.nodes = nodes;
        this.forwardCount = forwardCount;
        this.values = values;
        this.kept = kept;
        this.forward = forward;
        this.seed = seed;
        this.wrt = wrt;
        this.gradTensors = gradTensors;
        this.gradSources = gradSources;
        this.deferredSources = deferredSources;
        this.math = math;
        this.checkFinite = options.checkFinite();
        this.inputGradients = options.inputGradients();
        this.requestedWrt = indices(options.wrt());
        this.requestedKeep = indices(options.keep());
        this.report = report;
        this.wrtSlot = new int[forwardCount];
        java.util.Arrays.fill(wrtSlot, -1);
        List<Parameter> params = new ArrayList<>();
        for (int j = 0; j < wrt.length; j++) {
            wrtSlot[wrt[j]] = j;
            if (nodes.kind(wrt[j]) == Node.Kind.PARAM) params.add(nodes.parameter(wrt[j]));
        }
        this.parameters = Collections.unmodifiableList(params);
        List<Parameter> sparseParams = new ArrayList<>(), denseParams = new ArrayList<>();
        for (int j = 0; j < wrt.length; j++) {
            if (nodes.kind(wrt[j]) == Node.Kind.PARAM) (sparseTarget[j] ? sparseParams : denseParams).add(nodes.parameter(wrt[j]));
        }
        this.sparseParams = sparseParams.toArray(new Parameter[0]);
        this.denseParams = denseParams.toArray(new Parameter[0]);
        this.sparseTarget = sparseTarget;
        this.paramArray = params.toArray(new Parameter[0]);
        int fedCount = 0, dataConstants = 0;
        for (int i = 0; i < forwardCount; i++) {
            if (values[i] == null) continue;
            if (nodes.kind(i) == Node.Kind.INPUT) fedCount++;
            else if (nodes.isDataConstant(i)) dataConstants++;
        }
        this.inputs = new int[fedCount];
        this.inputNames = new String[fedCount];
        this.constantSlots = new int[dataConstants];
        for (int i = 0, k = 0, c = 0; i < forwardCount; i++) {
            if (values[i] == null) continue;
            if (nodes.kind(i) == Node.Kind.INPUT) {
                inputNames[k] = nodes.name(i);
                inputs[k++] = i;
            } else if (nodes.isDataConstant(i)) {
                constantSlots[c++] = i;
            }
        }
        this.fed = new boolean[inputs.length];
        int bare = backward.length;
        if (seed != null) {
            // The copy-outs' targets are described only for the NaN check's messages, like backward nodes.
            for (int j = 0; j < wrt.length; j++) backward.add(copyOut(j), gradTensors[j], checkFinite ? wrt[j] : -1, -1);
            if (seed.size() == 1) {
                seed.setFlat(0, 1);
                seedIsOne = true;
            }
        }
        this.backward = backward.trimmed();
        List<Op.Instruction> forwardRun = new ArrayList<>(forward.length);
        forward.runnable(forward.length, null, code, forwardRun);
        this.forwardInstructions = dev.quiver.ops.internal.Bound.chain(forwardRun.toArray(new Op.Instruction[0]));
        this.backwardBare = bare;
        this.backwardInstructions = backwardProgram(direct, written, seed != null, false);
        this.directInstructions = direct;
        this.writtenDirectly = written;
    }

    /**
     * The plain backward program: the instructions, then each gradient copy-out bound directly
     * (no per-run branch on {@link #accumulate}), so that rank-0 copy-outs chain with the rest.
     * When overwriting, a gradient that its op can write in place (see {@code direct}) needs no copy-out.
     */
    private Op.Instruction[] backwardProgram(Op.Instruction[] direct, boolean[] written, boolean training, boolean accumulating) {
        List<Op.Instruction> program = new ArrayList<>(backwardBare + wrt.length);
        backward.runnable(backwardBare, accumulating ? null : direct, code, program);
        for (int j = 0; training && j < wrt.length; j++) {
            if (sparseTarget[j]) continue;   // written row by row by its sparse_row_gradient nodes
            if (written[j] && !accumulating) continue;   // its op wrote it directly
            Tensor src = gradSources[j] != null ? gradSources[j] : deferredSources[j] != null ? deferredSources[j].buffer() : null;
            Tensor dst = gradTensors[j];
            if (src == null) {
                if (!accumulating) program.add(m -> m.fill(dst, 0));   // the output does not depend on this target
            } else if (accumulating || !written[j]) {
                program.add(dev.quiver.ops.internal.Bound.copy(math, src, dst, accumulating));
            }
        }
        return dev.quiver.ops.internal.Bound.chain(program.toArray(new Op.Instruction[0]));
    }

    /** Target j's gradient copy-out as a NaN-checking run steps through it (overwriting or accumulating, chosen per run). */
    private Op.Instruction copyOut(int j) {
        Tensor src = gradSources[j], dst = gradTensors[j];
        Op.Instruction ins;
        if (sparseTarget[j]) {
            ins = m -> { };
        } else if (src == null) {
            ins = m -> { if (!accumulate) m.fill(dst, 0); };   // the output does not depend on this target
        } else {
            Op.Instruction overwrite = dev.quiver.ops.internal.Bound.copy(math, src, dst, false);
            Op.Instruction add = dev.quiver.ops.internal.Bound.copy(math, src, dst, true);
            ins = m -> (accumulate ? add : overwrite).run(m);
        }
        return ins;
    }

    /** Number of instructions recorded as op codes rather than bound (forward and backward; for tests). */
    int codedInstructions() {
        int coded = 0;
        for (int q = 0; q < forward.length; q++) if (forward.coded(q)) coded++;
        for (int q = 0; q < backward.length; q++) if (backward.coded(q)) coded++;
        return coded;
    }

    /** Number of node snapshots and instructions (for the plan cache's size estimate). */
    int nodeCount() { return nodes.count() + forward.length + backward.length; }

    /** Marks this step evicted from its plan cache and hands back its arenas for reuse. */
    Object[] evict() {
        evicted = true;
        // An evicted step refuses to run, but whoever still holds it (a graph's last compile, user code)
        // must not keep its program alive: drop the per-node arrays, the bulk of a dynamic graph's step.
        evictedOutput = nodes.describe(output);
        nodes = null;
        values = new Tensor[0];
        kept = new boolean[0];
        forward = backward = Program.EMPTY;
        forwardInstructions = backwardInstructions = backwardAccumulating = directInstructions = new Op.Instruction[0];
        backwardBare = 0;
        code = null;
        Object[] a = arenas;
        arenas = new Object[0];
        return a;
    }

    /** True once the plan cache evicted this step: it refuses to run, and its buffers belong to other steps. */
    public boolean isEvicted() { return evicted; }

    private void checkLive(String op) {
        if (evicted) {
            throw new IllegalStateException(op + ": this step (output " + evictedOutput + ") was evicted from its plan cache "
                    + "and its buffers recycled; compile the graph again (or give the graph a larger PlanCache)");
        }
    }

    void rebind(Graph g) {
        if (graph != g) graph = g;   // a rebuilt graph is usually the same object: skip the store and its GC barrier
    }

    private static int[] indices(List<Node> nodes) {
        int[] out = new int[nodes.size()];
        for (int i = 0; i < out.length; i++) out[i] = nodes.get(i).index();
        return out;
    }

    /** True when a graph has exactly the structure this step was compiled from (allocates nothing). */
    boolean matches(Graph g, Node out, CompileOptions o, TensorMath m) {
        if (!matchesOptions(g, out, o, m)) return false;
        return nodes.matches(g.nodes(), builtCount);
    }

    /**
     * {@link #matches} for a graph whose nodes, names included, the graph itself vouches are those
     * this step was last matched against (see {@link Graph#unchangedStep()}): compares only the
     * output and the options.
     */
    boolean matchesUnchanged(Graph g, Node out, CompileOptions o, TensorMath m) {
        return matchesOptions(g, out, o, m);
    }

    private boolean matchesOptions(Graph g, Node out, CompileOptions o, TensorMath m) {
        if (m != math || o.mode() != context.mode() || g.size() != builtCount || out.index() != builtOutput || o.autobatch() != autobatched || o.fusion() != fused || o.inference() != (seed == null)
                || o.checkFinite() != checkFinite || o.inputGradients() != inputGradients || o.wrt().size() != requestedWrt.length || o.keep().size() != requestedKeep.length) {
            return false;
        }
        for (int i = 0; i < requestedWrt.length; i++) if (o.wrt().get(i).index() != requestedWrt[i]) return false;
        for (int i = 0; i < requestedKeep.length; i++) if (o.keep().get(i).index() != requestedKeep[i]) return false;
        return true;
    }

    // ------------------------------------------------------------------ inputs

    /**
     * The buffer of an input, to write into directly (e.g. {@code step.input("x").set(...)} or
     * {@code TensorMath.copy(src, step.input("x"))}); counts as feeding it.
     */
    public Tensor input(String name) {
        checkLive("input");
        int j = inputSlot(name);
        fed[j] = true;
        forwardValid = false;
        return values[inputs[j]];
    }

    /**
     * Copies {@code value} into the input's buffer; shape and dtype must match exactly, except that
     * a storage dtype feeds the input of its compute dtype ({@link dev.quiver.tensor.DType#computeDtype}: F16 or BF16
     * into F32, I8 or U8 into I32), converted exactly. Allocates nothing.
     */
    public Step feed(Node input, Tensor value) {
        checkOwn("feed", input);
        for (int j = 0; j < inputs.length; j++) {
            if (inputs[j] == input.index()) {
                feedSlot(j, value);
                return this;
            }
        }
        throw new IllegalArgumentException("feed: " + input.describe() + " is not an input of this step");
    }

    /** Copies {@code value} into the named input's buffer. */
    public Step feed(String name, Tensor value) {
        feedSlot(inputSlot(name), value);
        return this;
    }

    private void feedSlot(int j, Tensor value) {
        checkLive("feed");
        Tensor dst = values[inputs[j]];
        boolean widens = value.dtype().isStorageOnly() && value.dtype().computeDtype() == dst.dtype();
        boolean ok = (value.dtype() == dst.dtype() || widens) && value.rank() == dst.rank();
        for (int d = 0; ok && d < dst.rank(); d++) ok = value.dim(d) == dst.dim(d);
        if (!ok) {
            throw new IllegalArgumentException("feed: input " + nodes.describe(inputs[j]) + " (" + dst.dtype() + ") was given a "
                    + value.dtype() + " tensor of shape " + Shapes.str(value.shape()));
        }
        if (widens) value.to(dst);   // F16/BF16 into F32, I8/U8 into I32: exact, allocation-free
        else copyIn(value, dst);
        fed[j] = true;
        forwardValid = false;
    }

    private void copyConstants() {
        List<Node> now = graph.nodes();
        for (int i : constantSlots) copyIn(now.get(i).constant(), values[i]);
    }

    /** dst = value (same shape and dtype, checked): one kernel call for a contiguous value, else the general copy. */
    private void copyIn(Tensor value, Tensor dst) {
        if (value.isContiguous() && (value.size() <= 16 || !dst.dtype().isFloating())) {
            // Tiny values (targets, indices) and index tensors: one arraycopy, cheaper than a kernel call.
            System.arraycopy(value.data(), value.offset(), dst.data(), dst.offset(), dst.size());
            return;
        }
        if (!value.isContiguous()) {
            math.copy(value, dst);
            return;
        }
        int n = dst.size();   // input buffers are planned contiguous
        math.kernels(dst.dtype(), "input").unary(dev.quiver.kernel.UnaryOp.IDENTITY, n, value.data(), value.offset(), 1,
                dst.data(), dst.offset(), 1, false);
    }

    private int inputSlot(String name) {
        for (int j = 0; j < inputs.length; j++) if (name.equals(inputNames[j])) return j;
        List<String> names = java.util.Arrays.asList(inputNames);
        throw new IllegalArgumentException("no input named '" + name + "' in this step; inputs: " + names);
    }

    // ------------------------------------------------------------------ running

    /** Feeds every input from the map (every input must be present; unknown names are errors), then runs forward. */
    public Step forward(Map<String, Tensor> feeds) {
        for (int j = 0; j < inputs.length; j++) {
            if (!feeds.containsKey(inputNames[j])) throw missing("forward", inputs[j]);
        }
        for (var e : feeds.entrySet()) feedSlot(inputSlot(e.getKey()), e.getValue());
        return forward();
    }

    /** Runs the forward schedule on the current input buffers. */
    public Step forward() {
        checkLive("forward");
        for (int j = 0; j < inputs.length; j++) if (!fed[j]) throw missing("forward", inputs[j]);
        if (constantSlots.length > 0) copyConstants();
        context.advance();
        run(false);
        forwardValid = true;
        return this;
    }

    private IllegalStateException missing(String op, int input) {
        return new IllegalStateException(op + ": input " + nodes.describe(input) + " was not fed");
    }

    /** The mode this step was compiled in ({@link CompileOptions#mode()}). */
    public Mode mode() { return context.mode(); }

    /**
     * The random draw the next {@link #forward()} will use (draws count forward passes from 0).
     * Random ops (dropout) depend only on the graph's seed, their node and the draw, so a run
     * resumed with {@link #setNextRandomDraw} reproduces the masks bit for bit.
     */
    public long nextRandomDraw() { return context.nextDraw(); }

    /** Sets the draw the next {@link #forward()} uses (to resume a run, or to repeat a pass exactly). */
    public void setNextRandomDraw(long draw) { context.setNextDraw(draw); }

    /** Backward from a scalar output, seeded with 1. */
    public Step backward() {
        checkBackward();
        if (seed.size() != 1 || outputShape.length != 0 && Shapes.size(outputShape) != 1) {
            throw new IllegalStateException("backward: output " + nodes.describe(output)
                    + " is not a scalar; call backward(outputGradient) with a tensor of its shape");
        }
        if (!seedIsOne) {
            seed.setFlat(0, 1);
            seedIsOne = true;
        }
        run(true);
        return this;
    }

    /** Backward from a given gradient of the output (same shape and dtype as the output). */
    public Step backward(Tensor outputGradient) {
        checkBackward();
        boolean ok = outputGradient.dtype() == seed.dtype() && outputGradient.rank() == seed.rank();
        for (int d = 0; ok && d < seed.rank(); d++) ok = outputGradient.dim(d) == seed.dim(d);
        if (!ok) {
            throw new IllegalArgumentException("backward: output gradient for " + nodes.describe(output) + " (" + seed.dtype()
                    + ") has dtype " + outputGradient.dtype() + " and shape " + Shapes.str(outputGradient.shape()));
        }
        math.copy(outputGradient, seed);
        seedIsOne = false;
        run(true);
        return this;
    }

    private void checkBackward() {
        checkLive("backward");
        if (seed == null) throw new IllegalStateException("backward: this step was compiled for inference only");
        if (!forwardValid) throw new IllegalStateException("backward: call forward() first (after feeding the inputs)");
    }

    private static final java.lang.invoke.VarHandle RUNNER;
    static {
        try {
            RUNNER = java.lang.invoke.MethodHandles.lookup().findVarHandle(Step.class, "runner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** The thread inside forward or backward, else null: a step is used by one thread at a time. */
    @SuppressWarnings("unused")
    private volatile Thread runner;

    private void run(boolean backwardPass) {
        Thread me = Thread.currentThread();
        if (!RUNNER.compareAndSet(this, (Thread) null, me)) {
            Thread other = runner;
            throw new IllegalStateException((backwardPass ? "backward" : "forward") + ": this step (output "
                    + nodes.describe(output) + ") is running on thread '" + (other == null ? "?" : other.getName()) + "'; a step "
                    + "is not thread-safe. Give each thread its own graph and step, over Parameter.replica() of the shared "
                    + "parameters (see Parameter#replica)");
        }
        try {
            if (backwardPass) for (Parameter p : sparseParams) p.beginSparseBackward(accumulate);
            runProgram(backwardPass);
            if (backwardPass) {
                for (Parameter p : denseParams) p.endSparse();
                for (Parameter p : paramArray) p.markGradientWritten();
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            if (backwardPass) throw e;
            throw located(e);
        } finally {
            RUNNER.setRelease(this, (Thread) null);
        }
    }

    /**
     * Bad data found by an instruction (an index out of range): forward again one instruction at a
     * time (forward writes only this step's buffers) to name the node whose instruction throws.
     */
    private RuntimeException located(RuntimeException e) {
        for (int q = 0; q < forward.length; q++) {
            try {
                forward.run(q, code, math);
            } catch (RuntimeException again) {
                int n = forward.node(q);
                String what = (nodes.op(n) != null ? nodes.op(n).name() : nodes.kind(n).name().toLowerCase()) + " node " + nodes.describe(n);
                if (again instanceof IndexOutOfBoundsException) {
                    return new IndexOutOfBoundsException("forward: " + what + ": " + again.getMessage());
                }
                return new IllegalArgumentException("forward: " + what + ": " + again.getMessage(), again);
            }
        }
        return e;
    }

    private void runProgram(boolean backwardPass) {
        TensorMath m = math;
        if (!checkFinite) {
            if (accumulate && backwardAccumulating == null && backwardPass) {
                backwardAccumulating = backwardProgram(directInstructions, writtenDirectly, seed != null, true);
            }
            Op.Instruction[] plain = !backwardPass ? forwardInstructions : accumulate ? backwardAccumulating : backwardInstructions;
            for (Op.Instruction i : plain) i.run(m);
            return;
        }
        if (!backwardPass) checkLeaves();
        Program program = backwardPass ? backward : forward;
        for (int q = 0; q < program.length; q++) {
            program.run(q, code, m);
            int bad = firstNonFinite(program.out[q]);
            if (bad >= 0) throw nonFinite(program, q, bad, backwardPass);
        }
    }

    /** Index of the first NaN or infinity in t (in row-major order), or -1. */
    private static int firstNonFinite(Tensor t) {
        for (int i = 0, n = t.size(); i < n; i++) if (!Double.isFinite(t.getFlat(i))) return i;
        return -1;
    }

    /** The NaN check at the start of forward: a non-finite value fed in or held by a parameter is named as such. */
    private void checkLeaves() {
        for (int i = 0; i < forwardCount; i++) {
            if (values[i] == null || nodes.kind(i) == Node.Kind.OP || !values[i].dtype().isFloating()) continue;
            int bad = firstNonFinite(values[i]);
            if (bad < 0) continue;
            String what = switch (nodes.kind(i)) {
                case INPUT -> "input " + nodes.describe(i) + " (as fed; no op produced it)";
                case PARAM -> "parameter " + nodes.describe(i) + " (its value before this forward; no op produced it)";
                default -> "constant " + nodes.describe(i);
            };
            throw new ArithmeticException("forward: non-finite value " + values[i].getFlat(bad) + " at "
                    + position(nodes.shape(i), bad) + " of " + what + usedBy(i));
        }
    }

    /**
     * The NaN check's message: forward or backward, the op and node, its inputs, the user's node
     * (the nearest named node built on an unnamed one), and for a backward node the forward node
     * whose gradient was being computed.
     */
    private ArithmeticException nonFinite(Program program, int q, int bad, boolean backwardPass) {
        int node = program.node(q);
        Op op = nodes.op(node);
        Tensor out = program.out[q];
        double v = out.getFlat(bad);
        String at = "non-finite value " + v + " at " + position(out.shape(), bad);
        if (op == null) {
            return new ArithmeticException("backward: " + at + " of the gradient of " + nodes.describe(node)
                    + " (the output gradient passed to backward is not finite)");
        }
        if (!backwardPass) {
            return new ArithmeticException("forward: " + at + " first produced by " + op.name() + " node "
                    + nodes.describe(node) + " = " + call(node) + userNode(node) + "; its inputs were finite");
        }
        StringBuilder b = new StringBuilder("backward: ").append(at).append(" first produced by ")
                .append(op.name()).append(" (internal gradient node #").append(node).append(")");
        int of = program.gradientOf(q);
        if (of >= 0) {
            Op ofOp = nodes.op(of);
            b.append(" while computing the gradient through ").append(ofOp != null ? ofOp.name() + " node " : "")
                    .append(nodes.describe(of)).append(ofOp != null ? " = " + call(of) : "").append(userNode(of));
        }
        return new ArithmeticException(b.append("; the forward values were finite").toString());
    }

    /** {@code op(input, input)} with the inputs described. */
    private String call(int n) {
        StringBuilder b = new StringBuilder(nodes.op(n).name()).append('(');
        for (int k = 0; k < nodes.arity(n); k++) {
            if (k > 0) b.append(", ");
            int in = nodes.input(n, k);
            b.append(in < forwardCount ? nodes.describe(in) : "#" + in);
        }
        return b.append(')').toString();
    }

    /** ", inside 'name' [..]" naming the first named node built on an unnamed forward node, or "". */
    private String userNode(int n) {
        if (nodes.name(n) != null || n >= forwardCount) return "";
        boolean[] reach = new boolean[forwardCount];
        reach[n] = true;
        for (int j = n + 1; j < forwardCount; j++) {
            for (int k = 0; k < nodes.arity(j); k++) {
                int in = nodes.input(j, k);
                if (in < forwardCount && reach[in]) reach[j] = true;
            }
            if (reach[j] && nodes.name(j) != null) return ", inside your node " + nodes.describe(j) + " (the first named node built on it)";
        }
        return "";
    }

    /** " (read by log node 'y' [2])": the first op reading a leaf. */
    private String usedBy(int leaf) {
        for (int j = leaf + 1; j < forwardCount; j++) {
            if (nodes.op(j) == null) continue;
            for (int k = 0; k < nodes.arity(j); k++) {
                if (nodes.input(j, k) == leaf) return ", read by " + nodes.op(j).name() + " node " + nodes.describe(j) + userNode(j);
            }
        }
        return "";
    }

    private static String position(int[] shape, int flat) {
        if (shape.length == 0) return "[]";
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return java.util.Arrays.toString(idx);
    }

    // ------------------------------------------------------------------ results

    /**
     * A node's value after forward: inputs, parameters, constants, the output, named nodes and
     * kept nodes. The tensor is a view of the step's buffers, overwritten by the next run.
     */
    public Tensor value(Node node) {
        checkLive("value");
        checkOwn("value", node);
        int i = node.index();
        Tensor v = i < values.length ? values[i] : null;
        if (v == null) throw new IllegalArgumentException("value: " + node.describe() + " is not computed by this step");
        if (node.kind() == Node.Kind.OP && !kept[i]) {
            throw new IllegalArgumentException("value: " + node.describe() + " is not kept after forward (its buffer is reused); "
                    + "name it or pass it to CompileOptions.withKeep");
        }
        return v;
    }

    /** The value of the named node. */
    public Tensor value(String name) { return value(graph.node(name)); }

    /** The value of the output. */
    public Tensor output() {
        checkLive("output");
        return values[output];
    }

    /** The gradient of the output with respect to a parameter or input node. */
    public Tensor grad(Node node) {
        checkOwn("grad", node);
        int j = node.index() < wrtSlot.length ? wrtSlot[node.index()] : -1;
        if (j < 0) {
            String hint = seed == null ? " (compiled for inference)"
                    : node.kind() == Node.Kind.INPUT ? "; input gradients are opt-in: compile with "
                      + "CompileOptions.training().withInputGradients(true) or withWrt(" + node.label() + ")"
                    : "";
            throw new IllegalArgumentException("grad: " + node.describe() + " is not a gradient target of this step" + hint);
        }
        return gradTensors[j];
    }

    /** The gradient with respect to a parameter. */
    public Tensor grad(Parameter p) {
        if (!parameters.contains(p)) throw new IllegalArgumentException("grad: " + p + " is not a gradient target of this step");
        return p.grad();
    }

    /** The parameters this step computes gradients for, in graph order. */
    public List<Parameter> parameters() { return parameters; }

    /** When true, backward adds to the gradient tensors instead of overwriting them. */
    public Step accumulateGradients(boolean on) {
        this.accumulate = on;
        return this;
    }

    /** Sets every gradient tensor of this step to zero. */
    public Step zeroGradients() {
        for (Tensor t : gradTensors) math.fill(t, 0);
        return this;
    }

    /** Memory figures of the plan. */
    public PlanReport plan() { return report; }



    /** The output buffer of each backward instruction in run order, null where it has none (for the compiler's tests). */
    Tensor[] backwardOutputs() {
        return backward.out.clone();
    }

    /** The op names of the backward instructions, in run order, of a step that describes them (checks for NaN; for the compiler's tests). */
    List<String> backwardOpNames() {
        List<String> names = new ArrayList<>();
        for (int q = 0; q < backward.length; q++) {
            int n = backward.node(q);
            if (n >= 0 && nodes.op(n) != null) names.add(nodes.op(n).name());
        }
        return names;
    }

    public TensorMath math() { return math; }

    private void checkOwn(String op, Node node) {
        if (node.graph() != graph) throw new IllegalArgumentException(op + ": node " + node.describe() + " belongs to another graph");
        if (!graph.isCurrent(node)) throw Graph.stale(op, node);
    }
}
