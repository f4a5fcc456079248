package dev.quiver.layers;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Tensor;

import java.util.List;

/**
 * A table of {@code count} vectors of size {@code dim}, {@code E [count, dim]}, read by id: ids of
 * any shape give {@code ids.shape + [dim]}. Reads are lookups ({@link Graph#lookup}), so when the
 * table is only read through this layer its gradient is row-sparse (only the rows read are written,
 * and Sgd and Adam update only those), and the ids are data: another sentence of the same length
 * reuses the compiled plan. Default initialiser N(0, 1), as PyTorch's.
 */
public final class Embedding implements Layer {
    private final String name;
    private final int count, dim;
    private final Parameter E;

    public Embedding(Scope scope, int count, int dim) {
        this(scope, count, dim, Initializer.normal(0, 1));
    }

    public Embedding(Scope scope, int count, int dim, Initializer init) {
        if (count <= 0 || dim <= 0) throw new IllegalArgumentException(Cells.describe("Embedding", scope.name()) + ": sizes must be positive, got " + count + " x " + dim);
        this.name = scope.name();
        this.count = count;
        this.dim = dim;
        this.E = scope.parameter("E", init, count, dim);
    }

    /** The rows of the I32 or I64 node {@code ids}: shape {@code ids.shape + [dim]}. */
    @Override public Node apply(Node ids) {
        if (!ids.dtype().isInteger()) {
            throw new IllegalArgumentException(Cells.describe("Embedding", name) + ": ids " + ids.describe() + " must be I32 or I64, not " + ids.dtype());
        }
        return ids.graph().lookup(ids.graph().param(E), ids);
    }

    /** The rows of {@code ids} as a {@code [ids.length, dim]} node (the ids become a small constant: data, not structure). */
    public Node apply(Graph g, int... ids) {
        return apply(g.constant(Tensor.ofInts(ids.clone(), ids.length)));
    }

    /** Row {@code id}, a {@code [dim]} vector. */
    public Node row(Graph g, int id) {
        return g.lookup(g.param(E), id);
    }

    public int count() { return count; }
    public int dim() { return dim; }
    public Parameter table() { return E; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return List.of(E); }
    @Override public String toString() { return "Embedding(" + name + ", " + count + " x " + dim + ")"; }
}
