package dev.quiver.backend.scalar;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.internal.CanonicalGemmF64;

/**
 * The scalar backend's float64 GEMM: {@code C[p] = alpha * A[p] B[p] + beta * C[p]} with general
 * strides (see {@link dev.quiver.kernel.KernelsF64#gemm}). The float32 twin is generated.
 *
 * <p>Every element is computed in the order {@link CanonicalGemmF64} fixes, as the SIMD backend
 * computes it, so both backends give the same bits: the split-K order (a narrow C with a long K
 * sum) by {@link CanonicalGemmF64#splitKRows}, the chain order by the loops here. Small products
 * run as plain loops, one FMA chain per element and K block. Larger ones are cut into MC x NC
 * tiles of C; for each tile and each KC-deep slice of the sum, A is packed into a contiguous
 * block and B into KC separate row arrays, then two rows of C at a time are accumulated in two
 * row buffers by an i-k-j loop of FMAs (four steps of l per pass, nested in order, so each
 * element still sees one chain in increasing l) and merged into C through C's strides. Each tile
 * is one task with its whole K sum, so the result is bitwise the same whichever thread runs which
 * tile, and whatever the thread count. Packing buffers are per thread and allocated once.
 *
 * <p>Why separate row arrays: C2's superword pass only vectorises a loop whose loads and stores
 * on arrays of one type provably cannot overlap across iterations. Indexing every array with the
 * bare loop variable {@code j} gives that proof (any overlap is within one iteration), whereas
 * different offsets into one packed array do not, and measured 5x slower.
 */
final class ScalarGemmF64 {
    /** Rows of C per tile. */
    static final int MC = 64;
    /** Columns of C per tile (KC x NC of packed B: 1 MB of float64, 512 KB of float32; 64 measured 1.5-2x slower, 512 no faster). */
    static final int NC = 256;
    /** Depth of one packed slice of the sum: the canonical K block, since C is rounded once per block. */
    static final int KC = CanonicalGemmF64.KC;
    /** Below this many multiply-adds, packing costs more than it saves. */
    static final long SMALL = 32 * 32 * 32;
    /** Below this many multiply-adds (~0.5 ms), one thread is faster than a hand-off. */
    static final long PARALLEL = 1L << 22;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private static final class Workspace {
        final double[] a = new double[MC * KC];
        final double[][] b = new double[KC][NC];
        final double[] row0 = new double[NC];
        final double[] row1 = new double[NC];
    }

    private final Workers workers;

    ScalarGemmF64(Workers workers) {
        this.workers = workers;
    }

    void gemm(int batch, int m, int n, int k, double alpha,
              double[] a, int aOff, int aBatch, int aRow, int aCol,
              double[] b, int bOff, int bBatch, int bRow, int bCol,
              double beta,
              double[] c, int cOff, int cBatch, int cRow, int cCol) {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        if (CanonicalGemmF64.splitKNarrow(m, n, k, aCol)) {
            for (int p = 0; p < batch; p++) {
                CanonicalGemmF64.splitKRows(0, m, n, k, alpha, a, aOff + p * aBatch, aRow, b, bOff + p * bBatch, bRow, bCol,
                        beta, c, cOff + p * cBatch, cRow, cCol);
            }
            return;
        }
        if (CanonicalGemmF64.splitKRowVector(m, n, k, bRow)) {
            // Cᵀ = Bᵀ aᵀ: Bᵀ is row-major, and the split-K order is the same per element either way round.
            for (int p = 0; p < batch; p++) {
                CanonicalGemmF64.splitKRows(0, n, 1, k, alpha, b, bOff + p * bBatch, bCol, a, aOff + p * aBatch, aCol, aRow,
                        beta, c, cOff + p * cBatch, cCol, cRow);
            }
            return;
        }
        chain(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol, beta, c, cOff, cBatch, cRow, cCol);
    }

    /** The chain order (see {@link CanonicalGemmF64}), on the problem or its transpose (the same bits). */
    private void chain(int batch, int m, int n, int k, double alpha,
                       double[] a, int aOff, int aBatch, int aRow, int aCol,
                       double[] b, int bOff, int bBatch, int bRow, int bCol,
                       double beta,
                       double[] c, int cOff, int cBatch, int cRow, int cCol) {
        if (cCol != 1 && cRow == 1 && m > 1 && n > 1) {
            // Column-major C: compute Cᵀ = Bᵀ Aᵀ instead, so the tile buffer merges along unit stride.
            chain(batch, n, m, k, alpha, b, bOff, bBatch, bCol, bRow, a, aOff, aBatch, aCol, aRow,
                    beta, c, cOff, cBatch, cCol, cRow);
            return;
        }
        long work = (long) m * n * k;
        // Matrix-vector shapes (n < 4) are dot products along A's rows: packing would cost as much as the work.
        if (k == 0 || work < SMALL || n < 4) {
            for (int p = 0; p < batch; p++) {
                small(m, n, k, alpha, a, aOff + p * aBatch, aRow, aCol, b, bOff + p * bBatch, bRow, bCol,
                        beta, c, cOff + p * cBatch, cRow, cCol);
            }
            return;
        }
        boolean parallel = workers.threads() > 1 && work * batch >= PARALLEL;
        int mc = MC, nc = NC;
        // Too few tiles to keep every thread busy (e.g. 64 x 256 outputs): make them narrower.
        // Safe for determinism: an element's sum does not depend on the tile it belongs to.
        while (parallel && (long) batch * ceilDiv(m, mc) * ceilDiv(n, nc) < 2L * workers.threads() && (nc > 32 || mc > 8)) {
            if (nc > 32) nc = ceilDiv(nc, 2);
            else mc = ceilDiv(mc, 2);
        }
        int tilesM = ceilDiv(m, mc), tilesN = ceilDiv(n, nc);
        int tiles = tilesM * tilesN;
        int tasks = batch * tiles;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                tile(t, tiles, tilesN, mc, nc, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                        beta, c, cOff, cBatch, cRow, cCol);
            }
        } else {
            Job job = JOB.get();
            job.set(tiles, tilesN, mc, nc, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                    beta, c, cOff, cBatch, cRow, cCol);
            try {
                workers.parallelFor(tasks, job);
            } finally {
                job.clear();
            }
        }
    }

    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    /** The arguments of one parallel GEMM, reused per calling thread so that a call allocates nothing. */
    private static final class Job implements java.util.function.IntConsumer {
        int tiles, tilesN, mc, nc, m, n, k, aOff, aBatch, aRow, aCol, bOff, bBatch, bRow, bCol, cOff, cBatch, cRow, cCol;
        double alpha, beta;
        double[] a, b, c;

        void set(int tiles, int tilesN, int mc, int nc, int m, int n, int k, double alpha,
                 double[] a, int aOff, int aBatch, int aRow, int aCol,
                 double[] b, int bOff, int bBatch, int bRow, int bCol,
                 double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
            this.tiles = tiles; this.tilesN = tilesN; this.mc = mc; this.nc = nc; this.m = m; this.n = n; this.k = k; this.alpha = alpha;
            this.a = a; this.aOff = aOff; this.aBatch = aBatch; this.aRow = aRow; this.aCol = aCol;
            this.b = b; this.bOff = bOff; this.bBatch = bBatch; this.bRow = bRow; this.bCol = bCol;
            this.beta = beta; this.c = c; this.cOff = cOff; this.cBatch = cBatch; this.cRow = cRow; this.cCol = cCol;
        }

        /** Drops the array references so that the thread-local does not keep user data alive. */
        void clear() {
            a = null;
            b = null;
            c = null;
        }

        @Override
        public void accept(int t) {
            tile(t, tiles, tilesN, mc, nc, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                    beta, c, cOff, cBatch, cRow, cCol);
        }
    }

    /** Plain loops for small products: per element of C, one FMA chain per K block, merged as the chain order says. */
    private static void small(int m, int n, int k, double alpha,
                              double[] a, int aOff, int aRow, int aCol,
                              double[] b, int bOff, int bRow, int bCol,
                              double beta, double[] c, int cOff, int cRow, int cCol) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * aRow, ci = cOff + i * cRow;
            for (int j = 0; j < n; j++, ci += cCol) {
                int ap = ai, bp = bOff + j * bCol;
                double sum = 0;
                int end = Math.min(k, KC);
                for (int l = 0; l < end; l++, ap += aCol, bp += bRow) sum = Math.fma(a[ap], b[bp], sum);
                double out = beta == 0 ? alpha * sum : alpha * sum + c[ci] * beta;
                for (int l0 = KC; l0 < k; l0 += KC) {
                    sum = 0;
                    end = Math.min(k, l0 + KC);
                    for (int l = l0; l < end; l++, ap += aCol, bp += bRow) sum = Math.fma(a[ap], b[bp], sum);
                    out = alpha * sum + out;
                }
                c[ci] = out;
            }
        }
    }

    /** Computes tile t (batch-major, then row tiles, then column tiles) over the whole K sum. */
    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static void tile(int t, int tiles, int tilesN, int tileM, int tileN, int m, int n, int k, double alpha,
                             double[] a, int aOff, int aBatch, int aRow, int aCol,
                             double[] b, int bOff, int bBatch, int bRow, int bCol,
                             double beta,
                             double[] c, int cOff, int cBatch, int cRow, int cCol) {
        int p = t / tiles, rest = t % tiles;
        int i0 = (rest / tilesN) * tileM, j0 = (rest % tilesN) * tileN;
        int mc = Math.min(tileM, m - i0), nc = Math.min(tileN, n - j0);
        int ap0 = aOff + p * aBatch + i0 * aRow, bp0 = bOff + p * bBatch + j0 * bCol;
        int cp0 = cOff + p * cBatch + i0 * cRow + j0 * cCol;
        Workspace w = WORKSPACE.get();
        double[] pa = w.a, row0 = w.row0, row1 = w.row1;
        double[][] pb = w.b;
        for (int l0 = 0; l0 < k; l0 += KC) {
            int kc = Math.min(KC, k - l0);
            boolean first = l0 == 0;
            packB(b, bp0 + l0 * bRow, bRow, bCol, kc, nc, pb);
            packA(a, ap0 + l0 * aCol, aRow, aCol, mc, kc, pa);
            int i = 0;
            for (; i + 1 < mc; i += 2) {
                multiplyTwoRows(i * kc, kc, nc, pa, pb, row0, row1);
                merge(first, alpha, beta, row0, nc, c, cp0 + i * cRow, cCol);
                merge(first, alpha, beta, row1, nc, c, cp0 + (i + 1) * cRow, cCol);
            }
            if (i < mc) {
                multiplyOneRow(i * kc, kc, nc, pa, pb, row0);
                merge(first, alpha, beta, row0, nc, c, cp0 + i * cRow, cCol);
            }
        }
    }

    /** pb[l][j] = B(l, j) for the kc x nc block. */
    private static void packB(double[] b, int off, int bRow, int bCol, int kc, int nc, double[][] pb) {
        for (int l = 0; l < kc; l++) {
            double[] dst = pb[l];
            int src = off + l * bRow;
            if (bCol == 1) {
                System.arraycopy(b, src, dst, 0, nc);
            } else {
                for (int j = 0; j < nc; j++, src += bCol) dst[j] = b[src];
            }
        }
    }

    /** pa[i * kc + l] = A(i, l). */
    private static void packA(double[] a, int off, int aRow, int aCol, int mc, int kc, double[] pa) {
        for (int i = 0; i < mc; i++) {
            for (int l = 0, src = off + i * aRow, dst = i * kc; l < kc; l++, src += aCol) pa[dst + l] = a[src];
        }
    }

    /**
     * row0 = A(i, :) · B and row1 = A(i + 1, :) · B over the packed slice, one FMA chain per
     * element in increasing l. Four steps of the sum per pass: each pass loads four B rows once
     * for two C rows (8 FMAs per 4 loads of B and 2 loads and stores of the rows per column).
     */
    private static void multiplyTwoRows(int ai, int kc, int nc, double[] pa, double[][] pb, double[] row0, double[] row1) {
        java.util.Arrays.fill(row0, 0, nc, 0);
        java.util.Arrays.fill(row1, 0, nc, 0);
        int ai1 = ai + kc;
        int l = 0;
        for (; l + 3 < kc; l += 4) {
            double a0 = pa[ai + l], a1 = pa[ai + l + 1], a2 = pa[ai + l + 2], a3 = pa[ai + l + 3];
            double e0 = pa[ai1 + l], e1 = pa[ai1 + l + 1], e2 = pa[ai1 + l + 2], e3 = pa[ai1 + l + 3];
            double[] b0 = pb[l], b1 = pb[l + 1], b2 = pb[l + 2], b3 = pb[l + 3];
            for (int j = 0; j < nc; j++) {
                double x0 = b0[j], x1 = b1[j], x2 = b2[j], x3 = b3[j];
                row0[j] = Math.fma(a3, x3, Math.fma(a2, x2, Math.fma(a1, x1, Math.fma(a0, x0, row0[j]))));
                row1[j] = Math.fma(e3, x3, Math.fma(e2, x2, Math.fma(e1, x1, Math.fma(e0, x0, row1[j]))));
            }
        }
        for (; l < kc; l++) {
            double a0 = pa[ai + l], e0 = pa[ai1 + l];
            double[] b0 = pb[l];
            for (int j = 0; j < nc; j++) {
                double x0 = b0[j];
                row0[j] = Math.fma(a0, x0, row0[j]);
                row1[j] = Math.fma(e0, x0, row1[j]);
            }
        }
    }

    /** row = A(i, :) · B over the packed slice (the odd last row of a tile). */
    private static void multiplyOneRow(int ai, int kc, int nc, double[] pa, double[][] pb, double[] row) {
        java.util.Arrays.fill(row, 0, nc, 0);
        int l = 0;
        for (; l + 3 < kc; l += 4) {
            double a0 = pa[ai + l], a1 = pa[ai + l + 1], a2 = pa[ai + l + 2], a3 = pa[ai + l + 3];
            double[] b0 = pb[l], b1 = pb[l + 1], b2 = pb[l + 2], b3 = pb[l + 3];
            for (int j = 0; j < nc; j++) row[j] = Math.fma(a3, b3[j], Math.fma(a2, b2[j], Math.fma(a1, b1[j], Math.fma(a0, b0[j], row[j]))));
        }
        for (; l < kc; l++) {
            double a0 = pa[ai + l];
            double[] b0 = pb[l];
            for (int j = 0; j < nc; j++) row[j] = Math.fma(a0, b0[j], row[j]);
        }
    }

    /**
     * One row of C, as the chain order merges a K block: C = alpha * row + C * beta on the first
     * slice (alpha * row when beta is 0: C not read), C = alpha * row + C after.
     */
    private static void merge(boolean first, double alpha, double beta, double[] row, int nc, double[] c, int dst, int cCol) {
        if (!first || beta == 1) {
            for (int j = 0; j < nc; j++, dst += cCol) c[dst] = alpha * row[j] + c[dst];
        } else if (beta == 0) {
            for (int j = 0; j < nc; j++, dst += cCol) c[dst] = alpha * row[j];
        } else {
            for (int j = 0; j < nc; j++, dst += cCol) c[dst] = alpha * row[j] + c[dst] * beta;
        }
    }
}
