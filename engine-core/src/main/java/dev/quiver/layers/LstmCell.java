package dev.quiver.layers;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.optim.Init;

import java.util.List;

import static dev.quiver.layers.Cells.columns;

/**
 * A long short-term memory cell. With gates in the order (i, f, o, u) along the last axis,
 * <pre>
 *   [i f o u] = x W_x + h_{t-1} W_h + b
 *   c_t = σ(i) ⊙ tanh(u) + σ(f) ⊙ c_{t-1}
 *   h_t = σ(o) ⊙ tanh(c_t)
 * </pre>
 * Parameters {@code Wx [in, 4H]}, {@code Wh [H, 4H]} (Xavier uniform) and {@code b [4H]} (zeros).
 * The three sigmoid gates are one contiguous block, so they take one elementwise op per step. A
 * step from the zero state skips {@code h W_h} and {@code σ(f) ⊙ c}.
 */
public final class LstmCell implements RecurrentCell {
    private static final String KIND = "LstmCell";
    private final String name;
    private final int in, hidden;
    private final Parameter Wx, Wh, b;

    public LstmCell(Scope scope, int in, int hidden) {
        if (in <= 0 || hidden <= 0) throw new IllegalArgumentException(Cells.describe(KIND, scope.name()) + ": sizes must be positive, got in " + in + ", hidden " + hidden);
        this.name = scope.name();
        this.in = in;
        this.hidden = hidden;
        this.Wx = scope.parameter("Wx", Init::xavierUniform, in, 4 * hidden);
        this.Wh = scope.parameter("Wh", Init::xavierUniform, hidden, 4 * hidden);
        this.b = scope.parameter("b", Initializer.zeros(), 4 * hidden);
    }

    @Override public Node project(Node xs) {
        Cells.checkInput(KIND, name, xs, in);
        Graph g = xs.graph();
        return Cells.project(xs, g.param(Wx), g.param(b));
    }

    @Override public State advance(Node projected, State previous) {
        int H = hidden;
        Cells.checkProjected(KIND, name, projected, 4 * H);
        Node gates = projected;
        if (previous != null) {
            if (previous.h() == null || previous.c() == null) {
                throw new IllegalArgumentException(Cells.describe(KIND, name) + ": a previous state needs both h and c (or pass null for zeros)");
            }
            Cells.checkState(KIND, name, projected, previous.h(), "h", H);
            Cells.checkState(KIND, name, projected, previous.c(), "c", H);
            gates = gates.add(previous.h().matmul(projected.graph().param(Wh)));
        }
        Node sig = columns(gates, 0, 3 * H).sigmoid();        // i, f, o
        Node u = columns(gates, 3 * H, 4 * H).tanh();
        Node iu = columns(sig, 0, H).mul(u);
        Node c = previous == null ? iu : iu.add(columns(sig, H, 2 * H).mul(previous.c()));
        Node h = columns(sig, 2 * H, 3 * H).mul(c.tanh());
        return new State(h, c);
    }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return List.of(Wx, Wh, b); }
    @Override public int inputSize() { return in; }
    @Override public int hiddenSize() { return hidden; }
    @Override public String toString() { return "LstmCell(" + name + ", " + in + " -> " + hidden + ")"; }
}
