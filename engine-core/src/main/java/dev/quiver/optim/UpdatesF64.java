package dev.quiver.optim;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Tensor;

/**
 * Optimiser updates on float64 parameters, straight on the kernels (parameters, gradients and
 * state are contiguous tensors of one size, checked when the optimiser is built), so a step is a
 * handful of kernel calls per parameter with no checks and no allocation. Each update works on
 * the element range {@code [from, from + n)} of all its tensors: the whole parameter for a dense
 * gradient, one row at a time for a row-sparse one (elementwise kernels give every element the
 * same bits whatever the range it is computed in, so a row updated alone equals the same row of a
 * dense update). Source of truth for the generated {@code UpdatesF32}.
 *
 * <p>An update of several passes runs them block by block ({@link #BLOCK} elements): a large
 * weight's gradient, state and scratch then stay in cache between passes instead of streaming
 * from memory once per pass (the same bits, for the reason above).
 */
final class UpdatesF64 {
    private UpdatesF64() {}

    /** Σ g² over elements [from, from + n), as a one-element GEMM (the backend's vectorised dot product) into {@code out[0]}. */
    static double sumOfSquares(KernelsF64 k, Tensor g, int from, int n, double[] out) {
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.gemm(1, 1, 1, n, 1, ga, go, 0, 0, 1, ga, go, 0, 1, 0, 0, out, 0, 0, 0, 0);
        return out[0];
    }

    /** g *= c on elements [from, from + n); {@code c} is a one-element array. */
    static void scale(KernelsF64 k, Tensor g, int from, int n, double[] c) {
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.binary(BinaryOp.MUL, n, ga, go, 1, c, 0, 0, ga, go, 1, false);
    }

    /** g = min(max(g, lo[0]), hi[0]) on elements [from, from + n). */
    static void clamp(KernelsF64 k, Tensor g, int from, int n, double[] lo, double[] hi) {
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.binary(BinaryOp.MAX, n, ga, go, 1, lo, 0, 0, ga, go, 1, false);
        k.binary(BinaryOp.MIN, n, ga, go, 1, hi, 0, 0, ga, go, 1, false);
    }

    /** Elements per block of a multi-pass update: five arrays of it fit a core's L2 cache with room to spare. */
    static final int BLOCK = 4096;

    /** SGD: w = (1 - lr wd) w - lr g, or with momentum v = mu v + g + wd w, w -= lr v; on elements [from, from + n). */
    static void sgd(KernelsF64 k, double lr, double momentum, double weightDecay, Tensor w, Tensor g, Tensor v, int from, int n) {
        double[] wa = (double[]) w.data(), ga = (double[]) g.data();
        int wo = w.offset() + from, go = g.offset() + from;
        if (v == null) {
            k.axpby(n, -lr, ga, go, 1, 1 - lr * weightDecay, wa, wo, 1);
            return;
        }
        double[] va = (double[]) v.data();
        int vo = v.offset() + from;
        for (int b = 0; b < n; b += BLOCK) {
            int len = Math.min(BLOCK, n - b);
            k.axpby(len, 1, ga, go + b, 1, momentum, va, vo + b, 1);
            if (weightDecay != 0) k.axpby(len, weightDecay, wa, wo + b, 1, 1, va, vo + b, 1);
            k.axpby(len, -lr, va, vo + b, 1, 1, wa, wo + b, 1);
        }
    }

    /**
     * Adam with folded bias correction (see {@link Adam}) on elements [from, from + n). {@code eps}
     * is a one-element array holding epsilon; {@code decay}, null or a one-element array holding
     * {@code 1 - lr * weightDecay}, first shrinks the weights (AdamW's decoupled weight decay).
     */
    static void adam(KernelsF64 k, double lrT, double beta1, double beta2, double[] eps, double[] decay,
                     Tensor w, Tensor g, Tensor m, Tensor v, Tensor scratch, int from, int n) {
        double[] wa = (double[]) w.data(), ga = (double[]) g.data(), ma = (double[]) m.data(), va = (double[]) v.data();
        double[] sa = (double[]) scratch.data();
        int wo = w.offset() + from, go = g.offset() + from, mo = m.offset() + from, vo = v.offset() + from;
        int so = scratch.offset() + from;
        for (int b = 0; b < n; b += BLOCK) {
            int len = Math.min(BLOCK, n - b);
            if (decay != null) k.binary(BinaryOp.MUL, len, wa, wo + b, 1, decay, 0, 0, wa, wo + b, 1, false);
            k.axpby(len, 1 - beta1, ga, go + b, 1, beta1, ma, mo + b, 1);
            k.binary(BinaryOp.MUL, len, ga, go + b, 1, ga, go + b, 1, sa, so + b, 1, false);
            k.axpby(len, 1 - beta2, sa, so + b, 1, beta2, va, vo + b, 1);
            k.unary(UnaryOp.SQRT, len, va, vo + b, 1, sa, so + b, 1, false);
            k.binary(BinaryOp.ADD, len, sa, so + b, 1, eps, 0, 0, sa, so + b, 1, false);
            k.binary(BinaryOp.DIV, len, ma, mo + b, 1, sa, so + b, 1, sa, so + b, 1, false);
            k.axpby(len, -lrT, sa, so + b, 1, 1, wa, wo + b, 1);
        }
    }
}
