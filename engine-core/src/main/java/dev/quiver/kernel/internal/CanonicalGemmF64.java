package dev.quiver.kernel.internal;

import dev.quiver.kernel.KernelsF64;

/**
 * The canonical order of GEMM's sums ({@link KernelsF64#gemm}: matmul, matrix-vector products,
 * mode-n products): fixed by the problem, not by the vector width, the thread count or the
 * backend, so the scalar backend and the SIMD backend at 128, 256 or 512 bits give the same bits.
 * Source of truth for the generated {@code CanonicalGemmF32}.
 *
 * <p>Every element {@code C(i, j)} of every batch entry is computed in one of two orders; which
 * one is a function of the problem only ({@link #splitK}):
 * <ul>
 * <li><b>Chain</b> (the default): the K sum runs in blocks of {@link #KC} in increasing l; each
 *     block starts from +0 and adds its terms with one fused multiply-add each,
 *     {@code s = fma(A(i, l), B(l, j), s)}, in increasing l; then the first block writes
 *     {@code C = alpha * s + C * beta} ({@code alpha * s} when beta is 0: C is not read) and every
 *     later block {@code C = alpha * s + C} (a multiply, a multiply, an add: no FMA). For k = 0,
 *     {@code C = alpha * 0 + C * beta}. A vector along j (or along i, for the transposed problem
 *     {@code Cᵀ = Bᵀ Aᵀ}) computes exactly this per lane, so every blocking of m and n, every
 *     micro-tile and every split of the output between threads gives the same bits.</li>
 * <li><b>Split-K</b> (a long K sum that is contiguous in one operand while a vector along C's
 *     rows or columns would be mostly padding or need a copy of the matrix: a narrow C with
 *     row-major A, or a row vector times a matrix with contiguous columns, {@code x Wᵀ}):
 *     {@link #LANES} partial sums (256 bits of the dtype: 4 for float64, 8 for
 *     float32), partial q summing the terms {@code l ≡ q (mod LANES)} for
 *     {@code l < k - k % LANES}, each from +0 with one FMA per term in increasing l; then
 *     {@code s = t[0] + t[1] + ... + t[LANES-1]} added left to right, the last {@code k % LANES}
 *     terms joined by FMAs in increasing l, and {@code C = alpha * s + C * beta} ({@code alpha * s}
 *     when beta is 0). No K blocking. A SIMD backend computes the partials in the lanes of one
 *     256-bit vector (a dot product along k); narrower vectors cannot hold them, so below 256 bits
 *     it runs {@link #splitKRows} instead.</li>
 * </ul>
 * The scalar backend runs {@link #splitKRows} and a packed form of the chain order; the tests
 * compare both backends bit for bit at every width and thread count.
 */
public final class CanonicalGemmF64 {
    /** Depth of one block of the chain order's K sum. */
    public static final int KC = 512;
    /** Partial sums of the split-K order: 256 bits of the dtype. */
    public static final int LANES = 32 / Double.BYTES;
    /** Widest C that takes the split-K order. */
    public static final int SPLIT_MAX_N = 16;
    /** Longest K sum that takes the split-K order (its packed copy of B stays bounded). */
    public static final int SPLIT_MAX_K = 1 << 16;
    /** Problems of at most this many multiply-adds per batch entry take the chain order. */
    public static final long TINY_MACS = 1024;

    private CanonicalGemmF64() {}

    /**
     * Whether an m x n x k product with A's column stride {@code aCol} and B's row stride
     * {@code bRow} takes the split-K order (else the chain order): {@link #splitKNarrow}
     * or {@link #splitKRowVector}. Per element the split-K order is symmetric in
     * A and B (each term is one FMA of A(i, l) and B(l, j)), so a backend may compute either rule's
     * problem transposed ({@code Cᵀ = Bᵀ Aᵀ}) and get the same bits.
     */
    public static boolean splitK(int m, int n, int k, int aCol, int bRow) {
        return splitKNarrow(m, n, k, aCol) || splitKRowVector(m, n, k, bRow);
    }

    /**
     * The narrow-C rule: row-major A ({@code aCol == 1}), at most 16 columns and not a whole
     * number of 256-bit vectors of them, {@code 16 * LANES <= k <= SPLIT_MAX_K} (long enough to
     * amortise adding up the partials), and more than {@link #TINY_MACS} multiply-adds.
     */
    public static boolean splitKNarrow(int m, int n, int k, int aCol) {
        return aCol == 1 && n <= SPLIT_MAX_N && n % LANES != 0 && k >= 16 * LANES && k <= SPLIT_MAX_K
                && (long) m * n * k > TINY_MACS;
    }

    /**
     * The row-vector rule: one row of C ({@code m == 1}) from a B whose columns are contiguous
     * ({@code bRow == 1}, e.g. the input gradient {@code g Wᵀ} of a layer {@code x W}), with
     * {@code 16 * LANES <= k <= SPLIT_MAX_K} and more than {@link #TINY_MACS} multiply-adds. It is
     * the matrix-vector product {@code Cᵀ = Bᵀ aᵀ} with row-major {@code Bᵀ}: a dot product along
     * each contiguous column, where a vector along C's row would first need B copied transposed.
     */
    public static boolean splitKRowVector(int m, int n, int k, int bRow) {
        return m == 1 && bRow == 1 && k >= 16 * LANES && k <= SPLIT_MAX_K && (long) n * k > TINY_MACS;
    }

    /**
     * Rows [i0, i1) of {@code C = alpha * A B + beta * C} in the split-K order, in scalars: A(i, l)
     * at {@code a[aBase + i*aRow + l]}, B(l, j) at {@code b[bBase + l*bRow + j*bCol]}, C(i, j) at
     * {@code c[cBase + i*cRow + j*cCol]}. C is modified (not read when beta is 0).
     */
    public static void splitKRows(int i0, int i1, int n, int k, double alpha,
                                  double[] a, int aBase, int aRow,
                                  double[] b, int bBase, int bRow, int bCol,
                                  double beta, double[] c, int cBase, int cRow, int cCol) {
        int kv = k - k % LANES;
        for (int i = i0; i < i1; i++) {
            int ar = aBase + i * aRow;
            for (int j = 0, ci = cBase + i * cRow; j < n; j++, ci += cCol) {
                int bj = bBase + j * bCol;
                double t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0;
                // LANES is 4 or 8: the upper four partials exist only for float32 (the branch folds away).
                for (int l = 0, bl = bj; l < kv; l += LANES, bl += LANES * bRow) {
                    t0 = Math.fma(a[ar + l], b[bl], t0);
                    t1 = Math.fma(a[ar + l + 1], b[bl + bRow], t1);
                    t2 = Math.fma(a[ar + l + 2], b[bl + 2 * bRow], t2);
                    t3 = Math.fma(a[ar + l + 3], b[bl + 3 * bRow], t3);
                    if (LANES == 8) {
                        t4 = Math.fma(a[ar + l + 4], b[bl + 4 * bRow], t4);
                        t5 = Math.fma(a[ar + l + 5], b[bl + 5 * bRow], t5);
                        t6 = Math.fma(a[ar + l + 6], b[bl + 6 * bRow], t6);
                        t7 = Math.fma(a[ar + l + 7], b[bl + 7 * bRow], t7);
                    }
                }
                double s = t0 + t1 + t2 + t3;
                if (LANES == 8) s = s + t4 + t5 + t6 + t7;
                for (int l = kv, bl = bj + kv * bRow; l < k; l++, bl += bRow) s = Math.fma(a[ar + l], b[bl], s);
                c[ci] = beta == 0 ? alpha * s : alpha * s + c[ci] * beta;
            }
        }
    }
}
