package dev.quiver.simd;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@code copyRows} (im2col's and col2im's moves) on the SIMD backend equals the scalar backend's
 * plain loops bit for bit, copying and accumulating, for row lengths around every vector width
 * (0..70), row strides shorter and longer than a row, offsets, and the elements between and
 * after the rows left untouched (a tail mask that writes too far fails here); likewise
 * {@code gatherRow} (col2im's gather form), with terms reaching past either end of the row, -0
 * terms, and the elements around the row untouched.
 */
class CopyRowsAgreementTest {
    final KernelsF64 simd64 = Backends.create("simd", 1).f64(), scalar64 = Backends.create("scalar", 1).f64();
    final KernelsF32 simd32 = Backends.create("simd", 1).f32(), scalar32 = Backends.create("scalar", 1).f32();

    @Test
    void copyRowsMatchesTheScalarLoops() {
        SplittableRandom random = new SplittableRandom(16);
        for (int n = 0; n <= 70; n++) {
            for (int t = 0; t < 6; t++) {
                int rows = random.nextInt(1, 6), xRow = n + random.nextInt(0, 5), yRow = n + random.nextInt(0, 5);
                int xOff = random.nextInt(0, 4), yOff = random.nextInt(0, 4);
                boolean acc = random.nextBoolean();
                int xLen = xOff + rows * xRow + 3, yLen = yOff + rows * yRow + 3;
                double[] x = new double[xLen], y1 = new double[yLen];
                for (int i = 0; i < xLen; i++) x[i] = random.nextDouble(-4, 4);
                for (int i = 0; i < yLen; i++) y1[i] = random.nextDouble(-4, 4);
                double[] y2 = y1.clone();
                scalar64.copyRows(rows, n, x, xOff, xRow, y1, yOff, yRow, acc);
                simd64.copyRows(rows, n, x, xOff, xRow, y2, yOff, yRow, acc);
                assertArrayEquals(y1, y2, "f64 n=" + n + " rows=" + rows + " acc=" + acc);
                float[] xf = new float[xLen], z1 = new float[yLen];
                for (int i = 0; i < xLen; i++) xf[i] = (float) x[i];
                for (int i = 0; i < yLen; i++) z1[i] = (float) random.nextDouble(-4, 4);
                float[] z2 = z1.clone();
                scalar32.copyRows(rows, n, xf, xOff, xRow, z1, yOff, yRow, acc);
                simd32.copyRows(rows, n, xf, xOff, xRow, z2, yOff, yRow, acc);
                assertArrayEquals(z1, z2, "f32 n=" + n + " rows=" + rows + " acc=" + acc);
            }
        }
    }

    @Test
    void gatherRowMatchesTheScalarLoops() {
        SplittableRandom random = new SplittableRandom(17);
        for (int n = 0; n <= 70; n++) {
            for (int t = 0; t < 6; t++) {
                int terms = random.nextInt(0, 10), t0 = random.nextInt(0, 3), xOff = random.nextInt(n + 8, 2 * n + 16);
                int[] rel = new int[t0 + terms], lo = new int[t0 + terms], hi = new int[t0 + terms];
                for (int q = t0; q < t0 + terms; q++) {
                    rel[q] = random.nextInt(-n - 6, n + 6);
                    lo[q] = random.nextInt(-3, n + 2);
                    hi[q] = random.nextInt(lo[q] - 1, n + 4);
                }
                int xLen = xOff + 2 * n + 12, yOff = random.nextInt(0, 4), yLen = yOff + n + 3;
                double[] x = new double[xLen], y1 = new double[yLen];
                float[] xf = new float[xLen], z1 = new float[yLen];
                for (int i = 0; i < xLen; i++) {
                    x[i] = random.nextInt(4) == 0 ? -0.0 : random.nextDouble(-4, 4);
                    xf[i] = (float) x[i];
                }
                for (int i = 0; i < yLen; i++) y1[i] = z1[i] = random.nextInt(-9, 9);
                double[] y2 = y1.clone();
                float[] z2 = z1.clone();
                String what = "n=" + n + " terms " + java.util.Arrays.toString(rel) + java.util.Arrays.toString(lo) + java.util.Arrays.toString(hi);
                scalar64.gatherRow(n, t0, t0 + terms, x, xOff, rel, lo, hi, y1, yOff);
                simd64.gatherRow(n, t0, t0 + terms, x, xOff, rel, lo, hi, y2, yOff);
                assertArrayEquals(y1, y2, "f64 " + what);
                scalar32.gatherRow(n, t0, t0 + terms, xf, xOff, rel, lo, hi, z1, yOff);
                simd32.gatherRow(n, t0, t0 + terms, xf, xOff, rel, lo, hi, z2, yOff);
                assertArrayEquals(z1, z2, "f32 " + what);
            }
        }
    }
}
