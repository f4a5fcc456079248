package dev.quiver.simd;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The convolution's in-place GEMM kernels on the SIMD backend equal the scalar backend's plain
 * loops bit for bit: {@code gemmShifted} (B's rows from an offset table, C per shifted row) and
 * {@code gemmWindows} (A's rows read through windows of q elements), {@code gemmTaps} (a sum of
 * shifted products over kernel taps), both dtypes, sizes around
 * the vector and tile widths, up to a whole gemm K block, alpha and beta of 0, 1 and others, B
 * reaching the end of its array (the zero-padded fallback), and everything outside C untouched.
 * With uniform offsets both are also {@code gemm} itself, same bits on both backends: the chain
 * order the convolution relies on.
 */
class ConvGemmAgreementTest {
    final KernelsF64 simd64 = Backends.create("simd", 1).f64(), scalar64 = Backends.create("scalar", 1).f64();
    final KernelsF32 simd32 = Backends.create("simd", 1).f32(), scalar32 = Backends.create("scalar", 1).f32();
    static final double[] SCALES = {0, 1, -0.5};

    @Test
    void gemmShiftedMatchesTheScalarLoopsAndGemm() {
        SplittableRandom r = new SplittableRandom(161);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(4), m = 1 + r.nextInt(trial % 4 == 0 ? 110 : 30), n = 1 + r.nextInt(70);
            int k = trial % 25 == 0 ? 512 : r.nextInt(trial % 3 == 0 ? 300 : 40);
            double alpha = trial % 5 == 0 ? -0.5 : 1, beta = SCALES[r.nextInt(3)];
            boolean uniform = trial % 2 == 0;
            int bRow = n + r.nextInt(4), bStep = r.nextInt(1, 30), bRowsOff = r.nextInt(3);
            int[] bRows = new int[bRowsOff + k];
            for (int l = 0; l < k; l++) bRows[bRowsOff + l] = uniform ? l * bRow : r.nextInt(0, 200);
            int aOff = r.nextInt(3), aRow = k + r.nextInt(3), bOff = r.nextInt(3), cOff = r.nextInt(3), cStep = n + r.nextInt(3);
            int cRow = rows * cStep + r.nextInt(3);
            int maxRow = 0;
            for (int l = 0; l < k; l++) maxRow = Math.max(maxRow, bRows[bRowsOff + l]);
            // B ends right after its last element (the fallback at the array's end) or a little later.
            int bLen = bOff + (rows - 1) * bStep + maxRow + n + (trial % 3 == 0 ? 0 : r.nextInt(40));
            double[] a = random(r, aOff + m * aRow + 2), b = random(r, bLen), c1 = random(r, cOff + m * cRow + 3);
            double[] c2 = c1.clone();
            scalar64.gemmShifted(rows, m, n, k, alpha, a, aOff, aRow, 1, b, bOff, bStep, bRows, bRowsOff, beta, c1, cOff, cStep, cRow);
            simd64.gemmShifted(rows, m, n, k, alpha, a, aOff, aRow, 1, b, bOff, bStep, bRows, bRowsOff, beta, c2, cOff, cStep, cRow);
            String what = "rows=" + rows + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta + " uniform=" + uniform;
            assertArrayEquals(c1, c2, "f64 " + what);
            float[] af = floats(a), bf = floats(b), z1 = floats(c1), z2 = z1.clone();
            scalar32.gemmShifted(rows, m, n, k, (float) alpha, af, aOff, aRow, 1, bf, bOff, bStep, bRows, bRowsOff, (float) beta, z1, cOff, cStep, cRow);
            simd32.gemmShifted(rows, m, n, k, (float) alpha, af, aOff, aRow, 1, bf, bOff, bStep, bRows, bRowsOff, (float) beta, z2, cOff, cStep, cRow);
            assertArrayEquals(z1, z2, "f32 " + what);
            if (uniform && rows == 1 && !CanonicalGemmF64.splitK(m, n, k, 1, bRow)) {
                for (KernelsF64 g : new KernelsF64[] {scalar64, simd64}) {
                    double[] c3 = c2.clone(), c4 = c2.clone();
                    g.gemm(1, m, n, k, alpha, a, aOff, 0, aRow, 1, b, bOff, 0, bRow, 1, beta, c3, cOff, 0, cRow, 1);
                    g.gemmShifted(1, m, n, k, alpha, a, aOff, aRow, 1, b, bOff, bStep, bRows, bRowsOff, beta, c4, cOff, cStep, cRow);
                    assertArrayEquals(c3, c4, "f64 gemm " + what);
                }
            }
        }
    }

    @Test
    void gemmWindowsMatchesTheScalarLoopsAndGemm() {
        SplittableRandom r = new SplittableRandom(162);
        for (int trial = 0; trial < 300; trial++) {
            int m = 1 + r.nextInt(trial % 4 == 0 ? 40 : 14), n = 1 + r.nextInt(trial % 3 == 0 ? 150 : 70);
            int q = 1 + r.nextInt(40), p0 = r.nextInt(60), k = trial % 25 == 0 ? 512 : r.nextInt(trial % 3 == 0 ? 300 : 50);
            int p1 = p0 + k, aStep = q + r.nextInt(5), aRowsOff = r.nextInt(3);
            double alpha = trial % 5 == 0 ? -0.5 : 1, beta = SCALES[r.nextInt(3)];
            boolean uniform = trial % 2 == 0;
            // uniform: one window row of length p1 per row of A, i.e. a plain row-major A with p0 = 0.
            if (uniform) {
                p0 = 0;
                p1 = k;
                q = Math.max(k, 1);
                aStep = q;
            }
            int span = (Math.max(p1, 1) - 1) / q * aStep + q;
            int[] aRows = new int[aRowsOff + m];
            for (int i = 0; i < m; i++) aRows[aRowsOff + i] = uniform ? i * span : r.nextInt(0, 100);
            int aOff = r.nextInt(3), bOff = r.nextInt(3), cOff = r.nextInt(3);
            boolean transposedB = r.nextBoolean(), transposedC = r.nextBoolean();
            int bRow = transposedB ? 1 : n + r.nextInt(3), bCol = transposedB ? p1 + r.nextInt(3) : 1;
            int cRow = transposedC ? 1 : n + r.nextInt(3), cCol = transposedC ? m + r.nextInt(3) : 1;
            int aLen = aOff + (uniform ? m * span : 100 + span) + 1;
            double[] a = random(r, aLen), b = random(r, bOff + p1 * bRow + n * bCol + 2), c1 = random(r, cOff + m * cRow + n * cCol + 3);
            double[] c2 = c1.clone();
            scalar64.gemmWindows(m, n, p0, p1, q, alpha, a, aOff, aRows, aRowsOff, aStep, b, bOff, bRow, bCol, beta, c1, cOff, cRow, cCol);
            simd64.gemmWindows(m, n, p0, p1, q, alpha, a, aOff, aRows, aRowsOff, aStep, b, bOff, bRow, bCol, beta, c2, cOff, cRow, cCol);
            String what = "m=" + m + " n=" + n + " p=[" + p0 + ", " + p1 + ") q=" + q + " aStep=" + aStep + " alpha=" + alpha + " beta=" + beta;
            assertArrayEquals(c1, c2, "f64 " + what);
            float[] af = floats(a), bf = floats(b), z1 = floats(c1), z2 = z1.clone();
            scalar32.gemmWindows(m, n, p0, p1, q, (float) alpha, af, aOff, aRows, aRowsOff, aStep, bf, bOff, bRow, bCol, (float) beta, z1, cOff, cRow, cCol);
            simd32.gemmWindows(m, n, p0, p1, q, (float) alpha, af, aOff, aRows, aRowsOff, aStep, bf, bOff, bRow, bCol, (float) beta, z2, cOff, cRow, cCol);
            assertArrayEquals(z1, z2, "f32 " + what);
            if (uniform && !CanonicalGemmF64.splitK(m, n, k, 1, bRow)) {
                for (KernelsF64 g : new KernelsF64[] {scalar64, simd64}) {
                    double[] c3 = c2.clone(), c4 = c2.clone();
                    g.gemm(1, m, n, k, alpha, a, aOff, 0, span, 1, b, bOff, 0, bRow, bCol, beta, c3, cOff, 0, cRow, cCol);
                    g.gemmWindows(m, n, p0, p1, q, alpha, a, aOff, aRows, aRowsOff, aStep, b, bOff, bRow, bCol, beta, c4, cOff, cRow, cCol);
                    assertArrayEquals(c3, c4, "f64 gemm " + what);
                }
            }
        }
    }

    /**
     * gemmTaps equals the scalar loops, and a cleared C plus one gemmShifted (alpha 1, beta 1) per
     * tap over the rows and columns it reaches, on both backends: taps reaching part of a row from
     * either side or nothing, rows the taps skip, B touching both ends of its array (the copied
     * fallback), widths around a tile.
     */
    @Test
    void gemmTapsMatchesTheScalarLoopsAndTapByTapShifted() {
        SplittableRandom r = new SplittableRandom(163);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(5), m = 1 + r.nextInt(trial % 4 == 0 ? 40 : 14), n = 1 + r.nextInt(trial % 3 == 0 ? 70 : 34);
            int k = trial % 25 == 0 ? 512 : r.nextInt(trial % 3 == 0 ? 100 : 20), taps = r.nextInt(10);
            int aTap = 1 + r.nextInt(2), aRow = taps * aTap + r.nextInt(2), aCol = m * aRow + r.nextInt(3), aOff = r.nextInt(3);
            int bRow = rows * (n + 2) + r.nextInt(5), bStep = n + r.nextInt(3), cOff = r.nextInt(3), cStep = n + r.nextInt(3);
            int cRow = rows * cStep + r.nextInt(3);
            int[] bTap = new int[taps], rowLo = new int[taps], rowHi = new int[taps], colLo = new int[taps], colHi = new int[taps];
            int bOff = 3;
            for (int t = 0; t < taps; t++) {
                rowLo[t] = r.nextInt(-1, 3);
                rowHi[t] = rowLo[t] + r.nextInt(rows + 2);
                colLo[t] = r.nextInt(-2, 3);
                colHi[t] = r.nextInt(5) == 0 ? colLo[t] : n - r.nextInt(-2, 4);
                // Shifts of a few elements either way: B's first reached element may be its array's first,
                // and a tile's first vector may start before it (a tap that skips column 0).
                bTap[t] = r.nextInt(-3, 4) - (colLo[t] >= 1 ? 1 : 0);
            }
            int lastB = bOff + 3 + (rows - 1) * bStep + Math.max(k - 1, 0) * bRow + n + 2;
            double[] a = random(r, aOff + taps * aTap + m * aRow + Math.max(k, 1) * aCol), b = random(r, lastB + (trial % 2 == 0 ? 0 : 9));
            double[] c1 = random(r, cOff + m * cRow + 3), c2 = c1.clone();
            String what = "rows=" + rows + " m=" + m + " n=" + n + " k=" + k + " taps=" + taps;
            scalar64.gemmTaps(rows, m, n, k, taps, a, aOff, aTap, aRow, aCol, b, bOff, bStep, bRow, bTap, rowLo, rowHi, colLo, colHi, c1, cOff, cStep, cRow);
            simd64.gemmTaps(rows, m, n, k, taps, a, aOff, aTap, aRow, aCol, b, bOff, bStep, bRow, bTap, rowLo, rowHi, colLo, colHi, c2, cOff, cStep, cRow);
            assertArrayEquals(c1, c2, "f64 " + what);
            float[] af = floats(a), bf = floats(b), z1 = floats(c1), z2 = z1.clone();
            scalar32.gemmTaps(rows, m, n, k, taps, af, aOff, aTap, aRow, aCol, bf, bOff, bStep, bRow, bTap, rowLo, rowHi, colLo, colHi, z1, cOff, cStep, cRow);
            simd32.gemmTaps(rows, m, n, k, taps, af, aOff, aTap, aRow, aCol, bf, bOff, bStep, bRow, bTap, rowLo, rowHi, colLo, colHi, z2, cOff, cStep, cRow);
            assertArrayEquals(z1, z2, "f32 " + what);
            if (k == 0 || k > CanonicalGemmF64.KC) continue;
            int[] bRows = new int[k];
            for (int l = 0; l < k; l++) bRows[l] = l * bRow;
            for (KernelsF64 g : new KernelsF64[] {scalar64, simd64}) {
                double[] c3 = c1.clone();
                for (int i = 0; i < m; i++) for (int r0 = 0; r0 < rows; r0++) java.util.Arrays.fill(c3, cOff + r0 * cStep + i * cRow, cOff + r0 * cStep + i * cRow + n, 0);
                for (int t = 0; t < taps; t++) {
                    int r0 = Math.max(rowLo[t], 0), r1 = Math.min(rowHi[t], rows), j0 = Math.max(colLo[t], 0), j1 = Math.min(colHi[t], n);
                    if (r1 <= r0 || j1 <= j0) continue;
                    g.gemmShifted(r1 - r0, m, j1 - j0, k, 1, a, aOff + t * aTap, aRow, aCol, b, bOff + bTap[t] + r0 * bStep + j0, bStep, bRows, 0,
                            1, c3, cOff + r0 * cStep + j0, cStep, cRow);
                }
                assertArrayEquals(c3, c1, "f64 tap by tap " + what);
            }
        }
    }

    private static double[] random(SplittableRandom r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(9) == 0 ? -0.0 : r.nextDouble(-4, 4);
        return x;
    }

    private static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }
}
