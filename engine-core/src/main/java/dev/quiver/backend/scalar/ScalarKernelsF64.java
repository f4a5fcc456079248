package dev.quiver.backend.scalar;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.internal.CanonicalSum;
import dev.quiver.kernel.internal.FormulaF64;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;

import static dev.quiver.kernel.internal.ElementwiseF64.apply;

/**
 * The reference float64 kernels: plain Java loops, correct for any strides (zero and negative
 * too), and the oracle other backends are tested against. GEMM is delegated to
 * {@link ScalarGemmF64} (packed, cache-blocked, multi-threaded over output tiles).
 * The float32 twin {@code ScalarKernelsF32} is generated from this file by {@code tools/twins}.
 */
public final class ScalarKernelsF64 implements KernelsF64 {
    private final ScalarGemmF64 gemm;

    public ScalarKernelsF64(Workers workers) {
        this.gemm = new ScalarGemmF64(workers);
    }

    @Override
    public void gemm(int batch, int m, int n, int k, double alpha,
                     double[] a, int aOff, int aBatch, int aRow, int aCol,
                     double[] b, int bOff, int bBatch, int bRow, int bCol,
                     double beta,
                     double[] c, int cOff, int cBatch, int cRow, int cCol) {
        gemm.gemm(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
    }

    @Override
    public void unary(UnaryOp op, int n,
                      double[] x, int xOff, int xStride,
                      double[] y, int yOff, int yStride, boolean accumulate) {
        if (!op.isPrimitive()) {
            FormulaF64.run(this, op.formula(), n, x, xOff, xStride, y, yOff, yStride, accumulate);
            return;
        }
        if (accumulate) {
            for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) {
                y[yi] += apply(op, x[xi]);
            }
            return;
        }
        if (xStride == 1 && yStride == 1 && op != UnaryOp.IDENTITY) {
            unaryContiguous(op, n, x, xOff, y, yOff);
            return;
        }
        // The cheap ops get their own loops so C2 can unroll them.
        switch (op) {
            case IDENTITY -> {
                if (xStride == 1 && yStride == 1) {
                    System.arraycopy(x, xOff, y, yOff, n);
                } else {
                    for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) y[yi] = x[xi];
                }
            }
            case NEG -> {
                for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) y[yi] = -x[xi];
            }
            case SQUARE -> {
                for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) y[yi] = x[xi] * x[xi];
            }
            default -> {
                for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) {
                    y[yi] = apply(op, x[xi]);
                }
            }
        }
    }

    /**
     * Unit-stride unary. With equal offsets every array is indexed by the bare loop variable, the
     * form C2 vectorises even though x and y may be the same array; otherwise offsets are added.
     */
    private static void unaryContiguous(UnaryOp op, int n, double[] x, int xOff, double[] y, int yOff) {
        if (xOff == yOff) {
            int end = xOff + n;
            switch (op) {
                case NEG -> { for (int i = xOff; i < end; i++) y[i] = -x[i]; }
                case SQUARE -> { for (int i = xOff; i < end; i++) y[i] = x[i] * x[i]; }
                case ABS -> { for (int i = xOff; i < end; i++) y[i] = Math.abs(x[i]); }
                case RELU -> { for (int i = xOff; i < end; i++) y[i] = x[i] > 0 ? x[i] : 0 * x[i]; }
                default -> { for (int i = xOff; i < end; i++) y[i] = apply(op, x[i]); }
            }
            return;
        }
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) y[yOff + i] = -x[xOff + i]; }
            case SQUARE -> { for (int i = 0; i < n; i++) y[yOff + i] = x[xOff + i] * x[xOff + i]; }
            default -> { for (int i = 0; i < n; i++) y[yOff + i] = apply(op, x[xOff + i]); }
        }
    }

    /** Unit-stride binary (b may be a broadcast scalar: bStride 0); see {@link #unaryContiguous}. */
    private static void binaryContiguous(BinaryOp op, int n, double[] a, int aOff, double[] b, int bOff, int bStride,
                                         double[] c, int cOff) {
        if (bStride == 0) {
            double s = b[bOff];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] + s; }
                case SUB -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] - s; }
                case MUL -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] * s; }
                default -> { for (int i = 0; i < n; i++) c[cOff + i] = apply(op, a[aOff + i], s); }
            }
            return;
        }
        if (aOff == cOff && bOff == cOff) {
            int end = cOff + n;
            switch (op) {
                case ADD -> { for (int i = cOff; i < end; i++) c[i] = a[i] + b[i]; }
                case SUB -> { for (int i = cOff; i < end; i++) c[i] = a[i] - b[i]; }
                case MUL -> { for (int i = cOff; i < end; i++) c[i] = a[i] * b[i]; }
                case DIV -> { for (int i = cOff; i < end; i++) c[i] = a[i] / b[i]; }
                case MAX -> { for (int i = cOff; i < end; i++) c[i] = Math.max(a[i], b[i]); }
                case MIN -> { for (int i = cOff; i < end; i++) c[i] = Math.min(a[i], b[i]); }
                default -> { for (int i = cOff; i < end; i++) c[i] = apply(op, a[i], b[i]); }
            }
            return;
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] + b[bOff + i]; }
            case SUB -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] - b[bOff + i]; }
            case MUL -> { for (int i = 0; i < n; i++) c[cOff + i] = a[aOff + i] * b[bOff + i]; }
            default -> { for (int i = 0; i < n; i++) c[cOff + i] = apply(op, a[aOff + i], b[bOff + i]); }
        }
    }

    @Override
    public void binary(BinaryOp op, int n,
                       double[] a, int aOff, int aStride,
                       double[] b, int bOff, int bStride,
                       double[] c, int cOff, int cStride, boolean accumulate) {
        if (accumulate) {
            for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
                c[ci] += apply(op, a[ai], b[bi]);
            }
            return;
        }
        if (aStride == 1 && cStride == 1 && (bStride == 1 || bStride == 0)) {
            binaryContiguous(op, n, a, aOff, b, bOff, bStride, c, cOff);
            return;
        }
        switch (op) {
            case ADD -> {
                for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
                    c[ci] = a[ai] + b[bi];
                }
            }
            case SUB -> {
                for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
                    c[ci] = a[ai] - b[bi];
                }
            }
            case MUL -> {
                for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
                    c[ci] = a[ai] * b[bi];
                }
            }
            default -> {
                for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
                    c[ci] = apply(op, a[ai], b[bi]);
                }
            }
        }
    }

    @Override
    public double reduce(ReduceOp op, int n, double[] x, int xOff, int xStride) {
        switch (op) {
            case SUM, SUM_SQUARES -> {
                // The canonical order (the SIMD backend's at every vector width), in the run's dtype.
                return CanonicalSum.sum(n, x, xOff, xStride, op == ReduceOp.SUM_SQUARES);
            }
            case MAX -> {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0, xi = xOff; i < n; i++, xi += xStride) m = Math.max(m, x[xi]);
                return m;
            }
            case MIN -> {
                double m = Double.POSITIVE_INFINITY;
                for (int i = 0, xi = xOff; i < n; i++, xi += xStride) m = Math.min(m, x[xi]);
                return m;
            }
        }
        throw new IllegalArgumentException("reduce: unknown op " + op);
    }

    @Override
    public int argmax(int n, double[] x, int xOff, int xStride) {
        if (n == 0) return -1;
        int best = 0;
        double max = x[xOff];
        if (max != max) return 0;
        for (int i = 1, xi = xOff + xStride; i < n; i++, xi += xStride) {
            double v = x[xi];
            if (v != v) return i;
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void axpby(int n, double alpha, double[] x, int xOff, int xStride,
                      double beta, double[] y, int yOff, int yStride) {
        if (xStride == 1 && yStride == 1 && xOff == yOff) {
            // Same index for both arrays: vectorisable (the optimisers' and gradient updates' shape).
            int end = yOff + n;
            if (beta == 0) {
                for (int i = yOff; i < end; i++) y[i] = alpha * x[i];
            } else if (beta == 1) {
                for (int i = yOff; i < end; i++) y[i] += alpha * x[i];
            } else {
                for (int i = yOff; i < end; i++) y[i] = alpha * x[i] + beta * y[i];
            }
            return;
        }
        if (beta == 0) {
            for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) y[yi] = alpha * x[xi];
        } else if (beta == 1) {
            for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) y[yi] += alpha * x[xi];
        } else {
            for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) {
                y[yi] = alpha * x[xi] + beta * y[yi];
            }
        }
    }

    @Override
    public void fill(int n, double value, double[] y, int yOff, int yStride) {
        if (yStride == 1) {
            java.util.Arrays.fill(y, yOff, yOff + n, value);
            return;
        }
        for (int i = 0, yi = yOff; i < n; i++, yi += yStride) y[yi] = value;
    }
}
