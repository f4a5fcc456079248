package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The op of a final gradient that a step writes straight into its target's gradient tensor, bound
 * for the runs that cannot: when gradients accumulate, the op must write a buffer of its own that
 * the copy-out then adds. The plan's arena holds no such buffer (for a weight matrix it would be
 * most of the arena, in every cached plan); it is taken on the first accumulating run: one per
 * parameter, shared by every plan of that parameter (a step's backward writes it and adds it to
 * the gradient before any other step can run on the parameter), or one per step for an input.
 */
final class DeferredGradient implements Op.Instruction {
    private final Op op;
    private final TensorMath math;
    private final Tensor[] inputs, work;
    private final StepContext context;
    private final Parameter parameter;
    private final Tensor like;
    private Tensor buffer;
    private Op.Instruction bound;

    DeferredGradient(Op op, TensorMath math, Tensor[] inputs, Tensor[] work, StepContext context, Parameter parameter, Tensor like) {
        this.context = context;
        this.op = op;
        this.math = math;
        this.inputs = inputs;
        this.work = work;
        this.parameter = parameter;
        this.like = like;
    }

    /** The buffer the op writes when gradients accumulate, created on first use. */
    Tensor buffer() {
        if (buffer == null) {
            buffer = parameter != null ? parameter.accumulationBuffer() : Tensor.zeros(like.dtype(), like.shape());
            bound = op.bind(math, inputs, buffer, work, context);
        }
        return buffer;
    }

    @Override public void run(TensorMath m) {
        if (bound == null) buffer();
        bound.run(m);
    }
}
