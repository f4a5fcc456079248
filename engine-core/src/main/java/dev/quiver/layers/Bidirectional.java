package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two recurrent cells over one sequence, one from the first step to the last and one from the last
 * to the first; step t's output is {@code [h_t^fwd ; h_t^bwd]} along the last axis. Sequences are
 * as for {@link Recurrent}: {@code [L, in]} gives {@code [L, Hf + Hb]}, {@code [L, B, in]} gives
 * {@code [L, B, Hf + Hb]}.
 */
public final class Bidirectional implements Layer {
    private final String name;
    private final Recurrent forward, backward;
    private final List<Parameter> parameters;

    /** An LSTM over each direction, cells at {@code scope.child("fwd")} and {@code scope.child("bwd")}. */
    public static Bidirectional lstm(Scope scope, int in, int hidden) {
        return new Bidirectional(scope.name(), new LstmCell(scope.child("fwd"), in, hidden), new LstmCell(scope.child("bwd"), in, hidden));
    }

    /** A GRU over each direction, cells at {@code scope.child("fwd")} and {@code scope.child("bwd")}. */
    public static Bidirectional gru(Scope scope, int in, int hidden) {
        return new Bidirectional(scope.name(), new GruCell(scope.child("fwd"), in, hidden), new GruCell(scope.child("bwd"), in, hidden));
    }

    /** Runs {@code forward} first to last and {@code backward} last to first; both take the same input size. */
    public Bidirectional(String name, RecurrentCell forward, RecurrentCell backward) {
        if (forward.inputSize() != backward.inputSize()) {
            throw new IllegalArgumentException(Cells.describe("Bidirectional", name) + ": the cells take different inputs, "
                    + forward + " and " + backward);
        }
        this.name = name;
        this.forward = new Recurrent(forward, false);
        this.backward = new Recurrent(backward, true);
        List<Parameter> all = new ArrayList<>(forward.parameters());
        for (Parameter p : backward.parameters()) if (!all.contains(p)) all.add(p);
        this.parameters = Collections.unmodifiableList(all);
    }

    /** Each step's {@code [h_fwd ; h_bwd]}, in input order. */
    public Node[] states(Node xs) {
        Node[] f = forward.states(xs), b = backward.states(xs);
        var g = xs.graph();
        Node[] both = new Node[f.length];
        for (int t = 0; t < f.length; t++) both[t] = g.concat(f[t].rank() - 1, f[t], b[t]);
        return both;
    }

    /** Every step's {@code [h_fwd ; h_bwd]} stacked in input order. */
    @Override public Node apply(Node xs) {
        Node[] both = states(xs);
        var g = xs.graph();
        if (xs.rank() == 3) return g.stack(0, both);
        return both.length == 1 ? both[0] : g.concat(0, both);
    }

    public Recurrent forward() { return forward; }
    public Recurrent backward() { return backward; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "Bidirectional(" + forward.cell() + ", " + backward.cell() + ")"; }
}
