package dev.quiver.optim;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
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
 * weight's gradient and state then stay in cache between passes instead of streaming from memory
 * once per pass (the same bits, for the reason above). Adam is one fused kernel instead.
 */
final class UpdatesF64 implements Updates {
    private final KernelsF64 k;
    /** The one-element operands of the clipping passes (a sum's output, a factor, bounds), allocated once here. */
    private final double[] c = new double[1], lo = new double[1], hi = new double[1];

    UpdatesF64(KernelsF64 k) {
        this.k = k;
    }

    /** Σ g² over elements [from, from + n), as a one-element GEMM (the backend's vectorised dot product), in float64. */
    @Override
    public double/*erased*/ sumOfSquares(Tensor g, int from, int n) {
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.gemm(1, 1, 1, n, 1, ga, go, 0, 0, 1, ga, go, 0, 1, 0, 0, c, 0, 0, 0, 0);
        return c[0];
    }

    /** g *= factor (rounded to float64 first) on elements [from, from + n). */
    @Override
    public void scale(Tensor g, int from, int n, double/*erased*/ factor) {
        c[0] = (double) factor;
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.binary(BinaryOp.MUL, n, ga, go, 1, c, 0, 0, ga, go, 1, false);
    }

    /** g = min(max(g, low), high) on elements [from, from + n), the bounds rounded to float64 first. */
    @Override
    public void clamp(Tensor g, int from, int n, double/*erased*/ low, double/*erased*/ high) {
        lo[0] = (double) low;
        hi[0] = (double) high;
        double[] ga = (double[]) g.data();
        int go = g.offset() + from;
        k.binary(BinaryOp.MAX, n, ga, go, 1, lo, 0, 0, ga, go, 1, false);
        k.binary(BinaryOp.MIN, n, ga, go, 1, hi, 0, 0, ga, go, 1, false);
    }

    /** Elements per block of a multi-pass update (SGD with momentum): its arrays fit a core's L2 cache with room to spare. */
    static final int BLOCK = 4096;

    /**
     * SGD: w = (1 - lr wd) w - lr g, or with momentum v = mu v + g + wd w, w -= lr v; on elements
     * [from, from + n), every scalar rounded to float64 first and the arithmetic in float64.
     */
    @Override
    public void sgd(double/*erased*/ learningRate, double/*erased*/ mu, double/*erased*/ decay, Tensor w, Tensor g, Tensor v,
                    int from, int n) {
        double lr = (double) learningRate, momentum = (double) mu, weightDecay = (double) decay;
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
     * Adam with folded bias correction (see {@link Adam}) on elements [from, from + n), in one pass
     * of the backend's fused kernel ({@link KernelsF64#adam}), the scalars rounded to float64.
     * {@code decay} is {@code 1 - lr * weightDecay} (AdamW's decoupled weight decay, applied first),
     * 1 for plain Adam. The kernel is called from here, not through a static helper: the step's
     * call chain down to the vector code stays as deep as when Adam called the kernels itself.
     */
    @Override
    public void adam(double/*erased*/ lrT, double/*erased*/ beta1, double/*erased*/ beta2, double/*erased*/ eps,
                     double/*erased*/ decay, Tensor w, Tensor g, Tensor m, Tensor v, int from, int n) {
        k.adam(n, (double) lrT, (double) beta1, (double) beta2, (double) eps, (double) decay, (double[]) w.data(), w.offset() + from,
                (double[]) g.data(), g.offset() + from, (double[]) m.data(), m.offset() + from, (double[]) v.data(), v.offset() + from);
    }
}
