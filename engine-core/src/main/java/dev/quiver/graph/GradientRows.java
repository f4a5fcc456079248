package dev.quiver.graph;

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
        m.kernels(to.dtype(), "gradient rows").axpby(width, 1, from.data(), x, 1, 1, to.data(), y, 1);
    }

    /** t[row, :] = 0 (t contiguous). */
    static void zero(TensorMath m, Tensor t, int row, int width) {
        int y = t.offset() + row * width;
        m.kernels(t.dtype(), "gradient rows").fill(width, 0, t.data(), y, 1);
    }
}
