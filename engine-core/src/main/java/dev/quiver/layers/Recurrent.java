package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.layers.RecurrentCell.State;

import java.util.List;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/**
 * Runs a {@link RecurrentCell} over a sequence, first step to last or (reversed) last to first.
 * A sequence is {@code [L, in]}, one step per row (one example, as per-example code in a dynamic
 * graph writes it; autobatching then runs a minibatch's steps together), or {@code [L, B, in]}
 * (time-major, B sequences of one length). The inputs of all steps are projected by one GEMM
 * ({@link RecurrentCell#project}); each step then adds the recurrent part. Step t's output is
 * {@code [1, H]} (or {@code [B, H]}); {@link #apply} stacks them in input order, {@code [L, H]}
 * (or {@code [L, B, H]}), whichever the direction.
 */
public final class Recurrent implements Layer {
    private final RecurrentCell cell;
    private final boolean reverse;

    /** The outputs of every step in input order, and the state after the last step run. */
    public record Run(Node[] outputs, State last) {}

    /** A runner from the first step to the last. */
    public Recurrent(RecurrentCell cell) {
        this(cell, false);
    }

    /** A runner in the given direction ({@code reverse}: from the last step to the first). */
    public Recurrent(RecurrentCell cell, boolean reverse) {
        this.cell = cell;
        this.reverse = reverse;
    }

    /** Each step's output in input order, from the zero state. */
    public Node[] states(Node xs) {
        return run(xs, null).outputs();
    }

    /**
     * Runs the cell over {@code xs} ({@code [L, in]} or {@code [L, B, in]}, L >= 1) from
     * {@code initial} (null for zeros).
     */
    public Run run(Node xs, State initial) {
        if (xs.rank() != 2 && xs.rank() != 3 || xs.dim(0) == 0) {
            throw new IllegalArgumentException(Cells.describe(kind(), cell.name()) + ": sequence " + xs.describe()
                    + " must be [L, " + cell.inputSize() + "] (a step per row) or [L, B, " + cell.inputSize() + "] (time-major), L >= 1");
        }
        int n = xs.dim(0);
        Node projected = cell.project(xs);
        int rows = xs.rank() == 2 ? 1 : xs.dim(1);
        int width = projected.dim(-1);
        // Time-major batches as rows [L * B, gates], so that a step is a contiguous row range like a single sequence's.
        if (xs.rank() == 3) projected = projected.reshape(n * rows, width);
        Node[] out = new Node[n];
        State s = initial;
        for (int k = 0; k < n; k++) {
            int t = reverse ? n - 1 - k : k;
            s = cell.advance(projected.slice(range(t * rows, (t + 1) * rows), all()), s);
            out[t] = s.h();
        }
        return new Run(out, s);
    }

    /** The outputs of every step stacked in input order: {@code [L, H]} or {@code [L, B, H]}. */
    @Override public Node apply(Node xs) {
        Node[] hs = states(xs);
        var g = xs.graph();
        if (xs.rank() == 3) return g.stack(0, hs);
        return hs.length == 1 ? hs[0] : g.concat(0, hs);
    }

    private String kind() { return reverse ? "Recurrent(reverse)" : "Recurrent"; }

    public RecurrentCell cell() { return cell; }
    public boolean reverse() { return reverse; }

    @Override public String name() { return cell.name(); }
    @Override public List<Parameter> parameters() { return cell.parameters(); }
    @Override public String toString() { return kind() + "(" + cell + ")"; }
}
