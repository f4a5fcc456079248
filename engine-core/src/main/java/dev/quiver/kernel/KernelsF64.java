package dev.quiver.kernel;

/**
 * The primitive kernels of a backend, for float64 data. This file is the source of truth:
 * {@code KernelsF32} is generated from it by {@code tools/twins} (double becomes float).
 *
 * <p>Every kernel works on raw arrays with an offset and strides (in elements, possibly zero or
 * negative), so views (transposes, slices, broadcasts) reach the kernels without copies. Callers
 * validate shapes and bounds before calling; kernels trust their arguments, allocate nothing and
 * never throw for valid arguments. Outputs must not overlap inputs unless the kernel says so.
 *
 * <p>Determinism: for the same arguments a kernel returns bitwise-identical results whatever the
 * backend's thread count (work is split over outputs only, never over a sum).
 */
public interface KernelsF64 {

    /**
     * Batched general matrix multiply with BLIS-style general strides:
     * {@code C[p] = alpha * A[p] B[p] + beta * C[p]} for {@code p in [0, batch)}, where
     * {@code A[p]} is m x k with element (i, l) at {@code a[aOff + p*aBatch + i*aRow + l*aCol]},
     * {@code B[p]} is k x n with (l, j) at {@code b[bOff + p*bBatch + l*bRow + j*bCol]}, and
     * {@code C[p]} is m x n with (i, j) at {@code c[cOff + p*cBatch + i*cRow + j*cCol]}.
     * A transpose is a swap of the row and column strides; a batch stride of 0 shares one
     * operand across the batch (backends pack it once: this is how mode-n products run).
     * When {@code beta == 0}, C is not read (NaN in C does not propagate). C is modified;
     * A and B are not, and must not overlap C. Any of m, n, k, batch may be 0.
     */
    void gemm(int batch, int m, int n, int k, double alpha,
              double[] a, int aOff, int aBatch, int aRow, int aCol,
              double[] b, int bOff, int bBatch, int bRow, int bCol,
              double beta,
              double[] c, int cOff, int cBatch, int cRow, int cCol);

    /**
     * {@code y[i] = f(x[i])} for {@code i in [0, n)}, or {@code y[i] += f(x[i])} when
     * {@code accumulate}. x is not modified; y may be x itself (same offset and stride).
     */
    void unary(UnaryOp op, int n,
               double[] x, int xOff, int xStride,
               double[] y, int yOff, int yStride, boolean accumulate);

    /**
     * {@code c[i] = f(a[i], b[i])} for {@code i in [0, n)}, or {@code c[i] += f(a[i], b[i])} when
     * {@code accumulate}. A stride of 0 broadcasts one element. c may be a or b itself
     * (same offset and stride), which makes in-place updates legal.
     */
    void binary(BinaryOp op, int n,
                double[] a, int aOff, int aStride,
                double[] b, int bOff, int bStride,
                double[] c, int cOff, int cStride, boolean accumulate);

    /**
     * Reduces {@code x[xOff + i*xStride]}, {@code i in [0, n)}, to one value in a fixed order
     * (the same result on every call). MAX and MIN propagate NaN. Returns
     * {@link ReduceOp#identity()} when n is 0.
     */
    double reduce(ReduceOp op, int n, double[] x, int xOff, int xStride);

    /** Index of the first maximum of the strided run (the first NaN if any); -1 when n is 0. */
    int argmax(int n, double[] x, int xOff, int xStride);

    /** {@code y[i] = alpha * x[i] + beta * y[i]}; y is not read when beta is 0. x may equal y. */
    void axpby(int n, double alpha, double[] x, int xOff, int xStride,
               double beta, double[] y, int yOff, int yStride);

    /** {@code y[i] = value}. */
    void fill(int n, double value, double[] y, int yOff, int yStride);

    /**
     * One Adam step with folded bias correction on elements {@code [0, n)} of four unit-stride
     * arrays (weights w, gradient g, moments m and v; g is not modified), each element computed by
     * exactly these operations, each rounded to the dtype, no FMA:
     * <pre>
     *   w = w * decay                                  (skipped when decay == 1: the same bits)
     *   m = (1 - beta1) * g + beta1 * m                (m not read when beta1 == 0)
     *   v = (1 - beta2) * (g * g) + beta2 * v          (v not read when beta2 == 0)
     *   w = (-lrT) * (m / (sqrt(v) + eps)) + w
     * </pre>
     * the same bits as the optimiser's former passes of axpby, binary and unary kernels, in one
     * pass over memory: a large layer's update streams each array once instead of seven times
     * through cache. This default is a plain loop (the scalar backend's); a backend may vectorise
     * it, with the same bits.
     */
    default void adam(int n, double lrT, double beta1, double beta2, double eps, double decay,
                      double[] w, int wOff, double[] g, int gOff, double[] m, int mOff, double[] v, int vOff) {
        double a1 = 1 - beta1, a2 = 1 - beta2, step = -lrT;
        for (int i = 0; i < n; i++) {
            double gi = g[gOff + i], wi = w[wOff + i];
            if (decay != 1) wi = wi * decay;
            double mi = beta1 == 0 ? a1 * gi : a1 * gi + beta1 * m[mOff + i];
            double vi = beta2 == 0 ? a2 * (gi * gi) : a2 * (gi * gi) + beta2 * v[vOff + i];
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            w[wOff + i] = step * (mi / ((double) Math.sqrt(vi) + eps)) + wi;
        }
    }

    /**
     * A block of rows: {@code y[yOff + r*yRow + i] = x[xOff + r*xRow + i]} (or {@code +=} when
     * {@code accumulate}, one add per element) for {@code r in [0, rows)}, {@code i in [0, n)}. The
     * moves of im2col and col2im (short rows: a convolution's output width). x and y must not
     * overlap; rows of y must not overlap each other when accumulating. This default is plain loops
     * (the scalar backend's); a backend may vectorise it, with the same bits.
     */
    default void copyRows(int rows, int n, double[] x, int xOff, int xRow,
                          double[] y, int yOff, int yRow, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            int xi = xOff + r * xRow, yi = yOff + r * yRow;
            if (accumulate) {
                for (int i = 0; i < n; i++) y[yi + i] += x[xi + i];
            } else {
                System.arraycopy(x, xi, y, yi, n);
            }
        }
    }

    /**
     * One row of col2im in gather form: {@code y[yOff + i] = sum_t x[xOff + rel[t] + i]} for
     * {@code i in [0, n)}, over the terms {@code t in [t0, t1)} with {@code lo[t] <= i < hi[t]},
     * each element's sum taken from +0 in increasing t, one add per term (0 where no term covers
     * it). y is overwritten, not read, and must not overlap x. The row's sum stays in registers
     * across the terms: accumulating the shifted rows into y in memory one by one makes every
     * load wait on the store just before it (a vector store does not forward to a load at another
     * offset). This default is plain loops (the scalar backend's); a backend may vectorise it, with
     * the same bits.
     */
    default void gatherRow(int n, int t0, int t1, double[] x, int xOff, int[] rel, int[] lo, int[] hi,
                           double[] y, int yOff) {
        java.util.Arrays.fill(y, yOff, yOff + n, 0);
        for (int t = t0; t < t1; t++) {
            int xi = xOff + rel[t];
            for (int i = Math.max(lo[t], 0), e = Math.min(hi[t], n); i < e; i++) y[yOff + i] += x[xi + i];
        }
    }

    /**
     * One K block of {@link #gemm} over shifted rows of B, a convolution's im2col matrix read in
     * place: for {@code r in [0, rows)}, {@code C_r = alpha * A B_r + beta * C_r}, where A (m x k)
     * has (i, l) at {@code a[aOff + i*aRow + l*aCol]}, B_r (k x n) has (l, j) at
     * {@code b[bOff + r*bStep + bRows[bRowsOff + l] + j]} and C_r (m x n) has (i, j) at
     * {@code c[cOff + r*cStep + i*cRow + j]}. The order is gemm's chain order for a sum of at most
     * one K block ({@code k <= 512}): each element's sum from +0 with one fused multiply-add per
     * term in increasing l, then {@code C = alpha * s} when beta is 0 (C not read), else
     * {@code alpha * s + C * beta}; so a caller that splits a longer sum at gemm's block boundaries
     * (beta = 1 after the first) gets gemm's bits. C must not overlap A or B, nor the C_r each other.
     * This default is plain loops (the scalar backend's); a backend may vectorise it, same bits.
     */
    default void gemmShifted(int rows, int m, int n, int k, double alpha,
                             double[] a, int aOff, int aRow, int aCol,
                             double[] b, int bOff, int bStep, int[] bRows, int bRowsOff,
                             double beta, double[] c, int cOff, int cStep, int cRow) {
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * aRow, bi = bOff + r * bStep, ci = cOff + r * cStep + i * cRow;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) s = Math.fma(a[ai + l * aCol], b[bi + bRows[bRowsOff + l] + j], s);
                    c[ci + j] = beta == 0 ? alpha * s : alpha * s + c[ci + j] * beta;
                }
            }
        }
    }

    /**
     * A sum over taps of {@link #gemmShifted} products, each tap's K block a chain, written to C
     * once: a stride-1 convolution's input gradient, {@code dx = sum_t W_t^T gy} shifted by tap t,
     * without adding nine products into dx in memory one after the other. For
     * {@code r in [0, rows)}, {@code i in [0, m)}, {@code j in [0, n)}, C_r(i, j) at
     * {@code c[cOff + r*cStep + i*cRow + j]} is overwritten by the sum from +0, in increasing t
     * over the taps {@code t in [0, taps)} that reach it ({@code rowLo[t] <= r < rowHi[t]} and
     * {@code colLo[t] <= j < colHi[t]}), of {@code s_t + sum}, where s_t is the chain of
     * {@link #gemmShifted} (from +0, one fused multiply-add per term in increasing l, {@code k <= 512})
     * over A_t(i, l) at {@code a[aOff + t*aTap + i*aRow + l*aCol]} and B_t,r(l, j) at
     * {@code b[bOff + bTap[t] + r*bStep + l*bRow + j]}; 0 where no tap reaches. B is read only where
     * a tap reaches. So a cleared C and one {@code gemmShifted} (alpha 1, beta 1) per tap over the
     * rows and columns it reaches give the same bits. C must not overlap A or B. This default is
     * plain loops (the scalar backend's); a backend may vectorise it, same bits.
     */
    default void gemmTaps(int rows, int m, int n, int k, int taps,
                          double[] a, int aOff, int aTap, int aRow, int aCol,
                          double[] b, int bOff, int bStep, int bRow, int[] bTap,
                          int[] rowLo, int[] rowHi, int[] colLo, int[] colHi,
                          double[] c, int cOff, int cStep, int cRow) {
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < m; i++) {
                int ci = cOff + r * cStep + i * cRow;
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int t = 0; t < taps; t++) {
                        if (r < rowLo[t] || r >= rowHi[t] || j < colLo[t] || j >= colHi[t]) continue;
                        int ai = aOff + t * aTap + i * aRow, bi = bOff + bTap[t] + r * bStep + j;
                        double s = 0;
                        for (int l = 0; l < k; l++) s = Math.fma(a[ai + l * aCol], b[bi + l * bRow], s);
                        sum = s + sum;
                    }
                    c[ci + j] = sum;
                }
            }
        }
    }

    /**
     * One K block of {@link #gemm} whose A is read through windows, a convolution's kernel
     * gradient without im2col: {@code C = alpha * A B + beta * C} over the K indices
     * {@code p in [p0, p1)} ({@code p1 - p0 <= 512}), where A (m x K) has (i, p) at
     * {@code a[aOff + aRows[aRowsOff + i] + (p / q)*aStep + p % q]} (K runs along rows of q
     * elements, aStep apart), B (K x n) has (p, j) at {@code b[bOff + p*bRow + j*bCol]} and C
     * (m x n) has (i, j) at {@code c[cOff + i*cRow + j*cCol]}. Same order as
     * {@link #gemmShifted}: one FMA chain from +0 in increasing p, then {@code C = alpha * s}
     * (beta 0, C not read) or {@code alpha * s + C * beta}. C must not overlap A or B. This default
     * is plain loops (the scalar backend's); a backend may vectorise it, same bits.
     */
    default void gemmWindows(int m, int n, int p0, int p1, int q, double alpha,
                             double[] a, int aOff, int[] aRows, int aRowsOff, int aStep,
                             double[] b, int bOff, int bRow, int bCol,
                             double beta, double[] c, int cOff, int cRow, int cCol) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + aRows[aRowsOff + i];
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = p0; p < p1; p++) s = Math.fma(a[ai + p / q * aStep + p % q], b[bOff + p * bRow + j * bCol], s);
                int ci = cOff + i * cRow + j * cCol;
                c[ci] = beta == 0 ? alpha * s : alpha * s + c[ci] * beta;
            }
        }
    }
}
