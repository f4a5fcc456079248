package dev.quiver.ops.internal;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.ops.Window;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * col2im's gather form (one backend {@code gatherRow} per row of x, the input gradient's path for
 * stride 1) gives col2im's bits on a cleared x, on random stride-1 windows (dilation, padding on
 * each side up to wider than the kernel, rows shorter and longer than a vector, -0 in col), both
 * dtypes; every element of x is written.
 */
class Col2imGatherTest {
    @Test
    void theGatherIsCol2imBitForBit() {
        SplittableRandom r = new SplittableRandom(21);
        KernelsF64 d = Backends.create("scalar", 1).f64();
        KernelsF32 f = Backends.create("scalar", 1).f32();
        for (int trial = 0; trial < 400; trial++) {
            int c = 1 + r.nextInt(3), kh = 1 + r.nextInt(5), kw = 1 + r.nextInt(5), dh = 1 + r.nextInt(2), dw = 1 + r.nextInt(2);
            int pt = r.nextInt(6), pb = r.nextInt(6), pl = r.nextInt(6), pr = r.nextInt(6);
            int h = Math.max(1, (kh - 1) * dh + 1 - pt - pb) + r.nextInt(6), w = Math.max(1, (kw - 1) * dw + 1 - pl - pr) + r.nextInt(24);
            Window win = new Window(kh, kw, 1, 1, dh, dw, pt, pb, pl, pr);
            int oh = win.outH(h), ow = win.outW(w), size = c * kh * kw * oh * ow, co = r.nextInt(3), xo = r.nextInt(3);
            String what = "c=" + c + " " + h + "x" + w + " " + win;
            double[] col = new double[co + size + 2];
            float[] colF = new float[col.length];
            for (int i = 0; i < col.length; i++) {
                col[i] = r.nextInt(5) == 0 ? -0.0 : r.nextDouble(-4, 4);
                colF[i] = (float) col[i];
            }
            int[][] terms = ConvKernelsF64.col2imTerms(w, win, oh, ow);
            double[] x1 = new double[xo + c * h * w + 2], x2 = new double[x1.length];
            Arrays.fill(x2, 9);   // the gather overwrites its rows, col2im adds to a cleared x
            for (int i = 0; i < xo; i++) x2[i] = 0;
            for (int i = xo + c * h * w; i < x2.length; i++) x2[i] = 0;
            ConvKernelsF64.col2im(d, col, co, c, h, w, win, oh, ow, x1, xo);
            ConvKernelsF64.col2imRows(d, col, co, c, h, w, win, oh, ow, terms, x2, xo);
            assertArrayEquals(x1, x2, "f64 " + what);
            float[] z1 = new float[x1.length], z2 = new float[x1.length];
            for (int i = xo; i < xo + c * h * w; i++) z2[i] = 9;
            ConvKernelsF32.col2im(f, colF, co, c, h, w, win, oh, ow, z1, xo);
            ConvKernelsF32.col2imRows(f, colF, co, c, h, w, win, oh, ow, ConvKernelsF32.col2imTerms(w, win, oh, ow), z2, xo);
            assertArrayEquals(z1, z2, "f32 " + what);
        }
    }
}
