package dev.quiver.ops.internal;

import dev.quiver.kernel.ReduceOp;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/** Reductions over axes. */
public final class Reductions {
    private Reductions() {}

    /** The sum of all elements, shared. */
    public static final Sum SUM_ALL = new Sum(new int[0], false);

    static int[] reducedShape(int[] shape, int[] axes, boolean keepDims) {
        boolean[] reduced = new boolean[shape.length];
        if (axes.length == 0) Arrays.fill(reduced, true);
        for (int a : axes) reduced[a] = true;
        int rank = 0;
        for (int d = 0; d < shape.length; d++) if (keepDims || !reduced[d]) rank++;
        int[] out = new int[rank];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (!reduced[d]) out[r++] = shape[d];
            else if (keepDims) out[r++] = 1;
        }
        return out;
    }

    /**
     * Sum over the given axes (all axes when none), removing them or keeping them as 1. Linear:
     * the VJP broadcasts the gradient back over the summed axes (a view, no copy when kept).
     */
    public record Sum(int[] axes, boolean keepDims) implements Op, Codable {
        @Override public boolean equals(Object o) { return o instanceof Sum other && keepDims == other.keepDims && Arrays.equals(axes, other.axes); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(axes) + Boolean.hashCode(keepDims); }
        @Override public String name() { return "sum"; }
        @Override public String attributes() { return Arrays.toString(axes) + (keepDims ? " keep" : ""); }
        /** {@code sum} over everything, else {@code sum axes=[1] keep}. */
        @Override public String shortForm() {
            return axes.length == 0 ? "sum" : "sum axes=" + Arrays.toString(axes) + (keepDims ? " keep" : "");
        }

        @Override public int[] shape(Operand[] in) { return reducedShapeOf(this, "sum", axes, keepDims, in); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor x = in[0];
            int[] ax = axes.clone();
            boolean keep = keepDims;
            if (ax.length == 0 || ax.length == x.rank()) return Bound.sumAll(math, x, out);
            return m -> m.reduce(ReduceOp.SUM, x, keep, ax, out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) {
            return (axes.length == 0 || axes.length == in[0].rank()) && code.sumAll(in[0], out);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            int[] xShape = in[0].shape();
            V kept = keepDims ? g : g.reshape(reducedShape(xShape, Ops.axes("sum", axes, xShape.length), true));
            return Op.grads(in, out.graph().apply(new Shaping.Expand(xShape), kept));
        }
    }

    /**
     * Maximum over axes, treated as a constant by differentiation (its VJP is zero). It exists for
     * stabilising shifts such as softmax's {@code x - max(x)}, whose result does not depend on the
     * shift; it is deliberately not offered as a differentiable max.
     */
    public record DetachedMax(int[] axes, boolean keepDims) implements Op {
        @Override public boolean equals(Object o) { return o instanceof DetachedMax other && keepDims == other.keepDims && Arrays.equals(axes, other.axes); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(axes) + Boolean.hashCode(keepDims); }
        @Override public String name() { return "max_detached"; }
        @Override public String attributes() { return Arrays.toString(axes) + (keepDims ? " keep" : ""); }

        @Override public int[] shape(Operand[] in) { return reducedShapeOf(this, "max", axes, keepDims, in); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor x = in[0];
            int[] ax = axes.clone();
            boolean keep = keepDims;
            return m -> m.reduce(ReduceOp.MAX, x, keep, ax, out);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return Op.noGrads(in, 1); }
    }

    /** The output shape of a reduction over {@code axes}, as an op shape error naming the op and nodes. */
    private static int[] reducedShapeOf(Op op, String name, int[] axes, boolean keepDims, Operand[] in) {
        try {
            return reducedShape(in[0].shape(), Ops.axes(name, axes, in[0].rank()), keepDims);
        } catch (IllegalArgumentException e) {
            throw Op.fail(op, in, e.getMessage());
        }
    }
}
