package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The row-sparse gradient of a parameter read only through lookups ({@code take} along axis 0):
 * inputs (indices, g), where g holds one gradient row per index; adds each row of g into the
 * looked-up row of {@link Parameter#grad()} and records the row in {@link Parameter#sparseRows()}.
 * Its cost depends on the number of indices and the row width, never on the table's size. Placed
 * by the compiler instead of the lookup's dense VJP (a scatter into a table-sized buffer); the
 * output is empty (the effect is on the parameter's gradient). A repeated index adds both rows,
 * in index order, as the dense scatter would.
 */
record SparseRowGradient(Parameter parameter) implements Op {
    private static final int[] EMPTY = {0};

    @Override public String name() { return "sparse_row_gradient"; }

    @Override public String attributes() { return parameter.name(); }

    @Override public boolean equals(Object o) { return o instanceof SparseRowGradient s && s.parameter == parameter; }

    @Override public int hashCode() { return System.identityHashCode(parameter); }

    @Override public DType dtype(Operand[] in) { return in[1].dtype(); }

    @Override public int[] shape(Operand[] in) { return EMPTY; }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Tensor indices = in[0], g = in[1], grad = parameter.grad();
        int rows = grad.dim(0), width = rows == 0 ? 0 : grad.size() / rows, count = indices.size();
        Parameter p = parameter;
        boolean plain = g.isContiguous();
        return m -> {
            RowSet touched = p.sparseRows();
            for (int r = 0; r < count; r++) {
                long row = indices.dtype() == DType.I32 ? indices.getIntFlat(r) : indices.getLongFlat(r);
                if (row < 0 || row >= rows) {
                    throw new IndexOutOfBoundsException("sparse_row_gradient of '" + p.name() + "': index " + row
                            + " at position " + r + " is outside [0, " + rows + ")");
                }
                addRow(m, g, plain, r * width, grad, (int) row, width);
                if (touched != null) touched.add((int) row);
            }
        };
    }

    /** grad[row, :] += width elements of g from flat position {@code from}: the kernel when g is contiguous. */
    private static void addRow(TensorMath m, Tensor g, boolean plain, int from, Tensor grad, int row, int width) {
        if (plain) {
            GradientRows.add(m, g, from, grad, row, width);
            return;
        }
        int to = row * width;
        for (int k = 0; k < width; k++) grad.setFlat(to + k, grad.getFlat(to + k) + g.getFlat(from + k));
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V grad, boolean[] needed) {
        throw new UnsupportedOperationException("sparse_row_gradient is not differentiable (it is itself a gradient)");
    }
}
