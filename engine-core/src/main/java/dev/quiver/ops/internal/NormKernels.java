package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The fused normalisation instructions of {@link NormKernelsF64} for one floating dtype, tensors
 * in (contiguous) and scalars widened to double: {@link Normalization}'s ops pick
 * {@link NormKernelsF64#VIEW} or its twin's with {@code DType.pick}. Only the binding goes through
 * the view: each instruction holds the dtype's typed arrays, kernels and scratch (allocated here,
 * once) and calls the typed loop. See {@link NormKernelsF64} for each loop's contract.
 */
interface NormKernels {
    Instruction layerNorm(TensorMath math, int rows, int d, Tensor x, Tensor gamma, Tensor beta, double eps, boolean rms, Tensor out);

    Instruction layerNormGrad(TensorMath math, int rows, int d, Tensor x, Tensor gamma, Tensor g, int gRow, double eps, boolean rms,
                              Tensor c, Tensor out);

    Instruction layerNormParamGrad(TensorMath math, int rows, int d, Tensor x, Tensor g, int gRow, double eps, boolean rms, Tensor c,
                                   Tensor out);

    Instruction batchNorm(TensorMath math, int n, int c, int s, Tensor x, Tensor gamma, Tensor beta, double eps, boolean train,
                          double momentum, Tensor runningMean, Tensor runningVar, Tensor out);

    Instruction batchNormGrad(TensorMath math, int n, int c, int s, Tensor x, Tensor gamma, Tensor g, double eps, Tensor out);

    Instruction batchNormParamGrad(TensorMath math, int n, int c, int s, Tensor x, Tensor g, double eps, Tensor w, Tensor out);
}
