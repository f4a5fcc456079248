package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.ops.Window;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The instruction factories of {@link ConvKernelsF64} for one floating dtype: {@link Conv} and
 * {@link Pool} pick {@link ConvKernelsF64#VIEW} or its twin's with {@code DType.pick}. Only the
 * binding goes through the view; the instructions call the dtype's typed loops and kernels.
 */
interface ConvKernels {
    Instruction forward(TensorMath math, Tensor x, Tensor w, Tensor b, Tensor out, Tensor col, Window win, int groups, boolean inPlace);

    Instruction inputGrad(TensorMath math, Tensor gy, Tensor w, Tensor dx, Tensor col, Window win, int groups, boolean inPlace);

    Instruction kernelGrad(TensorMath math, Tensor x, Tensor gy, Tensor dw, Tensor col, Window win, int groups, boolean inPlace);

    Instruction maxPool(int mode, Tensor x, Tensor g, Tensor out, Window win);

    Instruction avgPool(boolean back, Tensor x, Tensor out, Window win);
}
