package dev.quiver.ops.internal;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * Scatter-add along one axis, the transpose of {@link Take}: inputs (base, indices, updates), base
 * floating of rank >= 1, indices I32 or I64 of any rank, updates of base's dtype and shape
 * {@code base.shape[:axis] + indices.shape + base.shape[axis+1:]};
 * {@code out = base} with {@code out[o..., indices[k...], j...] += updates[o..., k..., j...]} for
 * every k in row-major order, so repeated indices accumulate (deterministically). Indices are
 * checked as by {@link Take}, before anything is written.
 *
 * <p>VJP: {@code dbase = g}, {@code dupdates = take(g, axis, indices)}; the indices get none.
 * {@link ScatterAddInto} is the same op on a zero base that is never materialised.
 *
 * @param axis the indexed axis of base, {@code 0 <= axis < base.rank()}
 */
public record ScatterAdd(int axis) implements Op {
    @Override public String name() { return "scatter_add"; }
    @Override public String attributes() { return "axis=" + axis; }

    @Override public DType dtype(Operand[] in) {
        Indices.requireArity(this, in, 3, "base, indices, updates");
        Indices.requireFloating(this, in, 0, "base");
        Indices.requireIndices(this, in, 1, "indices");
        if (in[2].dtype() != in[0].dtype()) {
            throw Op.fail(this, in, "updates " + in[2].describe() + " are " + in[2].dtype() + " but base is " + in[0].dtype());
        }
        return in[0].dtype();
    }

    @Override public int[] shape(Operand[] in) {
        int[] base = in[0].shape();
        int[] expected = Take.gatheredShape(this, base, axis, in[1].shape(), in);
        if (!Arrays.equals(expected, in[2].shape())) {
            throw Op.fail(this, in, "updates must have shape " + Shapes.str(expected) + " (base.shape[:axis] + indices.shape"
                    + " + base.shape[axis+1:]), got " + Shapes.str(in[2].shape()));
        }
        return base;
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Instruction copyBase = Bound.copy(math, in[0], out, false);
        Gather scatter = new Gather(name() + "[" + attributes() + "]", math, out, axis, in[1], in[2]);
        return m -> {
            scatter.checkIndices();
            copyBase.run(m);
            scatter.scatterAdd();
        };
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        V dUpdates = needed[2] ? out.graph().apply(Take.of(axis), g, in[1]) : null;
        return Op.grads(in, needed[0] ? g : null, null, dUpdates);
    }
}
