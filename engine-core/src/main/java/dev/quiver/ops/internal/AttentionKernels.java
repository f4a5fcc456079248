package dev.quiver.ops.internal;

/**
 * The row loops of {@link AttentionKernelsF64} for one floating dtype, arrays erased and scalars
 * widened to double (narrowed inside): {@link Attention}'s ops pick {@link AttentionKernelsF64#VIEW}
 * or its twin's once, with {@code DType.pick}, and bind one instruction for both dtypes.
 */
interface AttentionKernels {
    /** See {@link AttentionKernelsF64#scaleAndMask}; the maximum widened to double (exactly). */
    double scaleAndMask(int n, Object s, int so, double scale, boolean[] mask, int mo, int ms, int limit, Object y, int yo);

    /** See {@link AttentionKernelsF64#softmaxGrad}. */
    void softmaxGrad(int rows, int n, Object p, int po, Object g, int go, double scale, Object ds, int dso);
}
