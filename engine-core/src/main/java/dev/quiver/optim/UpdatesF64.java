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
 */
final class UpdatesF64 {
    private UpdatesF64() {}

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
        k.axpby(n, 1, ga, go, 1, momentum, va, vo, 1);
        if (weightDecay != 0) k.axpby(n, weightDecay, wa, wo, 1, 1, va, vo, 1);
        k.axpby(n, -lr, va, vo, 1, 1, wa, wo, 1);
    }

    /**
     * Adam with folded bias correction (see {@link Adam}) on elements [from, from + n). {@code eps}
     * is a one-element array holding epsilon.
     */
    static void adam(KernelsF64 k, double lrT, double beta1, double beta2, double[] eps,
                     Tensor w, Tensor g, Tensor m, Tensor v, Tensor scratch, int from, int n) {
        double[] wa = (double[]) w.data(), ga = (double[]) g.data(), ma = (double[]) m.data(), va = (double[]) v.data();
        double[] sa = (double[]) scratch.data();
        int wo = w.offset() + from, go = g.offset() + from, mo = m.offset() + from, vo = v.offset() + from;
        int so = scratch.offset() + from;
        k.axpby(n, 1 - beta1, ga, go, 1, beta1, ma, mo, 1);
        k.binary(BinaryOp.MUL, n, ga, go, 1, ga, go, 1, sa, so, 1, false);
        k.axpby(n, 1 - beta2, sa, so, 1, beta2, va, vo, 1);
        k.unary(UnaryOp.SQRT, n, va, vo, 1, sa, so, 1, false);
        k.binary(BinaryOp.ADD, n, sa, so, 1, eps, 0, 0, sa, so, 1, false);
        k.binary(BinaryOp.DIV, n, ma, mo, 1, sa, so, 1, sa, so, 1, false);
        k.axpby(n, -lrT, sa, so, 1, 1, wa, wo, 1);
    }
}
