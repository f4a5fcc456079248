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
 * {@link ScatterAdd} into zeros of a fixed shape, with no base input (so {@link Take}'s gradient
 * needs no materialised zeros node): inputs (indices, updates), updates floating of shape
 * {@code shape[:axis] + indices.shape + shape[axis+1:]}; {@code out = zeros(shape)} with
 * {@code out[o..., indices[k...], j...] += updates[o..., k..., j...]} in row-major order of k.
 * Indices are checked as by {@link Take}, before anything is written.
 *
 * <p>VJP: {@code dupdates = take(g, axis, indices)}; the indices get none.
 *
 * @param axis  the indexed axis of the result, {@code 0 <= axis < shape.length}
 * @param shape the result's shape
 */
public record ScatterAddInto(int axis, int[] shape) implements Op {
    public ScatterAddInto {
        shape = shape.clone();
    }

    @Override public int[] shape() { return shape.clone(); }
    @Override public boolean equals(Object o) { return o instanceof ScatterAddInto other && axis == other.axis && Arrays.equals(shape, other.shape); }
    @Override public int hashCode() { return 31 * axis + Arrays.hashCode(shape); }
    @Override public String toString() { return "ScatterAddInto[axis=" + axis + ", shape=" + Shapes.str(shape) + "]"; }
    @Override public String name() { return "scatter_add_into"; }
    @Override public String attributes() { return "axis=" + axis + " " + Shapes.str(shape); }

    @Override public DType dtype(Operand[] in) {
        Indices.requireArity(this, in, 2, "indices, updates");
        Indices.requireIndices(this, in, 0, "indices");
        Indices.requireFloating(this, in, 1, "updates");
        return in[1].dtype();
    }

    @Override public int[] shape(Operand[] in) {
        int[] expected = Take.gatheredShape(this, shape, axis, in[0].shape(), in);
        if (!Arrays.equals(expected, in[1].shape())) {
            throw Op.fail(this, in, "updates must have shape " + Shapes.str(expected) + ", got " + Shapes.str(in[1].shape()));
        }
        return shape.clone();
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Gather scatter = new Gather(name() + "[axis=" + axis + "]", math, out, axis, in[0], in[1]);
        return m -> {
            scatter.checkIndices();
            m.fill(out, 0);
            scatter.scatterAdd();
        };
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        V dUpdates = needed[1] ? out.graph().apply(Take.of(axis), g, in[0]) : null;
        return Op.grads(in, null, dUpdates);
    }
}
