package dev.quiver.graph;

import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

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

    private Parameter(Parameter source) {
        this.name = source.name;
        this.value = source.value;
        this.grad = Tensor.zeros(value.dtype(), value.shape());
    }

    /**
     * A replica for another thread: the same name and the same value tensor (shared storage, so
     * optimiser updates of this parameter are seen by the replica) with a gradient of its own. Give
     * each thread its own graph built over replicas, run the threads' steps concurrently, then
     * {@link #sumGradients} of the replicas into this parameter and step the optimiser on it.
     */
    public Parameter replica() { return new Parameter(this); }

    /**
     * Sets this gradient to the sum of the replicas' gradients, added in list order (so the result
     * does not depend on which thread finished first), and marks it written. When every replica's
     * gradient is row-sparse the sum is too and costs O(rows touched); otherwise it is dense.
     *
     * @throws IllegalArgumentException if a replica does not share this parameter's value
     */
    public void sumGradients(java.util.List<Parameter> replicas) {
        boolean allSparse = true;
        for (Parameter r : replicas) {
            if (r.value != value) throw new IllegalArgumentException("sumGradients: " + r + " is not a replica of " + this);
            allSparse &= r.sparseRows() != null;
        }
        TensorMath m = TensorMath.get();
        if (allSparse) {
            clearSparseRows();
            beginSparse();
        } else {
            endSparse();
            m.fill(grad, 0);
        }
        int width = value.rank() == 0 ? 1 : value.size() / Math.max(1, value.dim(0));
        for (Parameter r : replicas) {
            RowSet rows = r.sparseRows();
            if (rows == null) {
                m.axpby(1, r.grad, 1, grad);
                continue;
            }
            for (int i = 0; i < rows.size(); i++) {
                if (allSparse) sparseRows.add(rows.row(i));
                GradientRows.add(m, r.grad, rows.row(i) * width, grad, rows.row(i), width);
            }
        }
        markGradientWritten();
    }

    /** Zeroes the gradient rows the last sparse backward wrote and forgets them (no effect when dense). */
    void clearSparseRows() {
        if (!sparse) return;
        TensorMath m = TensorMath.get();
        int width = value.size() / value.dim(0);
        for (int i = 0; i < sparseRows.size(); i++) GradientRows.zero(m, grad, sparseRows.row(i), width);
        sparseRows.clear();
    }

    public String name() { return name; }

    /** The current value, modified in place by optimisers. */
    public Tensor value() { return value; }

    /** The gradient written by the last backward pass (or accumulated; see {@link Step#accumulateGradients}). */
    public Tensor grad() { return grad; }

    /** A gradient-shaped buffer that accumulating steps compute a term into before adding it (see {@link DeferredGradient}). */
    private Tensor accumulationBuffer;

    Tensor accumulationBuffer() {
        if (accumulationBuffer == null) accumulationBuffer = Tensor.zeros(grad.dtype(), grad.shape());
        return accumulationBuffer;
    }

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

    /**
     * Prepares a backward pass that writes this gradient row-sparse: when overwriting, the rows of
     * the last sparse gradient are zeroed (O(rows)), or the whole gradient once after a dense one;
     * when accumulating, rows add to what is there.
     */
    void beginSparseBackward(boolean accumulate) {
        if (accumulate) return;
        if (sparse) clearSparseRows();
        else TensorMath.get().fill(grad, 0);
        beginSparse();
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
