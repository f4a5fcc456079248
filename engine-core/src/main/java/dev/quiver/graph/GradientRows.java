package dev.quiver.graph;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * Row operations on contiguous gradient tensors, through the backend's kernels: the pieces of a
 * row-sparse gradient (add a row, zero a row). Shared by {@link SparseRowGradient} (backward) and
 * {@link Parameter} (clearing and summing replicas). Allocate nothing.
 */
final class GradientRows {
    private GradientRows() {}

    /** to[toRow, :] += from's {@code width} elements starting at flat position {@code fromStart} (both contiguous). */
    static void add(TensorMath m, Tensor from, int fromStart, Tensor to, int toRow, int width) {
        int x = from.offset() + fromStart, y = to.offset() + toRow * width;
        if (to.dtype().floating("gradient rows") == DType.Floating.F64) m.backend().f64().axpby(width, 1, (double[]) from.data(), x, 1, 1, (double[]) to.data(), y, 1);
        else m.backend().f32().axpby(width, 1, (float[]) from.data(), x, 1, 1, (float[]) to.data(), y, 1);
    }

    /** t[row, :] = 0 (t contiguous). */
    static void zero(TensorMath m, Tensor t, int row, int width) {
        int y = t.offset() + row * width;
        if (t.dtype().floating("gradient rows") == DType.Floating.F64) m.backend().f64().fill(width, 0, (double[]) t.data(), y, 1);
        else m.backend().f32().fill(width, 0, (float[]) t.data(), y, 1);
    }
}
