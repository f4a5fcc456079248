package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The instruction factories of {@link BoundF64} for one floating dtype, tensors in and scalars
 * widened to double: {@link Bound} picks {@link BoundF64#VIEW} or its twin's with
 * {@code DType.pick} instead of two hand-written arms. Only the binding goes through the view; the
 * instructions it returns call the dtype's typed kernels directly. Each returns null where
 * {@link BoundF64}'s factory does (a layout for TensorMath's general path).
 */
interface BoundView {
    Instruction unary(TensorMath math, UnaryOp op, Tensor x, Tensor out, boolean accumulate);

    Instruction binary(TensorMath math, BinaryOp op, Tensor a, Tensor b, Tensor out);

    Instruction scalar(TensorMath math, BinaryOp op, Tensor a, double s, Tensor out);

    Instruction matmul(TensorMath math, Tensor a, Tensor b, Tensor out, int beta);

    Instruction sumAll(TensorMath math, Tensor x, Tensor out);

    Instruction sumRows(TensorMath math, Tensor x, Tensor out);

    Instruction blocks(TensorMath math, Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate);

    Instruction copy(TensorMath math, Tensor x, Tensor y, boolean accumulate);

    Instruction sum(TensorMath math, Tensor[] x, Tensor out);
}
