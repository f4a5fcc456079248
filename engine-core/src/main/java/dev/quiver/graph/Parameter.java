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

    @Override
    public String toString() { return "Parameter(" + name + ", " + Shapes.str(value.shape()) + ")"; }
}
