package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;

/**
 * Runs a backend's kernels of one dtype on double[] data (float32 data is converted in and out
 * exactly), and names that dtype's tolerances, so one test body checks both dtypes against
 * float64 reference loops.
 */
enum Precision {
    F64(Math.ulp(1.0) / 2) {
        @Override double round(double v) { return v; }
        @Override double ulp(double v) { return Math.ulp(v); }
        @Override void unary(Backend k, UnaryOp op, int n, double[] x, int xo, int xs, double[] y, int yo, int ys, boolean acc) {
            k.f64().unary(op, n, x, xo, xs, y, yo, ys, acc);
        }
        @Override void binary(Backend k, BinaryOp op, int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                              double[] c, int co, int cs, boolean acc) {
            k.f64().binary(op, n, a, ao, as, b, bo, bs, c, co, cs, acc);
        }
        @Override double reduce(Backend k, ReduceOp op, int n, double[] x, int xo, int xs) {
            return k.f64().reduce(op, n, x, xo, xs);
        }
        @Override int argmax(Backend k, int n, double[] x, int xo, int xs) {
            return k.f64().argmax(n, x, xo, xs);
        }
        @Override void axpby(Backend k, int n, double alpha, double[] x, int xo, int xs, double beta, double[] y, int yo, int ys) {
            k.f64().axpby(n, alpha, x, xo, xs, beta, y, yo, ys);
        }
        @Override void fill(Backend k, int n, double value, double[] y, int yo, int ys) {
            k.f64().fill(n, value, y, yo, ys);
        }
    },
    F32(Math.ulp(1.0f) / 2) {
        @Override double round(double v) { return (float) v; }
        @Override double ulp(double v) { return Math.ulp((float) v); }
        @Override void unary(Backend k, UnaryOp op, int n, double[] x, int xo, int xs, double[] y, int yo, int ys, boolean acc) {
            float[] yf = f(y);
            k.f32().unary(op, n, f(x), xo, xs, yf, yo, ys, acc);
            back(yf, y);
        }
        @Override void binary(Backend k, BinaryOp op, int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                              double[] c, int co, int cs, boolean acc) {
            float[] cf = f(c);
            k.f32().binary(op, n, f(a), ao, as, f(b), bo, bs, cf, co, cs, acc);
            back(cf, c);
        }
        @Override double reduce(Backend k, ReduceOp op, int n, double[] x, int xo, int xs) {
            return k.f32().reduce(op, n, f(x), xo, xs);
        }
        @Override int argmax(Backend k, int n, double[] x, int xo, int xs) {
            return k.f32().argmax(n, f(x), xo, xs);
        }
        @Override void axpby(Backend k, int n, double alpha, double[] x, int xo, int xs, double beta, double[] y, int yo, int ys) {
            float[] yf = f(y);
            k.f32().axpby(n, (float) alpha, f(x), xo, xs, (float) beta, yf, yo, ys);
            back(yf, y);
        }
        @Override void fill(Backend k, int n, double value, double[] y, int yo, int ys) {
            float[] yf = f(y);
            k.f32().fill(n, (float) value, yf, yo, ys);
            back(yf, y);
        }
    };

    /** Unit roundoff u (half an ulp of 1). */
    final double unitRoundoff;

    Precision(double unitRoundoff) {
        this.unitRoundoff = unitRoundoff;
    }

    /** Rounds a float64 value to this dtype. */
    abstract double round(double v);

    /** One ulp of v in this dtype. */
    abstract double ulp(double v);

    /**
     * Tolerance of a length-n sum or sum of squares against an exact-ish float64 reference:
     * the classic bound n*u*sum|x_i| (tight for any order; ours uses far shorter chains).
     */
    double sumTolerance(int n, double sumOfMagnitudes) {
        return (n + 1) * unitRoundoff * sumOfMagnitudes + Double.MIN_VALUE;
    }

    /** Rounds every element of x to this dtype, in place, and returns x. */
    double[] roundAll(double[] x) {
        for (int i = 0; i < x.length; i++) x[i] = round(x[i]);
        return x;
    }

    abstract void unary(Backend k, UnaryOp op, int n, double[] x, int xo, int xs, double[] y, int yo, int ys, boolean acc);

    abstract void binary(Backend k, BinaryOp op, int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                         double[] c, int co, int cs, boolean acc);

    abstract double reduce(Backend k, ReduceOp op, int n, double[] x, int xo, int xs);

    abstract int argmax(Backend k, int n, double[] x, int xo, int xs);

    abstract void axpby(Backend k, int n, double alpha, double[] x, int xo, int xs, double beta, double[] y, int yo, int ys);

    abstract void fill(Backend k, int n, double value, double[] y, int yo, int ys);

    private static float[] f(double[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = (float) x[i];
        return r;
    }

    private static void back(float[] from, double[] to) {
        for (int i = 0; i < from.length; i++) to[i] = from[i];
    }
}
