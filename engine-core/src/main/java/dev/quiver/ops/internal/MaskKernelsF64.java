package dev.quiver.ops.internal;

import dev.quiver.ops.Comparison;

/**
 * Strided row loops for comparisons and selection on float64 data; {@code MaskKernelsF32} is
 * generated from this file by {@code tools/twins}. Allocate nothing.
 */
final class MaskKernelsF64 {
    private MaskKernelsF64() {}

    /** These loops behind the dtype-erased {@link MaskKernels}. */
    static final MaskKernels VIEW = new MaskKernels() {
        @Override
        public void compare(Comparison kind, int n, Object a, int ao, int as, Object b, int bo, int bs, boolean[] out, int oo, int os) {
            MaskKernelsF64.compare(kind, n, (double[]) a, ao, as, (double[]) b, bo, bs, out, oo, os);
        }

        @Override
        public void where(int n, boolean[] mask, int mo, int ms, Object a, int ao, int as, Object b, int bo, int bs, Object out, int oo,
                          int os) {
            MaskKernelsF64.where(n, mask, mo, ms, (double[]) a, ao, as, (double[]) b, bo, bs, (double[]) out, oo, os);
        }

        @Override
        public int oneHot(int n, int classes, long[] index64, int[] index32, int io, boolean skipping, long skip, Object out, int oo) {
            return MaskKernelsF64.oneHot(n, classes, index64, index32, io, skipping, skip, (double[]) out, oo);
        }
    };

    /** {@code out[i] = a[i] (kind) b[i]}; NaN compares false except for NE, as in IEEE and NumPy. */
    static void compare(Comparison kind, int n, double[] a, int ao, int as, double[] b, int bo, int bs, boolean[] out, int oo, int os) {
        switch (kind) {
            case LT -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] < b[bo + i * bs]; }
            case LE -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] <= b[bo + i * bs]; }
            case GT -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] > b[bo + i * bs]; }
            case GE -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] >= b[bo + i * bs]; }
            case EQ -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] == b[bo + i * bs]; }
            case NE -> { for (int i = 0; i < n; i++) out[oo + i * os] = a[ao + i * as] != b[bo + i * bs]; }
        }
    }

    /** {@code out[i] = mask[i] ? a[i] : b[i]} (the other operand is not read, so NaN or Inf there does not leak). */
    static void where(int n, boolean[] mask, int mo, int ms, double[] a, int ao, int as, double[] b, int bo, int bs, double[] out, int oo, int os) {
        for (int i = 0; i < n; i++) out[oo + i * os] = mask[mo + i * ms] ? a[ao + i * as] : b[bo + i * bs];
    }

    /**
     * {@code out[i * classes + c] = (c == index[i])} for the contiguous run of n indices, a zero row
     * where {@code skipping} and the index is {@code skip}; returns the position of the first other
     * index outside [0, classes) (its row stays zero), or -1.
     */
    static int oneHot(int n, int classes, long[] index64, int[] index32, int io, boolean skipping, long skip, double[] out, int oo) {
        java.util.Arrays.fill(out, oo, oo + n * classes, 0);
        int bad = -1;
        for (int i = 0; i < n; i++) {
            long c = index64 != null ? index64[io + i] : index32[io + i];
            if (skipping && c == skip) continue;
            if (c >= 0 && c < classes) out[oo + i * classes + (int) c] = 1;
            else if (bad < 0) bad = i;
        }
        return bad;
    }
}
