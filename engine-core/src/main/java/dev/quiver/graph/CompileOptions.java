package dev.quiver.graph;

import dev.quiver.tensor.TensorMath;

import java.util.List;

/**
 * How {@link Graph#compile(Node, CompileOptions)} plans a step. Immutable; each {@code with}
 * method returns a changed copy.
 *
 * @param inference   forward only: no gradient nodes, no backward buffers
 * @param wrt         nodes to differentiate with respect to (parameters or inputs); empty means
 *                    every parameter the output depends on (plus every input when inputGradients)
 * @param inputGradients with an empty wrt, also differentiate with respect to every input (off by
 *                    default: input gradients of a data batch cost a GEMM per layer)
 * @param keep        extra nodes whose values stay readable after forward (named nodes and the
 *                    output always do)
 * @param checkFinite after every instruction, fail naming the first node that produced NaN or Inf
 * @param math        the backend to run on; null means {@link TensorMath#get()}
 * @param autobatch   run the independent sub-graphs of the graph (e.g. the summed losses of a
 *                    minibatch of trees or sentences, each built by per-example code) as batched
 *                    kernels: ops of one signature that are ready together run as one (see
 *                    {@link #withAutobatch}); values and gradients are those of the graph as built
 * @param modeOverride the {@link Mode} the ops that train and evaluate differently run in, or null
 *                    for the default ({@link #mode()}: EVAL for an inference-only step, else TRAIN)
 * @param fusion      put fused kernels in place of the primitive patterns the derivative rules
 *                    build (on by default; see {@link #withFusion})
 */
public record CompileOptions(boolean inference, List<Node> wrt, boolean inputGradients, List<Node> keep, boolean checkFinite, TensorMath math,
                             boolean autobatch, Mode modeOverride, boolean fusion) {
    public CompileOptions {
        wrt = List.copyOf(wrt);
        keep = List.copyOf(keep);
    }

    /** Options with fusion on. */
    public CompileOptions(boolean inference, List<Node> wrt, boolean inputGradients, List<Node> keep, boolean checkFinite, TensorMath math,
                          boolean autobatch, Mode modeOverride) {
        this(inference, wrt, inputGradients, keep, checkFinite, math, autobatch, modeOverride, true);
    }

    /** Options without autobatching. */
    public CompileOptions(boolean inference, List<Node> wrt, boolean inputGradients, List<Node> keep, boolean checkFinite, TensorMath math) {
        this(inference, wrt, inputGradients, keep, checkFinite, math, false, null);
    }

    /** Options in the default mode. */
    public CompileOptions(boolean inference, List<Node> wrt, boolean inputGradients, List<Node> keep, boolean checkFinite, TensorMath math,
                          boolean autobatch) {
        this(inference, wrt, inputGradients, keep, checkFinite, math, autobatch, null);
    }

    /** The step's mode: the override if given, else EVAL for inference-only steps and TRAIN otherwise. */
    public Mode mode() {
        return modeOverride != null ? modeOverride : inference ? Mode.EVAL : Mode.TRAIN;
    }

    /**
     * Compiles in this mode whatever the step computes: {@code training().withMode(Mode.EVAL)} has
     * gradients with batch normalisation on its running statistics and dropout off;
     * {@code inferenceOnly().withMode(Mode.TRAIN)} samples dropout masks without a backward pass.
     */
    public CompileOptions withMode(Mode m) {
        return new CompileOptions(inference, wrt, inputGradients, keep, checkFinite, math, autobatch, java.util.Objects.requireNonNull(m, "mode"), fusion);
    }

    /** Forward and backward, gradients for every parameter the output depends on. */
    public static CompileOptions training() {
        return TRAINING;
    }

    private static final CompileOptions TRAINING = new CompileOptions(false, List.of(), false, List.of(), false, null);

    /** Forward only. */
    public static CompileOptions inferenceOnly() {
        return new CompileOptions(true, List.of(), false, List.of(), false, null);
    }

    public CompileOptions withWrt(Node... nodes) { return new CompileOptions(inference, List.of(nodes), inputGradients, keep, checkFinite, math, autobatch, modeOverride, fusion); }

    /** Also computes gradients with respect to every input (when no explicit wrt list is given). */
    public CompileOptions withInputGradients(boolean on) { return new CompileOptions(inference, wrt, on, keep, checkFinite, math, autobatch, modeOverride, fusion); }

    public CompileOptions withKeep(Node... nodes) { return withKeep(List.of(nodes)); }

    public CompileOptions withKeep(List<Node> nodes) { return new CompileOptions(inference, wrt, inputGradients, nodes, checkFinite, math, autobatch, modeOverride, fusion); }

    public CompileOptions withCheckFinite(boolean check) { return new CompileOptions(inference, wrt, inputGradients, keep, check, math, autobatch, modeOverride, fusion); }

    public CompileOptions withMath(TensorMath m) { return new CompileOptions(inference, wrt, inputGradients, keep, checkFinite, m, autobatch, modeOverride, fusion); }

    /**
     * Autobatching on or off. On, the graph is rewritten before it is planned: nodes that are
     * row-wise along axis 0 (elementwise ops, products with a shared weight, lookups in a shared
     * table, column slices and concatenations, class-index cross-entropy) and share a signature
     * (op, dtype, shapes beyond axis 0, the identity of shared inputs) run as one node over their
     * rows stacked, chosen by DyNet's agenda heuristic. {@link Step#plan()} reports the forward
     * kernels before and after. Read results through {@link Step#output()}, the kept nodes and the
     * gradients.
     */
    public CompileOptions withAutobatch(boolean on) { return new CompileOptions(inference, wrt, inputGradients, keep, checkFinite, math, on, modeOverride, fusion); }

    /**
     * Fusion on (the default) or off. On, the compiler rewrites the backward graph before planning
     * it: where a derivative rule's primitives form a pattern a fused kernel computes (tanh's
     * {@code g (1 - y^2)}, sigmoid's {@code (g y) (1 - y)}, the class-index cross-entropy's
     * {@code (softmax(x) - onehot(c)) s}), and the pattern's inner nodes feed nothing else, one node
     * running that kernel takes the pattern's place (the rules and their reasons: {@code Fusion}).
     * Values and gradients are the same bits either way, except the cross-entropy's (within
     * rounding); off is for tests and debugging. {@link Step#plan()} reports how many nodes were fused.
     */
    public CompileOptions withFusion(boolean on) { return new CompileOptions(inference, wrt, inputGradients, keep, checkFinite, math, autobatch, modeOverride, on); }
}
