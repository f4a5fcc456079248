package dev.quiver.graph;

import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

/**
 * A trainable tensor and its gradient. A parameter may appear in several graphs
 * ({@link Graph#param(Parameter)}); every compiled step writes (or accumulates) its gradient into
 * the same {@link #grad()} tensor, which optimisers read. Both tensors are updated in place and
 * never reallocated, so views of them stay valid.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    /** Rows of {@link #grad} written since the optimiser last consumed them, when the gradient is row-sparse; else null. */
    private RowSet sparseRows;
    private boolean sparse;
    private long gradientVersion;

    /** Wraps {@code value} (not copied: the parameter is updated in place) and allocates a zero gradient. */
    public Parameter(String name, Tensor value) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a parameter needs a name");
        if (!value.isContiguous() || value.offset() != 0) {
            throw new IllegalArgumentException("parameter '" + name + "': value must be a contiguous tensor, got a view of shape "
                    + Shapes.str(value.shape()));
        }
        this.name = name;
        this.value = value;
        this.grad = Tensor.zeros(value.dtype(), value.shape());
    }

    public String name() { return name; }

    /** The current value, modified in place by optimisers. */
    public Tensor value() { return value; }

    /** The gradient written by the last backward pass (or accumulated; see {@link Step#accumulateGradients}). */
    public Tensor grad() { return grad; }

    /**
     * When this parameter's last gradient was row-sparse (every use in the step was a lookup), the
     * rows of {@link #grad()} that hold it (all other rows are zero); null when it was dense. Sparse
     * optimiser updates touch only these rows.
     */
    public RowSet sparseRows() { return sparse ? sparseRows : null; }

    /** Switches the gradient to row-sparse mode (rows cleared) and returns the row set backward fills. */
    RowSet beginSparse() {
        if (sparseRows == null) {
            if (value.rank() == 0) throw new IllegalStateException("parameter '" + name + "': a scalar has no rows");
            sparseRows = new RowSet(value.dim(0));
        }
        sparse = true;
        return sparseRows;
    }

    /** Switches the gradient to dense mode. */
    void endSparse() {
        if (sparse) {
            sparseRows.clear();
            sparse = false;
        }
    }

    /**
     * A counter that every backward pass writing (or accumulating into) this gradient increments.
     * Optimisers remember the version they last applied and skip a parameter whose gradient has
     * not been written since, so a parameter absent from the current step's graph never receives
     * a stale update.
     */
    public long gradientVersion() { return gradientVersion; }

    /** Marks the gradient as freshly written, for code that writes {@link #grad()} by hand. */
    public void markGradientWritten() { gradientVersion++; }

    @Override
    public String toString() { return "Parameter(" + name + ", " + Shapes.str(value.shape()) + ")"; }
}
