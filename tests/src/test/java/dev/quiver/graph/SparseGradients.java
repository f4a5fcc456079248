package dev.quiver.graph;

import dev.quiver.tensor.Tensor;

/**
 * Test helper (same package as {@link Parameter}, on the test classpath): writes a row-sparse
 * gradient as a backward pass of lookups does, so optimiser properties can run before the compiler
 * produces sparse gradients itself.
 */
public final class SparseGradients {
    private SparseGradients() {}

    /** p's gradient becomes row-sparse: the given rows copied from {@code from} (p's shape), other rows zero; marked written. */
    public static void write(Parameter p, Tensor from, int... rows) {
        RowSet set = p.beginSparse();
        set.clear();
        p.grad().fill(0);
        int rowLength = p.value().size() / p.value().dim(0);
        for (int r : rows) {
            set.add(r);
            for (int j = 0; j < rowLength; j++) p.grad().setFlat(r * rowLength + j, from.getFlat(r * rowLength + j));
        }
        p.markGradientWritten();
    }
}
