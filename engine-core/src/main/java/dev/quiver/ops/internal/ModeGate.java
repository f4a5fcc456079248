package dev.quiver.ops.internal;

import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.RunContext;
import dev.quiver.ops.Value;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * x in a step of its mode, zeros in a step of the other: how {@link dev.quiver.ops.Builder#inMode}
 * builds a mode-dependent derivative before the mode is known (a gradient built by
 * {@code Graph.grad}, compiled later in either mode), as the sum of two gated branches. The step
 * binds it once, to a copy or to a fill, so the choice costs no branch per run; zeros rather than
 * x times 0, so a branch that is meaningless in the other mode (batch statistics of a batch of
 * one) cannot leak a NaN into the sum. Linear and diagonal, so its VJP is the same gate on g.
 */
public record ModeGate(boolean training) implements Op {
    public static final ModeGate TRAIN = new ModeGate(true), EVAL = new ModeGate(false);

    /** The reference entry (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("Builder.inMode(train, eval)", "train_only / eval_only",
                    "x (F32/F64); out = x's shape. x in a step of the gate's mode, zeros in the other",
                    "dx = the same gate on g (a compile's own backward pass, whose mode is known, takes g or nothing)"));

    @Override public String name() { return training ? "train_only" : "eval_only"; }
    @Override public int[] shape(Operand[] in) { return in[0].shape(); }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        return bind(math, in, out, work, RunContext.of(true));
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work, RunContext context) {
        if (context.training() == training) return Bound.copy(math, in[0], out, false);
        return m -> m.fill(out, 0);
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        return Op.grads(in, training ? g.graph().inMode(() -> g, () -> null) : g.graph().inMode(() -> null, () -> g));
    }
}
