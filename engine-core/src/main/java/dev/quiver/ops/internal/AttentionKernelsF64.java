package dev.quiver.ops.internal;

/**
 * Row loops of the attention softmax on float64 data; {@code AttentionKernelsF32} is generated
 * from this file by {@code tools/twins}. Allocate nothing.
 */
final class AttentionKernelsF64 {
    private AttentionKernelsF64() {}

    /** These loops behind the dtype-erased {@link AttentionKernels}. */
    static final AttentionKernels VIEW = new AttentionKernels() {
        @Override
        public double/*erased*/ scaleAndMask(int n, Object s, int so, double/*erased*/ scale, boolean[] mask, int mo, int ms, int limit,
                                             Object y, int yo) {
            return AttentionKernelsF64.scaleAndMask(n, (double[]) s, so, (double) scale, mask, mo, ms, limit, (double[]) y, yo);
        }

        @Override
        public void softmaxGrad(int rows, int n, Object p, int po, Object g, int go, double/*erased*/ scale, Object ds, int dso) {
            AttentionKernelsF64.softmaxGrad(rows, n, (double[]) p, po, (double[]) g, go, (double) scale, (double[]) ds, dso);
        }
    };

    /**
     * {@code y[j] = scale * s[j]} where position j takes part ({@code j < limit} and the mask, if
     * any, holds), else -infinity; returns the maximum of the taking part values (-infinity if none).
     */
    static double scaleAndMask(int n, double[] s, int so, double scale, boolean[] mask, int mo, int ms, int limit, double[] y, int yo) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            boolean on = j < limit && (mask == null || mask[mo + j * ms]);
            double v = on ? s[so + j] * scale : Double.NEGATIVE_INFINITY;
            y[yo + j] = v;
            max = Math.max(max, v);
        }
        return max;
    }

    /** {@code dS = scale * P * (g - Σ_j g P)} over rows of length n (the softmax VJP, scaled). */
    static void softmaxGrad(int rows, int n, double[] p, int po, double[] g, int go, double scale, double[] ds, int dso) {
        for (int r = 0; r < rows; r++) {
            int pr = po + r * n, gr = go + r * n, dr = dso + r * n;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                s0 += g[gr + j] * p[pr + j];
                s1 += g[gr + j + 1] * p[pr + j + 1];
                s2 += g[gr + j + 2] * p[pr + j + 2];
                s3 += g[gr + j + 3] * p[pr + j + 3];
            }
            for (; j < n; j++) s0 += g[gr + j] * p[pr + j];
            double dot = (s0 + s1) + (s2 + s3);
            for (j = 0; j < n; j++) ds[dr + j] = scale * p[pr + j] * (g[gr + j] - dot);
        }
    }
}
