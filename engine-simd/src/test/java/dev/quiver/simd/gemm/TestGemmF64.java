package dev.quiver.simd.gemm;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GemmF64 against the plain-loop definition in {@link GemmReference} (accumulated in double).
 * Error bound per element: {@code |C - ref| <= (k + 2) * eps * (|alpha| sum_l |A B| + |beta C|)},
 * the classical worst case for a k-term dot product plus the alpha/beta update; eps is the
 * dtype's machine epsilon. Index or packing bugs produce errors of order 1 relative to that sum.
 */
class TestGemmF64 {
    private static final int[] SIZES = {0, 1, 2, 3, 7, 13, 17, 31, 33, 64, 67, 100};
    private static final GemmF64 ONE_THREAD = new GemmF64(new Workers(1));
    private static final GemmF64 TWO_THREADS = new GemmF64(new Workers(2));

    /** An operand: a (possibly batched, transposed, strided) view into a larger buffer. */
    record View(double[] data, int off, int batch, int row, int col) {
    }

    /**
     * A rows x cols view for batch entries; transposed stores it column-major; padded adds an
     * offset, a fast-dimension stride of 2 and odd leading and batch strides; shared gives batch
     * stride 0. Every element of the buffer is random, so reads outside the view show up.
     */
    static View view(Random rng, int batch, int rows, int cols, boolean transposed, boolean padded, boolean shared) {
        int fastLen = transposed ? rows : cols, slowLen = transposed ? cols : rows;
        int fast = padded ? 2 : 1;
        int lead = Math.max(1, fastLen * fast + (padded ? 3 : 0));
        int batchStride = shared ? 0 : slowLen * lead + (padded ? 5 : 0);
        int off = padded ? 7 : 0;
        int length = off + Math.max(0, batch - 1) * batchStride + slowLen * lead + 1;
        var data = new double[length];
        for (int i = 0; i < length; i++) data[i] = (double) (rng.nextDouble() * 2 - 1);
        return transposed ? new View(data, off, batchStride, fast, lead) : new View(data, off, batchStride, lead, fast);
    }

    /** A rows x cols row-major view with unit column stride but an offset and odd row and batch strides. */
    static View rowMajorPadded(Random rng, int batch, int rows, int cols, boolean shared) {
        int lead = cols + 3, batchStride = shared ? 0 : rows * lead + 5, off = 7;
        int length = off + Math.max(0, batch - 1) * batchStride + rows * lead + 1;
        var data = new double[length];
        for (int i = 0; i < length; i++) data[i] = (double) (rng.nextDouble() * 2 - 1);
        return new View(data, off, batchStride, lead, 1);
    }

    /** Runs gemm and checks every element of every batch entry, and that C's padding is untouched. */
    static void run(GemmF64 gemm, Random rng, int batch, int m, int n, int k, boolean ta, boolean tb, boolean tc,
                    int pads, boolean sharedA, boolean sharedB, double alpha, double beta, boolean nanInC) {
        View a = (pads & 8) != 0 ? rowMajorPadded(rng, batch, m, k, sharedA)
                : view(rng, batch, m, k, ta, (pads & 1) != 0, sharedA);
        View b = view(rng, batch, k, n, tb, (pads & 2) != 0, sharedB);
        View c = view(rng, batch, m, n, tc, (pads & 4) != 0, false);
        if (nanInC) Arrays.fill(c.data, (double) Double.NaN);
        var before = c.data.clone();
        gemm.gemm(batch, m, n, k, alpha, a.data, a.off, a.batch, a.row, a.col,
                b.data, b.off, b.batch, b.row, b.col, beta, c.data, c.off, c.batch, c.row, c.col);
        var inView = new boolean[c.data.length];
        var out = GemmReference.newOut();
        var eps = GemmReference.eps(c.data);
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = c.off + p * c.batch + i * c.row + j * c.col;
                    inView[ci] = true;
                    GemmReference.entry(p, i, j, k, alpha, a.data, a.off, a.batch, a.row, a.col,
                            b.data, b.off, b.batch, b.row, b.col, beta, before[ci], out);
                    var got = c.data[ci];
                    var bound = (k + 2) * eps * out[1];
                    if (!(Math.abs(got - out[0]) <= bound)) {
                        fail("C[" + p + "][" + i + "][" + j + "] = " + got + ", expected " + out[0] + " +- " + bound
                                + " (batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb
                                + " tc=" + tc + " pads=" + pads + " sharedA=" + sharedA + " sharedB=" + sharedB
                                + " alpha=" + alpha + " beta=" + beta + ")");
                    }
                }
            }
        }
        for (int i = 0; i < c.data.length; i++) {
            if (!inView[i] && Double.compare(c.data[i], before[i]) != 0) {
                fail("gemm wrote outside C's view at index " + i + " (m=" + m + " n=" + n + " k=" + k + ")");
            }
        }
    }

    @Test
    void everySizeCombinationAllTransposes() {
        var rng = new Random(1);
        double[] alphas = {1, (double) -0.5, (double) 2.5};
        double[] betas = {0, 1, (double) -1.5};
        int index = 0;
        for (int m : SIZES) {
            for (int n : SIZES) {
                for (int k : SIZES) {
                    for (int t = 0; t < 4; t++, index++) {
                        run(ONE_THREAD, rng, 1, m, n, k, (t & 1) != 0, (t & 2) != 0, index % 3 == 0, (index / 4) % 8,
                                false, false, alphas[index % 3], betas[(index / 3) % 3], false);
                    }
                }
            }
        }
    }

    /** Unit-stride rows of B and C: small problems take the unpacked path with masked tails. */
    @Test
    void unitStrideSmallPath() {
        var rng = new Random(6);
        int index = 0;
        for (int m : SIZES) {
            for (int n : SIZES) {
                for (int k : SIZES) {
                    if ((long) m * n * k > GemmF64.SMALL_MACS) continue;
                    index++;
                    run(ONE_THREAD, rng, 1 + index % 2, m, n, k, index % 3 == 0, false, false, index % 2, false, false,
                            index % 2 == 0 ? 1 : (double) -0.5, index % 4 == 0 ? 0 : (double) 1.5, index % 4 == 0);
                }
            }
        }
    }

    /** A few rows against a wide B (more than NC columns, past SMALL_MACS): the small path too, on one thread. */
    @Test
    void thinAWideBSmallPath() {
        var rng = new Random(16);
        int index = 0;
        for (int m : new int[] {7, GemmF64.THIN_M}) {
            for (int k : new int[] {65, GemmF64.KC}) {
                int n = GemmF64.NC + 3;
                assertTrue((long) m * n * k > GemmF64.SMALL_MACS);
                index++;
                run(ONE_THREAD, rng, 1, m, n, k, index % 2 == 0, false, false, 0, false, false,
                        index % 3 == 0 ? 1 : (double) -0.5, index % 2 == 0 ? 0 : (double) 1.5, index % 2 == 0);
            }
        }
    }

    /**
     * Row-major A (unit column stride), n up to SPLIT_MAX_N and not a multiple of the split-K lanes, and k
     * of at least 16 vectors take the dot path (vectorised along k): every n from 1 to past the
     * limit, k around multiples of the lane count (vector tail), row counts around the 4-row
     * tile, strided and transposed B and C, batches with a shared B.
     */
    @Test
    void dotPathOddSizesAndStrides() {
        var rng = new Random(7);
        int lanes = CanonicalGemmF64.LANES;
        int[] ks = {16 * lanes, 16 * lanes + 1, 16 * lanes + lanes - 1, 67, 257};
        int[] ms = {1, 3, 4, 5, 17, 64};
        int index = 0;
        for (int n = 1; n <= CanonicalGemmF64.SPLIT_MAX_N + 1; n++) {
            for (int k : ks) {
                for (int m : ms) {
                    index++;
                    int pads = (index % 2 == 0 ? 8 : 0) | (index % 3 == 0 ? 2 : 0) | (index % 5 == 0 ? 4 : 0);
                    boolean betaZero = index % 4 == 0;
                    run(ONE_THREAD, rng, 1 + index % 3, m, n, k, false, index % 7 == 0, index % 6 == 0, pads,
                            false, index % 9 == 0, index % 2 == 0 ? 1 : (double) -0.5, betaZero ? 0 : (double) 1.5,
                            betaZero);
                }
            }
        }
    }

    /**
     * Column-major A (aRow = 1) with narrow C takes the small path on the transposed problem
     * C^T = B^T A^T (vectors along m): m from two vectors up, n up to past SPLIT_MAX_N, short and
     * long K sums, strided and transposed B and C, batches.
     */
    @Test
    void transposedANarrowC() {
        var rng = new Random(8);
        int lanes = GemmF64.vectorBits() / Double.SIZE;
        int[] ms = {lanes, lanes + 3, 2 * lanes, 2 * lanes + 1, 67, 100, 256};
        int[] ks = {1, 7, 64, 67, 640};
        int index = 0;
        for (int n = 1; n <= CanonicalGemmF64.SPLIT_MAX_N + 1; n++) {
            for (int m : ms) {
                for (int k : ks) {
                    index++;
                    int pads = (index % 3 == 0 ? 2 : 0) | (index % 5 == 0 ? 4 : 0);
                    boolean betaZero = index % 4 == 0;
                    run(ONE_THREAD, rng, 1 + index % 2, m, n, k, true, index % 7 == 0, index % 6 == 0, pads,
                            false, index % 9 == 0, index % 2 == 0 ? 1 : (double) -0.5, betaZero ? 0 : (double) 1.5,
                            betaZero);
                }
            }
        }
    }

    @Test
    void betaZeroNeverReadsC() {
        var rng = new Random(2);
        for (int size : new int[]{1, 7, 33, 100}) {
            run(ONE_THREAD, rng, 2, size, size + 3, size, false, false, false, 0, false, false, (double) 1.5, 0, true);
            run(ONE_THREAD, rng, 2, size + 1, size, size + 2, true, true, true, 7, false, false, (double) 1.5, 0, true);
        }
        // k == 0 takes the scaling path.
        run(ONE_THREAD, rng, 1, 5, 9, 0, false, false, false, 0, false, false, 1, 0, true);
        run(ONE_THREAD, rng, 1, 5, 9, 0, false, false, false, 7, false, false, 1, (double) 0.5, false);
    }

    @Test
    void batchedWithAndWithoutSharedOperands() {
        var rng = new Random(3);
        // The last shape's first K block is too large to pack a shared A whole (the fallback order).
        int[][] shapes = {{3, 13, 17, 31}, {5, 64, 33, 67}, {4, 100, 7, 300}, {2, 1, 1, 1},
                {2, GemmF64.SHARED_A_MAX / GemmF64.KC + 5, 3, GemmF64.KC + 9}};
        for (int[] s : shapes) {
            for (int share = 0; share < 4; share++) {
                boolean sharedA = (share & 1) != 0, sharedB = (share & 2) != 0;
                run(ONE_THREAD, rng, s[0], s[1], s[2], s[3], share == 1, share == 2, false, share % 2 == 0 ? 0 : 5,
                        sharedA, sharedB, (double) -0.5, share == 3 ? 0 : 1, false);
                run(TWO_THREADS, rng, s[0], s[1], s[2], s[3], false, true, true, 7,
                        sharedA, sharedB, 1, (double) -1.5, false);
            }
        }
    }

    /** Crosses every block boundary: m > MC, n > NC, k > KC (several K blocks accumulate). */
    @Test
    void largerThanEveryBlock() {
        var rng = new Random(4);
        int m = GemmF64.MC + GemmF64.MR + 1, n = GemmF64.NC + GemmF64.NR + 3, k = 2 * GemmF64.KC + 5;
        run(TWO_THREADS, rng, 1, m, n, k, false, false, false, 0, false, false, 1, (double) 0.5, false);
        run(ONE_THREAD, rng, 1, 2 * GemmF64.MC + 5, 67, GemmF64.KC + 1, true, true, true, 7, false, false, -1, 1, false);
    }

    /** Multi-threaded results must be bitwise identical to single-threaded ones, for every split. */
    @Test
    void bitwiseIdenticalForOneAndTwoThreads() {
        int[][] shapes = {
                {1, 150, 170, 300},  // split over columns
                {1, 301, 90, 200},   // split over rows
                {6, 64, 80, 96},     // split over the batch
                {1, 37, 2 * GemmF64.NC + 5, 70}, // several NC blocks, uneven column split
                {2, 1001, 10, 257},  // the dot path (narrow C), split over rows
        };
        for (int[] s : shapes) {
            assertTrue((long) s[0] * s[1] * s[2] * s[3] >= GemmF64.PARALLEL_MIN_MACS, "shape must run in parallel");
            for (int variant = 0; variant < 2; variant++) {
                var rng = new Random(5 + variant);
                boolean t = variant == 1;
                View a = view(rng, s[0], s[1], s[3], t, t, false);
                View b = view(rng, s[0], s[3], s[2], !t, false, variant == 1);
                View c1 = view(rng, s[0], s[1], s[2], false, t, false);
                var c2 = c1.data.clone();
                ONE_THREAD.gemm(s[0], s[1], s[2], s[3], (double) 0.75, a.data, a.off, a.batch, a.row, a.col,
                        b.data, b.off, b.batch, b.row, b.col, (double) 0.25, c1.data, c1.off, c1.batch, c1.row, c1.col);
                TWO_THREADS.gemm(s[0], s[1], s[2], s[3], (double) 0.75, a.data, a.off, a.batch, a.row, a.col,
                        b.data, b.off, b.batch, b.row, b.col, (double) 0.25, c2, c1.off, c1.batch, c1.row, c1.col);
                assertArrayEquals(c1.data, c2, "1 vs 2 threads differ for shape " + Arrays.toString(s));
            }
        }
    }

    /** -Dquiver.simd.bits=128|256 (as the SIMD backend's tests use it) narrows the species. */
    @Test
    void honoursForcedVectorWidth() {
        String bits = System.getProperty("quiver.simd.bits");
        if (bits == null || bits.isBlank()) return;
        assertTrue(GemmF64.vectorBits() <= Integer.parseInt(bits.trim()),
                "forced " + bits + " bits, got " + GemmF64.vectorBits());
    }

    @Test
    void badArgumentsAreRejectedUpFront() {
        var a = new double[12];
        var b = new double[12];
        var c = new double[12];
        var e = assertThrows(IllegalArgumentException.class,
                () -> ONE_THREAD.gemm(1, 3, 4, 4, 1, a, 0, 0, 4, 1, b, 0, 0, 4, 1, 0, c, 0, 0, 4, 1));
        assertTrue(e.getMessage().contains("gemm") && e.getMessage().contains("operand B"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE_THREAD.gemm(1, -1, 4, 4, 1, a, 0, 0, 4, 1, b, 0, 0, 4, 1, 0, c, 0, 0, 4, 1));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE_THREAD.gemm(2, 3, 4, 3, 1, a, 0, 0, 3, 1, b, 0, 0, 4, 1, 0, c, 0, 12, 4, 1));
        assertTrue(e.getMessage().contains("operand C"), e.getMessage());
        assertEquals(0, c[0]);
    }
}
