package dev.quiver.simd.gemm;

import dev.quiver.backend.scalar.ScalarKernelsF64;
import dev.quiver.backend.Workers;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import dev.quiver.kernel.KernelsF64;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.quiver.simd.gemm.TestGemmF64.View;
import static dev.quiver.simd.gemm.TestGemmF64.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD GEMM against the scalar backend's, bit for bit: both follow {@link CanonicalGemmF64}'s
 * order, so every element must be identical, on 1 and 2 threads of each, at every vector width
 * (CI runs TestGemm* at the preferred width, at 256 bits with the 6-row micro-kernel and at 128
 * bits). Shapes: thin (one row, one column), odd, narrow C on both sides of the split-K rule, K
 * sums past KC (several blocks), the training step's shapes, batches with shared operands,
 * transposed and strided operands, alpha and beta of every kind.
 */
class TestGemmScalarBitsF64 {
    private static final KernelsF64 SCALAR_ONE = new ScalarKernelsF64(new Workers(1));
    private static final KernelsF64 SCALAR_TWO = new ScalarKernelsF64(new Workers(2));
    private static final GemmF64 SIMD_ONE = new GemmF64(new Workers(1));
    private static final GemmF64 SIMD_TWO = new GemmF64(new Workers(2));
    private static final int KC = CanonicalGemmF64.KC;
    private static final int LANES = CanonicalGemmF64.LANES;

    /** Runs all four GEMMs on copies of one C and asserts they agree bitwise with the scalar one-thread result. */
    static void check(Random rng, int batch, int m, int n, int k, boolean ta, boolean tb, boolean tc, int pads,
                      boolean sharedA, boolean sharedB, double alpha, double beta) {
        View a = view(rng, batch, m, k, ta, (pads & 1) != 0, sharedA);
        View b = view(rng, batch, k, n, tb, (pads & 2) != 0, sharedB);
        View c = view(rng, batch, m, n, tc, (pads & 4) != 0, false);
        if (beta == 0) Arrays.fill(c.data(), (double) Double.NaN);   // never read
        double[] expected = c.data().clone();
        SCALAR_ONE.gemm(batch, m, n, k, alpha, a.data(), a.off(), a.batch(), a.row(), a.col(),
                b.data(), b.off(), b.batch(), b.row(), b.col(), beta, expected, c.off(), c.batch(), c.row(), c.col());
        String what = "batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " tc=" + tc
                + " pads=" + pads + " sharedA=" + sharedA + " sharedB=" + sharedB + " alpha=" + alpha + " beta=" + beta
                + " splitK=" + CanonicalGemmF64.splitK(m, n, k, a.col(), b.row());
        for (int run = 0; run < 3; run++) {
            double[] got = c.data().clone();
            if (run == 2) {
                SCALAR_TWO.gemm(batch, m, n, k, alpha, a.data(), a.off(), a.batch(), a.row(), a.col(),
                        b.data(), b.off(), b.batch(), b.row(), b.col(), beta, got, c.off(), c.batch(), c.row(), c.col());
            } else {
                (run == 0 ? SIMD_ONE : SIMD_TWO).gemm(batch, m, n, k, alpha, a.data(), a.off(), a.batch(), a.row(), a.col(),
                        b.data(), b.off(), b.batch(), b.row(), b.col(), beta, got, c.off(), c.batch(), c.row(), c.col());
            }
            String who = run == 0 ? "simd, 1 thread" : run == 1 ? "simd, 2 threads" : "scalar, 2 threads";
            assertArrayEquals(expected, got, who + " differs from scalar, 1 thread: " + what);
        }
    }

    /** Shapes named for the path or rule they exercise. */
    @Test
    void namedShapes() {
        var rng = new Random(21);
        int[][] shapes = {
                // batch, m, n, k
                {1, 1, 1, 1}, {1, 1, 1, 16 * LANES}, {1, 1, 1, KC + 1}, {1, 1, 1, 3 * KC + 7},   // dot products
                {1, 1, 7, 2 * KC + 3}, {1, 1, 300, 700}, {1, 1, 33, 64},                      // row vector times matrix
                {1, 1, 640, 256}, {1, 1, 256, 640}, {1, 1, 128, 16 * LANES - 1},              // x Wᵀ on both sides of the
                {1, 1, 300, 16 * LANES}, {1, 1, 45, 256}, {2, 1, 130, 200}, {1, 1, 13, 7},     // row-vector rule (tb)
                {1, 128, 1, 256}, {1, 300, 1, 640}, {1, 5000, 1, 9},                         // matrix times vector
                {1, 64, 10, 256}, {1, 64, 12, 256}, {1, 64, 16, 256}, {1, 64, 17, 256},       // narrow C
                {1, 64, 10, 16 * LANES - 1}, {1, 64, 10, 16 * LANES}, {1, 64, 10, 2000},      // split-K limits
                {1, 64, 256, 784}, {1, 64, 256, 10}, {1, 256, 10, 64}, {1, 24, 700, 256},     // training step
                {1, 37, 70, 2 * KC + 5}, {1, 97, 130, KC}, {1, 97, 130, KC + 1},              // K blocks
                {1, 150, 170, 300}, {1, 301, 90, 200}, {6, 64, 80, 96}, {2, 1001, 10, 257},   // parallel splits
                {4, 6, 40, 6}, {3, 2, 3, 4}, {2, 13, 17, 700},                               // batches
        };
        int index = 0;
        for (int[] s : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                index++;
                boolean ta = layout == 1 || layout == 3, tb = layout == 2, tc = layout == 3;
                double alpha = index % 3 == 0 ? 1 : index % 3 == 1 ? (double) -0.5 : (double) 1.75;
                double beta = index % 4 == 0 ? 0 : index % 4 == 1 ? 1 : (double) 1.5;
                check(rng, s[0], s[1], s[2], s[3], ta, tb, tc, index % 8, s[0] > 1 && index % 3 == 0,
                        s[0] > 1 && index % 5 == 0, alpha, beta);
            }
        }
    }

    /**
     * The paths of a language model's output layer (GemmF64.Path.THIN_BT: G Wᵀ with a few rows, as the
     * small path on Cᵀ = W Gᵀ over K blocks; SMALL for a short K sum whatever m, Hᵀ G), with unit
     * strides where those paths need them (the padded views of the shapes above miss them): K sums of
     * one and several blocks, one and two column blocks of Cᵀ, every kind of beta.
     */
    @Test
    void thinTransposedBAndShortK() {
        var rng = new Random(23);
        int[][] thinBt = {{1, 21, 40, 2 * KC + 7}, {1, 40, 50, KC + 3}, {2, 5, 300, 700}, {1, 48, 17, 65}, {1, 2, 33, 3 * KC}};
        int[][] shortK = {{1, 300, 520, 21}, {1, 130, 70, 48}, {2, 60, 90, 1}};
        int index = 0;
        for (int[][] shapes : new int[][][] {thinBt, shortK}) {
            boolean tb = shapes == thinBt;
            for (int[] s : shapes) {
                int m = s[1], n = s[2], k = s[3];
                assertEquals(tb ? GemmF64.Path.THIN_BT : GemmF64.Path.SMALL,
                        SIMD_ONE.path(1, m, n, k, tb ? k : 1, tb ? 1 : m, tb ? 1 : n, tb ? k : 1, n, 1), "m=" + m + " n=" + n + " k=" + k);
                for (double beta : new double[] {0, 1, (double) 1.5}) {
                    index++;
                    check(rng, s[0], m, n, k, !tb, tb, false, tb && index % 2 == 0 ? 4 : 0, false, s[0] > 1 && index % 3 == 0,
                            index % 3 == 0 ? (double) -0.5 : 1, beta);
                }
            }
        }
    }

    /**
     * Short K sums against at least four column blocks, where the small path copies A into tile
     * panels: row-major, transposed and strided A, one and several chunks of rows, both tile kernels
     * (a last block of 3 columns), rows past the last full tile, every kind of alpha and beta. (The
     * padded views of check's other callers mostly leave the small path: B or C not unit-stride.)
     */
    @Test
    void shortKTilePanels() {
        var rng = new Random(24);
        int wide = 4 * GemmF64.NR + 3;
        int[][] shapes = {{1, 1000, 48}, {1, 53, 10}, {2, 7, 9}};
        int index = 0;
        for (int[] s : shapes) {
            int m = s[1], k = s[2];
            for (boolean ta : new boolean[] {false, true}) {
                assertEquals(GemmF64.Path.SMALL, SIMD_ONE.path(1, m, wide, k, ta ? 1 : k, ta ? m : 1, wide, 1, wide, 1),
                        "m=" + m + " n=" + wide + " k=" + k + " ta=" + ta);
                for (int pads = 0; pads < 2; pads++) {   // 1: A's fast stride 2
                    for (double beta : new double[] {0, 1, (double) 1.5}) {
                        index++;
                        check(rng, s[0], m, wide, k, ta, false, false, pads, false, s[0] > 1 && index % 2 == 0,
                                index % 3 == 0 ? (double) -0.5 : 1, beta);
                    }
                }
            }
        }
    }

    /**
     * The small path's four-vector tiles (blocks of 2 * NR columns, with 32 vector registers): A in
     * place (K sums past SHORT_K, or C narrower than four two-vector blocks) and A in tile panels
     * (short K sums), row-major and transposed A, a last row tile of 1, 2, 4 or 5 rows, blocks of two and
     * one vectors after the wide ones (8 or 6 rows high), every kind of alpha and beta. 64³ and 16³ are
     * the benchmark's shapes.
     * Every C is wider than 16 columns or a whole number of 256-bit vectors (else split-K at 128 bits).
     */
    @Test
    void wideTiles() {
        var rng = new Random(25);
        int nw = 2 * GemmF64.NR;
        int[][] shapes = {{64, nw, 64}, {64, 64, 64}, {16, 16, 16}, {13, 2 * nw + GemmF64.NR + 3, 64}, {31, 2 * nw + 5, 49},
                {64, 2 * nw + 3, 10}, {17, 4 * nw, 48}, {2, 14, 3 * nw, 5}};
        int index = 0;
        for (int[] s : shapes) {
            int batch = s.length == 4 ? s[0] : 1, m = s[s.length - 3], n = s[s.length - 2], k = s[s.length - 1];
            for (boolean ta : new boolean[] {false, true}) {
                assertEquals(GemmF64.Path.SMALL, SIMD_ONE.path(batch, m, n, k, ta ? 1 : k, ta ? m : 1, n, 1, n, 1),
                        "m=" + m + " n=" + n + " k=" + k + " ta=" + ta);
                for (double beta : new double[] {0, 1, (double) 1.5}) {
                    index++;
                    check(rng, batch, m, n, k, ta, false, false, 0, false, batch > 1 && index % 2 == 0,
                            index % 3 == 1 ? (double) -0.5 : 1, beta);
                }
            }
        }
    }

    /**
     * The four-vector tiles on 4 to 12 rows (A in place), in tiles of 6, 5 or 4 rows, whichever pads
     * the fewest: every such height, C computed directly (wide blocks, then two- and one-vector
     * blocks) and transposed (column-major A and a C of 5 to 11 columns, as 256x64x10t, whose C's
     * tiles go through writeTile), every kind of alpha and beta.
     */
    @Test
    void shortWideTiles() {
        var rng = new Random(26);
        int nw = 2 * GemmF64.NR;
        int index = 0;
        for (int m = 4; m <= 12; m++) {
            int n = 2 * nw + GemmF64.NR + 3;
            for (boolean ta : new boolean[] {false, true}) {
                assertEquals(GemmF64.Path.SMALL, SIMD_ONE.path(1, m, n, 64, ta ? 1 : 64, ta ? m : 1, n, 1, n, 1), "m=" + m + " ta=" + ta);
                for (double beta : new double[] {0, 1, (double) 1.5}) {
                    index++;
                    check(rng, 1, m, n, 64, ta, false, false, 0, false, false, index % 3 == 1 ? (double) -0.5 : 1, beta);
                }
            }
        }
        for (int n : new int[] {5, 7, 9, 10, 11}) {
            for (double beta : new double[] {0, 1, (double) 1.5}) {
                index++;
                check(rng, 1, 4 * nw + 5, n, 64, true, false, false, 0, false, false, index % 3 == 1 ? (double) -0.5 : 1, beta);
            }
        }
        if (10 % (GemmF64.NR / 2) != 0) {
            assertEquals(GemmF64.Path.SMALL_TRANSPOSED, SIMD_ONE.path(1, 256, 10, 64, 1, 256, 10, 1, 10, 1), "256x64x10t");
        }
    }

    /**
     * The output layer of a TreeLSTM minibatch (hidden 128, 5 classes, ~1,280 nodes) and its kind:
     * the weight gradient Hᵀ G (column-major A, narrow C) on the small path transposed, past one K
     * block and past SMALL_MACS (it packed before), and the input gradient G Woutᵀ (a short K sum
     * times a transposed B) with B copied row-major for the small path (Path.SMALL_BT), one and
     * two batch entries, every kind of alpha and beta, unit strides (the paths' condition).
     */
    @Test
    void narrowOutputLayerGradients() {
        var rng = new Random(27);
        int[][] transposed = {{1, 128, 5, 2 * KC + 7}, {2, 70, 11, KC + 1}, {1, 40, 3, 3 * KC}, {1, 128, 5, 1280}};
        int[][] copiedB = {{1, 640, 128, 5}, {2, 100, 37, 2}, {1, 53, 70, GemmF64.SHORT_K}, {1, 49, 3 * GemmF64.NR + 5, 7}};
        int index = 0;
        for (int[][] shapes : new int[][][] {transposed, copiedB}) {
            boolean ta = shapes == transposed;
            for (int[] s : shapes) {
                int batch = s[0], m = s[1], n = s[2], k = s[3];
                assertEquals(ta ? GemmF64.Path.SMALL_TRANSPOSED : GemmF64.Path.SMALL_BT,
                        SIMD_ONE.path(batch, m, n, k, ta ? 1 : k, ta ? m : 1, ta ? n : 1, ta ? 1 : k, n, 1),
                        "batch=" + batch + " m=" + m + " n=" + n + " k=" + k);
                for (double beta : new double[] {0, 1, (double) 1.5}) {
                    index++;
                    check(rng, batch, m, n, k, ta, !ta, false, 0, false, batch > 1 && index % 2 == 0,
                            index % 3 == 0 ? (double) -0.5 : 1, beta);
                }
            }
        }
    }

    /** Random shapes from sizes around every threshold: lanes, tiles, 16 columns, 16 * LANES, KC. */
    @Test
    void randomShapes() {
        var rng = new Random(22);
        int[] mn = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 24, 31, 32, 33, 48, 49, 64, 65, 100};
        int[] ks = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257,
                KC - 1, KC, KC + 1, 700, 2 * KC + 1};
        int splitK = 0;
        for (int t = 0; t < 400; t++) {
            int m = mn[rng.nextInt(mn.length)], n = mn[rng.nextInt(mn.length)], k = ks[rng.nextInt(ks.length)];
            int batch = 1 + (rng.nextInt(4) == 0 ? rng.nextInt(3) : 0);
            boolean ta = rng.nextInt(3) == 0;
            if (!ta && CanonicalGemmF64.splitKNarrow(m, n, k, 1)) splitK++;
            double alpha = rng.nextInt(3) == 0 ? 1 : (double) (rng.nextDouble() * 4 - 2);
            int kind = rng.nextInt(3);
            double beta = kind == 0 ? 0 : kind == 1 ? 1 : (double) (rng.nextDouble() * 4 - 2);
            check(rng, batch, m, n, k, ta, rng.nextInt(3) == 0, rng.nextInt(4) == 0, rng.nextInt(8),
                    batch > 1 && rng.nextBoolean(), batch > 1 && rng.nextBoolean(), alpha, beta);
        }
        assertTrue(splitK >= 20, "too few split-K cases: " + splitK);
    }
}
