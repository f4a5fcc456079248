package dev.quiver.graph;

import dev.quiver.tensor.Tensor;

/**
 * Test helper: writes a row-sparse gradient into a parameter as a backward pass of lookups will
 * ({@link Parameter#beginSparse()}, the rows and their values, then a new gradient version), so
 * optimisers can be tested before the compiler produces sparse gradients itself.
 */
public final class SparseGrads {
    private SparseGrads() {}

    /**
     * Makes {@code p}'s gradient row-sparse with the given rows set from {@code rowsFrom} (a tensor
     * of p's shape) and every other row zero, and marks the gradient written.
     */
    public static void write(Parameter p, Tensor rowsFrom, int... rows) {
        RowSet set = p.beginSparse();
        set.clear();
        p.grad().fill(0);
        int rowLength = p.value().size() / p.value().dim(0);
        for (int r : rows) {
            set.add(r);
            for (int j = 0; j < rowLength; j++) p.grad().setFlat(r * rowLength + j, rowsFrom.getFlat(r * rowLength + j));
        }
        p.markGradientWritten();
    }

    /** Makes {@code p}'s gradient dense again (as a backward pass with a dense use would). */
    public static void dense(Parameter p) {
        p.endSparse();
    }
}
