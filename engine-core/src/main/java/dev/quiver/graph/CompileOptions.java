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
 */
public record CompileOptions(boolean inference, List<Node> wrt, boolean inputGradients, List<Node> keep, boolean checkFinite, TensorMath math) {
    public CompileOptions {
        wrt = List.copyOf(wrt);
        keep = List.copyOf(keep);
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

    public CompileOptions withWrt(Node... nodes) { return new CompileOptions(inference, List.of(nodes), inputGradients, keep, checkFinite, math); }

    /** Also computes gradients with respect to every input (when no explicit wrt list is given). */
    public CompileOptions withInputGradients(boolean on) { return new CompileOptions(inference, wrt, on, keep, checkFinite, math); }

    public CompileOptions withKeep(Node... nodes) { return new CompileOptions(inference, wrt, inputGradients, List.of(nodes), checkFinite, math); }

    public CompileOptions withCheckFinite(boolean check) { return new CompileOptions(inference, wrt, inputGradients, keep, check, math); }

    public CompileOptions withMath(TensorMath m) { return new CompileOptions(inference, wrt, inputGradients, keep, checkFinite, m); }
}
