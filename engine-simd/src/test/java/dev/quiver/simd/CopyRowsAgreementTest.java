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
 * after the rows left untouched (a tail mask that writes too far fails here).
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
}
