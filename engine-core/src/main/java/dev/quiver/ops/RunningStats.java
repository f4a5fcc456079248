package dev.quiver.ops;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.ops.internal.Normalization;

/**
 * The running mean and variance of a batch normalisation ({@link Normalization.BatchNorm}): state,
 * not parameters (optimisers never see them). A training step updates them in place at every
 * forward pass, {@code running = (1 - momentum) running + momentum batch} (PyTorch's convention:
 * momentum 0.1 weighs the new batch by 0.1); an evaluation step reads them. Save and restore them
 * with the model ({@link #mean()}, {@link #var()} are the live tensors). Ops compare running
 * statistics by identity: two batch normalisations share statistics only when given this object.
 */
public final class RunningStats {
    private final Tensor mean, var;
    private final double momentum;

    /** Zero mean and unit variance for {@code channels} channels (PyTorch's initial state). */
    public RunningStats(DType dtype, int channels, double momentum) {
        this(Tensor.zeros(dtype, channels), Tensor.ones(dtype, channels), momentum);
    }

    /** Wraps existing tensors (not copied; updated in place), both contiguous [C] of one floating dtype. */
    public RunningStats(Tensor mean, Tensor var, double momentum) {
        if (mean.rank() != 1 || var.rank() != 1 || mean.dim(0) != var.dim(0)) {
            throw new IllegalArgumentException("RunningStats: mean and var must be vectors of one length, got "
                    + java.util.Arrays.toString(mean.shape()) + " and " + java.util.Arrays.toString(var.shape()));
        }
        if (mean.dtype() != var.dtype() || !mean.dtype().isFloating()) {
            throw new IllegalArgumentException("RunningStats: mean and var must be F32 or F64 of one dtype, got " + mean.dtype() + " and " + var.dtype());
        }
        if (!mean.isContiguous() || !var.isContiguous()) throw new IllegalArgumentException("RunningStats: mean and var must be contiguous");
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("RunningStats: momentum must be in [0, 1], got " + momentum);
        this.mean = mean;
        this.var = var;
        this.momentum = momentum;
    }

    public Tensor mean() { return mean; }
    public Tensor var() { return var; }
    public double momentum() { return momentum; }
    public int channels() { return mean.dim(0); }
    public DType dtype() { return mean.dtype(); }

    @Override public String toString() { return "RunningStats(" + channels() + " channels, momentum " + momentum + ")"; }
}
