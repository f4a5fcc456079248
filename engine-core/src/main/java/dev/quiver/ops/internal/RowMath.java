package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
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
    private final boolean f64;
    private final KernelsF64 k64;
    private final KernelsF32 k32;
    private final double[] c64 = new double[1];
    private final float[] c32 = new float[1];

    RowMath(TensorMath math, DType dtype) {
        this.f64 = dtype.floating("class cross-entropy") == DType.Floating.F64;
        this.k64 = f64 ? math.backend().f64() : null;
        this.k32 = f64 ? null : math.backend().f32();
    }

    double max(int n, Object x, int xo, int xs) {
        return f64 ? k64.reduce(ReduceOp.MAX, n, (double[]) x, xo, xs) : k32.reduce(ReduceOp.MAX, n, (float[]) x, xo, xs);
    }

    double sum(int n, Object x, int xo, int xs) {
        return f64 ? k64.reduce(ReduceOp.SUM, n, (double[]) x, xo, xs) : k32.reduce(ReduceOp.SUM, n, (float[]) x, xo, xs);
    }

    /** {@code y = exp(x - c)}; y may be x itself. */
    void expShifted(int n, Object x, int xo, int xs, double c, Object y, int yo, int ys) {
        if (f64) {
            double[] ya = (double[]) y;
            c64[0] = c;
            k64.binary(BinaryOp.SUB, n, (double[]) x, xo, xs, c64, 0, 0, ya, yo, ys, false);
            k64.unary(UnaryOp.EXP, n, ya, yo, ys, ya, yo, ys, false);
        } else {
            float[] ya = (float[]) y;
            c32[0] = (float) c;
            k32.binary(BinaryOp.SUB, n, (float[]) x, xo, xs, c32, 0, 0, ya, yo, ys, false);
            k32.unary(UnaryOp.EXP, n, ya, yo, ys, ya, yo, ys, false);
        }
    }

    /** {@code y = a * y + b}. */
    void scaleShift(int n, Object y, int yo, int ys, double a, double b) {
        if (f64) {
            double[] ya = (double[]) y;
            k64.axpby(n, a, ya, yo, ys, 0, ya, yo, ys);
            if (b != 0) {
                c64[0] = b;
                k64.binary(BinaryOp.ADD, n, ya, yo, ys, c64, 0, 0, ya, yo, ys, false);
            }
        } else {
            float[] ya = (float[]) y;
            k32.axpby(n, (float) a, ya, yo, ys, 0, ya, yo, ys);
            if (b != 0) {
                c32[0] = (float) b;
                k32.binary(BinaryOp.ADD, n, ya, yo, ys, c32, 0, 0, ya, yo, ys, false);
            }
        }
    }

    void fill(int n, double value, Object y, int yo, int ys) {
        if (f64) k64.fill(n, value, (double[]) y, yo, ys);
        else k32.fill(n, (float) value, (float[]) y, yo, ys);
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
