package dev.quiver.ops.internal;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

/**
 * NumPy's {@code take} along one axis: inputs (x, indices), x floating of rank >= 1, indices I32
 * or I64 of any rank (rank 0 included);
 * {@code out[o..., k..., j...] = x[o..., indices[k...], j...]}, of shape
 * {@code x.shape[:axis] + indices.shape + x.shape[axis+1:]}. {@code take(table, 0, ids)} is an
 * embedding lookup: one row of the table per id, each row one {@code System.arraycopy} when the
 * table is contiguous, so the cost depends on the rows read, never on the table's size.
 *
 * <p>Indices are data: another batch of ids of the same shape runs the same compiled plan. Each
 * run checks every index first: a negative one or one {@code >= x.shape[axis]} throws an
 * {@link IndexOutOfBoundsException} naming the op, the value, its position in the index tensor and
 * the valid range (negative indices are not counted from the end), before anything is written.
 *
 * <p>VJP: {@code dx = scatterAdd(zeros(x.shape), axis, indices, g)} ({@link ScatterAddInto}; a
 * row looked up twice receives the sum of both gradients); the indices get no gradient. The
 * compiler may replace the dense gradient of a parameter read only through {@code Take} along axis
 * 0 by a row-sparse one (see the graph's {@code Parameter.sparseRows()}), which is why this
 * op is a public record with its input order (x, indices) fixed.
 *
 * @param axis the indexed axis of x, {@code 0 <= axis < x.rank()} (the graph builder normalises
 *             negative axes)
 */
public record Take(int axis) implements Op {
    private static final Take[] SHARED = {new Take(0), new Take(1), new Take(2), new Take(3)};

    /** The op for this axis (shared instances for small axes: a rebuilt graph allocates no op). */
    public static Take of(int axis) {
        return axis >= 0 && axis < SHARED.length ? SHARED[axis] : new Take(axis);
    }

    @Override public String name() { return "take"; }
    @Override public String attributes() { return "axis=" + axis; }

    @Override public DType dtype(Operand[] in) {
        Indices.requireArity(this, in, 2, "x, indices");
        Indices.requireFloating(this, in, 0, "x");
        Indices.requireIndices(this, in, 1, "indices");
        return in[0].dtype();
    }

    @Override public int[] shape(Operand[] in) {
        return gatheredShape(this, in[0].shape(), axis, in[1].shape(), in);
    }

    /** {@code s[:axis] + idx + s[axis+1:]}, after checking the axis against s's rank. */
    static int[] gatheredShape(Op op, int[] s, int axis, int[] idx, Operand[] in) {
        if (s.length == 0) throw Op.fail(op, in, "cannot index a scalar (rank 0) along an axis");
        if (axis < 0 || axis >= s.length) throw Op.fail(op, in, "axis " + axis + " out of range for rank " + s.length);
        int[] out = new int[s.length - 1 + idx.length];
        System.arraycopy(s, 0, out, 0, axis);
        System.arraycopy(idx, 0, out, axis, idx.length);
        System.arraycopy(s, axis + 1, out, axis + idx.length, s.length - axis - 1);
        if (Shapes.size(out) < 0) throw Op.fail(op, in, "result too large");
        return out;
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Gather gather = new Gather(name() + "[" + attributes() + "]", math, in[0], axis, in[1], out);
        return m -> {
            gather.checkIndices();
            gather.take();
        };
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        V dx = needed[0] ? out.graph().apply(new ScatterAddInto(axis, in[0].shape()), in[1], g) : null;
        return Op.grads(in, dx, null);
    }
}
