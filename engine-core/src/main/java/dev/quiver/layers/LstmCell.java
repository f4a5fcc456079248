package dev.quiver.layers;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.optim.Init;

import java.util.List;

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
    private final Cells.Columns sigmoidGates, cellInput, inputGate, forgetGate, outputGate;

    public LstmCell(Scope scope, int in, int hidden) {
        if (in <= 0 || hidden <= 0) throw new IllegalArgumentException(Cells.describe(KIND, scope.name()) + ": sizes must be positive, got in " + in + ", hidden " + hidden);
        this.name = scope.name();
        this.in = in;
        this.hidden = hidden;
        this.Wx = scope.parameter("Wx", Init::xavierUniform, in, 4 * hidden);
        this.Wh = scope.parameter("Wh", Init::xavierUniform, hidden, 4 * hidden);
        this.b = scope.parameter("b", Initializer.zeros(), 4 * hidden);
        this.sigmoidGates = Cells.Columns.of(0, 3 * hidden);
        this.cellInput = Cells.Columns.of(3 * hidden, 4 * hidden);
        this.inputGate = Cells.Columns.of(0, hidden);
        this.forgetGate = Cells.Columns.of(hidden, 2 * hidden);
        this.outputGate = Cells.Columns.of(2 * hidden, 3 * hidden);
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
        Node sig = sigmoidGates.of(gates).sigmoid();        // i, f, o
        Node u = cellInput.of(gates).tanh();
        Node iu = inputGate.of(sig).mul(u);
        Node c = previous == null ? iu : iu.add(forgetGate.of(sig).mul(previous.c()));
        Node h = outputGate.of(sig).mul(c.tanh());
        return new State(h, c);
    }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return List.of(Wx, Wh, b); }
    @Override public int inputSize() { return in; }
    @Override public int hiddenSize() { return hidden; }
    @Override public String toString() { return "LstmCell(" + name + ", " + in + " -> " + hidden + ")"; }
}
