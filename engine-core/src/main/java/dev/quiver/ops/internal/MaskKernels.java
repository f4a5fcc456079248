package dev.quiver.ops.internal;

import dev.quiver.ops.Comparison;

/**
 * The loops of {@link MaskKernelsF64} for one floating dtype, arrays erased: an op picks
 * {@link MaskKernelsF64#VIEW} or its twin's once, with {@code DType.pick}, and binds one
 * instruction for both dtypes (see {@link dev.quiver.kernel.FloatingKernels} for why).
 */
interface MaskKernels {
    void compare(Comparison kind, int n, Object a, int ao, int as, Object b, int bo, int bs, boolean[] out, int oo, int os);

    void where(int n, boolean[] mask, int mo, int ms, Object a, int ao, int as, Object b, int bo, int bs, Object out, int oo, int os);

    int oneHot(int n, int classes, long[] index64, int[] index32, int io, boolean skipping, long skip, Object out, int oo);
}
