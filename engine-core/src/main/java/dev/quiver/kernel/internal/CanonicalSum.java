package dev.quiver.kernel.internal;

/**
 * The canonical order of every floating-point sum in Quiver's kernels (SUM and SUM_SQUARES
 * reductions, hence sums, means, norms, softmax and log-sum-exp denominators): fixed by the
 * problem, not by the vector width or the backend, so the scalar backend and the SIMD backend at
 * 128, 256 or 512 bits give the same bits.
 *
 * <p>A fixed number of logical accumulators, {@link #ACCUMULATORS_F64} = 16 for float64 and
 * {@link #ACCUMULATORS_F32} = 32 for float32 (128 bytes of each dtype): element i of the run goes
 * to accumulator {@code i mod A}, in increasing i, in the run's dtype; a sum of squares adds each
 * term with one fused multiply-add ({@code s = fma(v, v, s)}). The accumulators are then combined
 * by a halving tree: for h = A/2, A/4, ..., 1, {@code acc[j] += acc[j + h]} for j &lt; h; the
 * result is acc[0]. The SIMD backend maps the A accumulators onto A/L vectors of L lanes
 * (accumulator j*L + l is lane l of vector j), so the tree's first levels are vector adds and its
 * last log2(L) levels are lane adds; this class is the same arithmetic written out in scalars.
 *
 * <p>Written out by hand, one local per accumulator (so nothing is allocated and C2 keeps them in
 * registers); no generator produces it. The structure above is the specification, and
 * {@code ScalarKernelsTest} checks both methods bit for bit against a plain array-of-accumulators
 * rendering of it, so an edit that breaks the order fails there.
 */
public final class CanonicalSum {
    /** Logical accumulators of a float64 sum. */
    public static final int ACCUMULATORS_F64 = 16;
    /** Logical accumulators of a float32 sum. */
    public static final int ACCUMULATORS_F32 = 32;

    private CanonicalSum() {}

    /** The canonical float64 sum (or sum of squares, each term {@code Math.fma(v, v, s)}) of the strided run. */
    public static double sum(int n, double[] x, int off, int stride, boolean squares) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int i = 0, xi = off;
        if (squares) {
            for (; i + 16 <= n; i += 16, xi += 16 * stride) {
                double v0 = x[xi]; s0 = Math.fma(v0, v0, s0);
                double v1 = x[xi + stride]; s1 = Math.fma(v1, v1, s1);
                double v2 = x[xi + 2 * stride]; s2 = Math.fma(v2, v2, s2);
                double v3 = x[xi + 3 * stride]; s3 = Math.fma(v3, v3, s3);
                double v4 = x[xi + 4 * stride]; s4 = Math.fma(v4, v4, s4);
                double v5 = x[xi + 5 * stride]; s5 = Math.fma(v5, v5, s5);
                double v6 = x[xi + 6 * stride]; s6 = Math.fma(v6, v6, s6);
                double v7 = x[xi + 7 * stride]; s7 = Math.fma(v7, v7, s7);
                double v8 = x[xi + 8 * stride]; s8 = Math.fma(v8, v8, s8);
                double v9 = x[xi + 9 * stride]; s9 = Math.fma(v9, v9, s9);
                double v10 = x[xi + 10 * stride]; s10 = Math.fma(v10, v10, s10);
                double v11 = x[xi + 11 * stride]; s11 = Math.fma(v11, v11, s11);
                double v12 = x[xi + 12 * stride]; s12 = Math.fma(v12, v12, s12);
                double v13 = x[xi + 13 * stride]; s13 = Math.fma(v13, v13, s13);
                double v14 = x[xi + 14 * stride]; s14 = Math.fma(v14, v14, s14);
                double v15 = x[xi + 15 * stride]; s15 = Math.fma(v15, v15, s15);
            }
        } else {
            for (; i + 16 <= n; i += 16, xi += 16 * stride) {
                s0 += x[xi];
                s1 += x[xi + stride];
                s2 += x[xi + 2 * stride];
                s3 += x[xi + 3 * stride];
                s4 += x[xi + 4 * stride];
                s5 += x[xi + 5 * stride];
                s6 += x[xi + 6 * stride];
                s7 += x[xi + 7 * stride];
                s8 += x[xi + 8 * stride];
                s9 += x[xi + 9 * stride];
                s10 += x[xi + 10 * stride];
                s11 += x[xi + 11 * stride];
                s12 += x[xi + 12 * stride];
                s13 += x[xi + 13 * stride];
                s14 += x[xi + 14 * stride];
                s15 += x[xi + 15 * stride];
            }
        }
        int r = n - i;
        if (r > 0) {
            if (r > 0) { double v = x[xi]; s0 = squares ? Math.fma(v, v, s0) : s0 + v; }
            if (r > 1) { double v = x[xi + stride]; s1 = squares ? Math.fma(v, v, s1) : s1 + v; }
            if (r > 2) { double v = x[xi + 2 * stride]; s2 = squares ? Math.fma(v, v, s2) : s2 + v; }
            if (r > 3) { double v = x[xi + 3 * stride]; s3 = squares ? Math.fma(v, v, s3) : s3 + v; }
            if (r > 4) { double v = x[xi + 4 * stride]; s4 = squares ? Math.fma(v, v, s4) : s4 + v; }
            if (r > 5) { double v = x[xi + 5 * stride]; s5 = squares ? Math.fma(v, v, s5) : s5 + v; }
            if (r > 6) { double v = x[xi + 6 * stride]; s6 = squares ? Math.fma(v, v, s6) : s6 + v; }
            if (r > 7) { double v = x[xi + 7 * stride]; s7 = squares ? Math.fma(v, v, s7) : s7 + v; }
            if (r > 8) { double v = x[xi + 8 * stride]; s8 = squares ? Math.fma(v, v, s8) : s8 + v; }
            if (r > 9) { double v = x[xi + 9 * stride]; s9 = squares ? Math.fma(v, v, s9) : s9 + v; }
            if (r > 10) { double v = x[xi + 10 * stride]; s10 = squares ? Math.fma(v, v, s10) : s10 + v; }
            if (r > 11) { double v = x[xi + 11 * stride]; s11 = squares ? Math.fma(v, v, s11) : s11 + v; }
            if (r > 12) { double v = x[xi + 12 * stride]; s12 = squares ? Math.fma(v, v, s12) : s12 + v; }
            if (r > 13) { double v = x[xi + 13 * stride]; s13 = squares ? Math.fma(v, v, s13) : s13 + v; }
            if (r > 14) { double v = x[xi + 14 * stride]; s14 = squares ? Math.fma(v, v, s14) : s14 + v; }
            if (r > 15) { double v = x[xi + 15 * stride]; s15 = squares ? Math.fma(v, v, s15) : s15 + v; }
        }
        return (((s0 + s8) + (s4 + s12)) + ((s2 + s10) + (s6 + s14))) + (((s1 + s9) + (s5 + s13)) + ((s3 + s11) + (s7 + s15)));
    }

    /** The canonical float32 sum (or sum of squares, each term {@code Math.fma(v, v, s)}) of the strided run. */
    public static float sum(int n, float[] x, int off, int stride, boolean squares) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0, s16 = 0, s17 = 0, s18 = 0, s19 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0, s24 = 0, s25 = 0, s26 = 0, s27 = 0, s28 = 0, s29 = 0, s30 = 0, s31 = 0;
        int i = 0, xi = off;
        if (squares) {
            for (; i + 32 <= n; i += 32, xi += 32 * stride) {
                float v0 = x[xi]; s0 = Math.fma(v0, v0, s0);
                float v1 = x[xi + stride]; s1 = Math.fma(v1, v1, s1);
                float v2 = x[xi + 2 * stride]; s2 = Math.fma(v2, v2, s2);
                float v3 = x[xi + 3 * stride]; s3 = Math.fma(v3, v3, s3);
                float v4 = x[xi + 4 * stride]; s4 = Math.fma(v4, v4, s4);
                float v5 = x[xi + 5 * stride]; s5 = Math.fma(v5, v5, s5);
                float v6 = x[xi + 6 * stride]; s6 = Math.fma(v6, v6, s6);
                float v7 = x[xi + 7 * stride]; s7 = Math.fma(v7, v7, s7);
                float v8 = x[xi + 8 * stride]; s8 = Math.fma(v8, v8, s8);
                float v9 = x[xi + 9 * stride]; s9 = Math.fma(v9, v9, s9);
                float v10 = x[xi + 10 * stride]; s10 = Math.fma(v10, v10, s10);
                float v11 = x[xi + 11 * stride]; s11 = Math.fma(v11, v11, s11);
                float v12 = x[xi + 12 * stride]; s12 = Math.fma(v12, v12, s12);
                float v13 = x[xi + 13 * stride]; s13 = Math.fma(v13, v13, s13);
                float v14 = x[xi + 14 * stride]; s14 = Math.fma(v14, v14, s14);
                float v15 = x[xi + 15 * stride]; s15 = Math.fma(v15, v15, s15);
                float v16 = x[xi + 16 * stride]; s16 = Math.fma(v16, v16, s16);
                float v17 = x[xi + 17 * stride]; s17 = Math.fma(v17, v17, s17);
                float v18 = x[xi + 18 * stride]; s18 = Math.fma(v18, v18, s18);
                float v19 = x[xi + 19 * stride]; s19 = Math.fma(v19, v19, s19);
                float v20 = x[xi + 20 * stride]; s20 = Math.fma(v20, v20, s20);
                float v21 = x[xi + 21 * stride]; s21 = Math.fma(v21, v21, s21);
                float v22 = x[xi + 22 * stride]; s22 = Math.fma(v22, v22, s22);
                float v23 = x[xi + 23 * stride]; s23 = Math.fma(v23, v23, s23);
                float v24 = x[xi + 24 * stride]; s24 = Math.fma(v24, v24, s24);
                float v25 = x[xi + 25 * stride]; s25 = Math.fma(v25, v25, s25);
                float v26 = x[xi + 26 * stride]; s26 = Math.fma(v26, v26, s26);
                float v27 = x[xi + 27 * stride]; s27 = Math.fma(v27, v27, s27);
                float v28 = x[xi + 28 * stride]; s28 = Math.fma(v28, v28, s28);
                float v29 = x[xi + 29 * stride]; s29 = Math.fma(v29, v29, s29);
                float v30 = x[xi + 30 * stride]; s30 = Math.fma(v30, v30, s30);
                float v31 = x[xi + 31 * stride]; s31 = Math.fma(v31, v31, s31);
            }
        } else {
            for (; i + 32 <= n; i += 32, xi += 32 * stride) {
                s0 += x[xi];
                s1 += x[xi + stride];
                s2 += x[xi + 2 * stride];
                s3 += x[xi + 3 * stride];
                s4 += x[xi + 4 * stride];
                s5 += x[xi + 5 * stride];
                s6 += x[xi + 6 * stride];
                s7 += x[xi + 7 * stride];
                s8 += x[xi + 8 * stride];
                s9 += x[xi + 9 * stride];
                s10 += x[xi + 10 * stride];
                s11 += x[xi + 11 * stride];
                s12 += x[xi + 12 * stride];
                s13 += x[xi + 13 * stride];
                s14 += x[xi + 14 * stride];
                s15 += x[xi + 15 * stride];
                s16 += x[xi + 16 * stride];
                s17 += x[xi + 17 * stride];
                s18 += x[xi + 18 * stride];
                s19 += x[xi + 19 * stride];
                s20 += x[xi + 20 * stride];
                s21 += x[xi + 21 * stride];
                s22 += x[xi + 22 * stride];
                s23 += x[xi + 23 * stride];
                s24 += x[xi + 24 * stride];
                s25 += x[xi + 25 * stride];
                s26 += x[xi + 26 * stride];
                s27 += x[xi + 27 * stride];
                s28 += x[xi + 28 * stride];
                s29 += x[xi + 29 * stride];
                s30 += x[xi + 30 * stride];
                s31 += x[xi + 31 * stride];
            }
        }
        int r = n - i;
        if (r > 0) {
            if (r > 0) { float v = x[xi]; s0 = squares ? Math.fma(v, v, s0) : s0 + v; }
            if (r > 1) { float v = x[xi + stride]; s1 = squares ? Math.fma(v, v, s1) : s1 + v; }
            if (r > 2) { float v = x[xi + 2 * stride]; s2 = squares ? Math.fma(v, v, s2) : s2 + v; }
            if (r > 3) { float v = x[xi + 3 * stride]; s3 = squares ? Math.fma(v, v, s3) : s3 + v; }
            if (r > 4) { float v = x[xi + 4 * stride]; s4 = squares ? Math.fma(v, v, s4) : s4 + v; }
            if (r > 5) { float v = x[xi + 5 * stride]; s5 = squares ? Math.fma(v, v, s5) : s5 + v; }
            if (r > 6) { float v = x[xi + 6 * stride]; s6 = squares ? Math.fma(v, v, s6) : s6 + v; }
            if (r > 7) { float v = x[xi + 7 * stride]; s7 = squares ? Math.fma(v, v, s7) : s7 + v; }
            if (r > 8) { float v = x[xi + 8 * stride]; s8 = squares ? Math.fma(v, v, s8) : s8 + v; }
            if (r > 9) { float v = x[xi + 9 * stride]; s9 = squares ? Math.fma(v, v, s9) : s9 + v; }
            if (r > 10) { float v = x[xi + 10 * stride]; s10 = squares ? Math.fma(v, v, s10) : s10 + v; }
            if (r > 11) { float v = x[xi + 11 * stride]; s11 = squares ? Math.fma(v, v, s11) : s11 + v; }
            if (r > 12) { float v = x[xi + 12 * stride]; s12 = squares ? Math.fma(v, v, s12) : s12 + v; }
            if (r > 13) { float v = x[xi + 13 * stride]; s13 = squares ? Math.fma(v, v, s13) : s13 + v; }
            if (r > 14) { float v = x[xi + 14 * stride]; s14 = squares ? Math.fma(v, v, s14) : s14 + v; }
            if (r > 15) { float v = x[xi + 15 * stride]; s15 = squares ? Math.fma(v, v, s15) : s15 + v; }
            if (r > 16) { float v = x[xi + 16 * stride]; s16 = squares ? Math.fma(v, v, s16) : s16 + v; }
            if (r > 17) { float v = x[xi + 17 * stride]; s17 = squares ? Math.fma(v, v, s17) : s17 + v; }
            if (r > 18) { float v = x[xi + 18 * stride]; s18 = squares ? Math.fma(v, v, s18) : s18 + v; }
            if (r > 19) { float v = x[xi + 19 * stride]; s19 = squares ? Math.fma(v, v, s19) : s19 + v; }
            if (r > 20) { float v = x[xi + 20 * stride]; s20 = squares ? Math.fma(v, v, s20) : s20 + v; }
            if (r > 21) { float v = x[xi + 21 * stride]; s21 = squares ? Math.fma(v, v, s21) : s21 + v; }
            if (r > 22) { float v = x[xi + 22 * stride]; s22 = squares ? Math.fma(v, v, s22) : s22 + v; }
            if (r > 23) { float v = x[xi + 23 * stride]; s23 = squares ? Math.fma(v, v, s23) : s23 + v; }
            if (r > 24) { float v = x[xi + 24 * stride]; s24 = squares ? Math.fma(v, v, s24) : s24 + v; }
            if (r > 25) { float v = x[xi + 25 * stride]; s25 = squares ? Math.fma(v, v, s25) : s25 + v; }
            if (r > 26) { float v = x[xi + 26 * stride]; s26 = squares ? Math.fma(v, v, s26) : s26 + v; }
            if (r > 27) { float v = x[xi + 27 * stride]; s27 = squares ? Math.fma(v, v, s27) : s27 + v; }
            if (r > 28) { float v = x[xi + 28 * stride]; s28 = squares ? Math.fma(v, v, s28) : s28 + v; }
            if (r > 29) { float v = x[xi + 29 * stride]; s29 = squares ? Math.fma(v, v, s29) : s29 + v; }
            if (r > 30) { float v = x[xi + 30 * stride]; s30 = squares ? Math.fma(v, v, s30) : s30 + v; }
            if (r > 31) { float v = x[xi + 31 * stride]; s31 = squares ? Math.fma(v, v, s31) : s31 + v; }
        }
        return ((((s0 + s16) + (s8 + s24)) + ((s4 + s20) + (s12 + s28))) + (((s2 + s18) + (s10 + s26)) + ((s6 + s22) + (s14 + s30)))) + ((((s1 + s17) + (s9 + s25)) + ((s5 + s21) + (s13 + s29))) + (((s3 + s19) + (s11 + s27)) + ((s7 + s23) + (s15 + s31))));
    }
}
