package dev.quiver.optim;

import dev.quiver.tensor.Tensor;

/**
 * The optimiser updates of {@link UpdatesF64} for one parameter dtype, scalars widened to double
 * (narrowed inside): {@link Optimizer} picks one per parameter when it is built, so an update runs
 * without a dtype branch. Each method works on elements {@code [from, from + n)} of contiguous
 * tensors of that dtype and allocates nothing; the one-element operands it needs are the
 * instance's own (an optimiser's passes run on one thread).
 */
interface Updates {
    /** Σ g² over the range, in the dtype's arithmetic (see {@link UpdatesF64#sumOfSquares}). */
    double sumOfSquares(Tensor g, int from, int n);

    /** g *= factor. */
    void scale(Tensor g, int from, int n, double factor);

    /** g = min(max(g, lo), hi). */
    void clamp(Tensor g, int from, int n, double lo, double hi);

    /** See {@link UpdatesF64#sgd}; {@code v} is null without momentum. */
    void sgd(double lr, double momentum, double weightDecay, Tensor w, Tensor g, Tensor v, int from, int n);

    /** See {@link UpdatesF64#adam}. */
    void adam(double lrT, double beta1, double beta2, double eps, double decay, Tensor w, Tensor g, Tensor m, Tensor v, int from, int n);
}
