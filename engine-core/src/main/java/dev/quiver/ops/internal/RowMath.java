package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.FloatingKernels;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.TensorMath;

/**
 * Strided-run arithmetic for ops whose rows are data-dependent (class-index losses): each method
 * is one backend kernel call on a run of either floating dtype, so the fused loops below use the
 * backend's vectorised exp, max and sums and need no float32 twin. Scalar operands go through a
 * one-element array owned by this object (not thread-safe: one per bound instruction). Allocates
 * nothing.
 */
final class RowMath {
    private final FloatingKernels k;
    private final Object c;

    RowMath(TensorMath math, DType dtype) {
        this.k = math.kernels(dtype, "class cross-entropy");
        this.c = k.newArray(1);
    }

    double max(int n, Object x, int xo, int xs) {
        return k.reduce(ReduceOp.MAX, n, x, xo, xs);
    }

    double sum(int n, Object x, int xo, int xs) {
        return k.reduce(ReduceOp.SUM, n, x, xo, xs);
    }

    /** {@code y = exp(x - c)}; y may be x itself. */
    void expShifted(int n, Object x, int xo, int xs, double shift, Object y, int yo, int ys) {
        k.set(c, 0, shift);
        k.binary(BinaryOp.SUB, n, x, xo, xs, c, 0, 0, y, yo, ys, false);
        k.unary(UnaryOp.EXP, n, y, yo, ys, y, yo, ys, false);
    }

    /** {@code y = a * y + b}. */
    void scaleShift(int n, Object y, int yo, int ys, double a, double b) {
        k.axpby(n, a, y, yo, ys, 0, y, yo, ys);
        if (b != 0) {
            k.set(c, 0, b);
            k.binary(BinaryOp.ADD, n, y, yo, ys, c, 0, 0, y, yo, ys, false);
        }
    }

    void fill(int n, double value, Object y, int yo, int ys) {
        k.fill(n, value, y, yo, ys);
    }

    static double read(Object a, int i) {
        return a instanceof double[] d ? d[i] : ((float[]) a)[i];
    }

    static void write(Object a, int i, double v) {
        if (a instanceof double[] d) d[i] = v;
        else ((float[]) a)[i] = (float) v;
    }

    /** {@code a[i] += v} (in the array's precision). */
    static void add(Object a, int i, double v) {
        if (a instanceof double[] d) d[i] += v;
        else ((float[]) a)[i] += (float) v;
    }
}
