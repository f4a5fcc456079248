package dev.quiver.ops.internal;

import dev.quiver.backend.Backends;
import dev.quiver.ops.Window;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-place convolution kernels (the padded input read by {@code gemmShifted} and
 * {@code gemmWindows}, the input gradient's taps summed by {@code gemmTaps}) give the im2col path's bits for the
 * forward pass, the input gradient and the kernel gradient, both dtypes, on random windows:
 * padding on each side, dilation, groups, stride along H (forward and kernel gradient), 1-d,
 * with and without bias, several samples, K sums longer than one gemm block (the block
 * boundary inside a row of output positions). Every case counted must take the in-place path.
 */
class ConvInPlaceTest {
    @Test
    void inPlaceKernelsGiveIm2colBits() {
        SplittableRandom r = new SplittableRandom(16);
        TensorMath math = TensorMath.of(Backends.create("scalar", 1));
        int forward = 0, input = 0;
        for (int trial = 0; trial < 120; trial++) {
            int groups = 1 + r.nextInt(2), cg = 1 + r.nextInt(5), og = 1 + r.nextInt(trial % 7 == 0 ? 40 : 6);
            int n = 1 + r.nextInt(2), kh = 1 + r.nextInt(3), kw = 1 + r.nextInt(4), dh = 1 + r.nextInt(2), dw = 1 + r.nextInt(2);
            boolean deep = trial % 10 == 0, oneD = !deep && r.nextInt(5) == 0;
            if (deep) {
                // More than 512 terms per output (57-70 channels by 3x3): the forward's gemm block boundary.
                cg = 57 + r.nextInt(14);
                kh = 3;
                kw = 3;
            }
            if (oneD) kh = 1;
            int pt = oneD ? 0 : r.nextInt(3), pb = oneD ? 0 : r.nextInt(3), pl = r.nextInt(3), pr = r.nextInt(3);
            int sh = oneD || r.nextInt(3) > 0 ? 1 : 2;
            int h = oneD ? 1 : Math.max(1, (kh - 1) * dh + 1 - pt - pb) + r.nextInt(trial % 5 == 0 ? 24 : 6);
            int w = Math.max(1, (kw - 1) * dw + 1 - pl - pr) + r.nextInt(trial % 5 == 0 ? 40 : 12);
            if (kh == 1 && kw == 1) kw = 2;
            w = Math.max(w, (kw - 1) * dw + 1 - pl - pr);
            Window win = new Window(kh, kw, sh, 1, dh, dw, pt, pb, pl, pr);
            int oh = win.outH(h), ow = win.outW(w), c = cg * groups, o = og * groups;
            boolean bias = trial % 20 != 0 && r.nextBoolean();
            String what = "n=" + n + " c=" + c + " o=" + o + " groups=" + groups + " " + h + "x" + w + " " + win + " bias=" + bias;
            for (DType dt : new DType[] {DType.F64, DType.F32}) {
                Tensor x = Tensor.randn(dt, Seed.of(trial), n, c, h, w);
                Tensor k = Tensor.randn(dt, Seed.of(trial + 1000), o, cg, kh, kw);
                Tensor b = bias ? Tensor.randn(dt, Seed.of(trial + 2000), o) : null;
                Tensor gy = Tensor.randn(dt, Seed.of(trial + 3000), n, o, oh, ow);
                int colSize = Math.max(n * cg * kh * kw * oh * ow, cg * (h + pt + pb) * (w + pl + pr));
                Tensor[] y = new Tensor[2], dx = new Tensor[2], dk = new Tensor[2];
                for (int v = 0; v < 2; v++) {
                    boolean inPlace = v == 1;
                    y[v] = Tensor.zeros(dt, n, o, oh, ow);
                    dx[v] = Tensor.full(dt, new int[] {n, c, h, w}, 7);
                    dk[v] = Tensor.full(dt, new int[] {o, cg, kh, kw}, 7);
                    Tensor col = Tensor.zeros(dt, colSize);
                    if (dt == DType.F64) {
                        ConvKernelsF64.forward(math.backend().f64(), x, k, b, y[v], col, win, groups, inPlace).run(math);
                        ConvKernelsF64.kernelGrad(math.backend().f64(), x, gy, dk[v], col, win, groups, inPlace).run(math);
                        if (sh == 1) ConvKernelsF64.inputGrad(math.backend().f64(), gy, k, dx[v], col, win, groups, inPlace).run(math);
                    } else {
                        ConvKernelsF32.forward(math.backend().f32(), x, k, b, y[v], col, win, groups, inPlace).run(math);
                        ConvKernelsF32.kernelGrad(math.backend().f32(), x, gy, dk[v], col, win, groups, inPlace).run(math);
                        if (sh == 1) ConvKernelsF32.inputGrad(math.backend().f32(), gy, k, dx[v], col, win, groups, inPlace).run(math);
                    }
                }
                assertArrayEquals(y[0].toDoubleArray(), y[1].toDoubleArray(), dt + " y " + what);
                assertArrayEquals(dk[0].toDoubleArray(), dk[1].toDoubleArray(), dt + " dk " + what);
                assertArrayEquals(dx[0].toDoubleArray(), dx[1].toDoubleArray(), dt + " dx " + what);
            }
            if (ConvKernelsF64.forwardInPlace(c, og, oh * ow, win, groups)) forward++;
            if (sh == 1 && ConvKernelsF64.inputGradInPlace(c, og, oh * ow, win, groups)) input++;
        }
        assertTrue(forward > 80 && input > 60, "in-place cases: forward " + forward + ", input gradient " + input);
    }
}
