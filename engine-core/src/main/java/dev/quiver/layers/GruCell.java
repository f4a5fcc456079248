package dev.quiver.layers;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.optim.Init;

import java.util.List;

/**
 * A gated recurrent unit, PyTorch's formulation. With gates in the order (r, z, n) along the last
 * axis, {@code [x_r x_z x_n] = x W_x + b_x} and {@code [h_r h_z h_n] = h_{t-1} W_h + b_h}:
 * <pre>
 *   r = σ(x_r + h_r),  z = σ(x_z + h_z)
 *   n = tanh(x_n + r ⊙ h_n)
 *   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}   (computed as n + z ⊙ (h_{t-1} - n))
 * </pre>
 * Parameters {@code Wx [in, 3H]}, {@code Wh [H, 3H]} (Xavier uniform), {@code bx [3H]} and
 * {@code bh [3H]} (zeros); {@code b_h} is separate because r scales {@code h_n}, bias included.
 */
public final class GruCell implements RecurrentCell {
    private static final String KIND = "GruCell";
    private final String name;
    private final int in, hidden;
    private final Parameter Wx, Wh, bx, bh;
    private final Cells.Columns resetAndUpdate, candidate, reset, update;

    public GruCell(Scope scope, int in, int hidden) {
        if (in <= 0 || hidden <= 0) throw new IllegalArgumentException(Cells.describe(KIND, scope.name()) + ": sizes must be positive, got in " + in + ", hidden " + hidden);
        this.name = scope.name();
        this.in = in;
        this.hidden = hidden;
        this.Wx = scope.parameter("Wx", Init::xavierUniform, in, 3 * hidden);
        this.Wh = scope.parameter("Wh", Init::xavierUniform, hidden, 3 * hidden);
        this.bx = scope.parameter("bx", Initializer.zeros(), 3 * hidden);
        this.bh = scope.parameter("bh", Initializer.zeros(), 3 * hidden);
        this.resetAndUpdate = Cells.Columns.of(0, 2 * hidden);
        this.candidate = Cells.Columns.of(2 * hidden, 3 * hidden);
        this.reset = Cells.Columns.of(0, hidden);
        this.update = Cells.Columns.of(hidden, 2 * hidden);
    }

    @Override public Node project(Node xs) {
        Cells.checkInput(KIND, name, xs, in);
        Graph g = xs.graph();
        return Cells.project(xs, g.param(Wx), g.param(bx));
    }

    @Override public State advance(Node projected, State previous) {
        int H = hidden;
        Cells.checkProjected(KIND, name, projected, 3 * H);
        Graph g = projected.graph();
        Node h = null;
        if (previous != null) {
            if (previous.h() == null) throw new IllegalArgumentException(Cells.describe(KIND, name) + ": a previous state needs h (or pass null for zeros)");
            h = previous.h();
            Cells.checkState(KIND, name, projected, h, "h", H);
        }
        // From the zero state h W_h vanishes and only b_h remains (broadcast over the rows).
        Node hh = h == null ? g.param(bh) : h.matmul(g.param(Wh)).add(g.param(bh));
        Node rz = resetAndUpdate.of(projected).add(resetAndUpdate.of(hh)).sigmoid();
        Node n = candidate.of(projected).add(reset.of(rz).mul(candidate.of(hh))).tanh();
        Node z = update.of(rz);
        Node next = h == null ? n.sub(z.mul(n)) : n.add(z.mul(h.sub(n)));
        return new State(next, null);
    }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return List.of(Wx, Wh, bx, bh); }
    @Override public int inputSize() { return in; }
    @Override public int hiddenSize() { return hidden; }
    @Override public String toString() { return "GruCell(" + name + ", " + in + " -> " + hidden + ")"; }
}
