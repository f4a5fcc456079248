package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/**
 * The LSTM recurrence of the language model and the tagger: given every step's input part of the
 * gates, {@code xw = W_x x_t + b} as one {@code [L, 4H]} product in the order (i, f, o, u),
 * {@code c_t = σ(i) ⊙ tanh(u) + σ(f) ⊙ c_{t-1}}, {@code h_t = σ(o) ⊙ tanh(c_t)}, h and c starting at 0.
 */
final class Lstm {
    private Lstm() {}

    /** The hidden states [1, H] of every step, in input order; {@code backward} runs from the last step to the first. */
    static Node[] states(Graph g, Node xw, Parameter Wh, int H, boolean backward) {
        int n = xw.dim(0);
        Node[] hs = new Node[n];
        Node h = null, c = null;
        for (int k = 0; k < n; k++) {
            int t = backward ? n - 1 - k : k;
            Node gates = xw.slice(range(t, t + 1), all());
            if (h != null) gates = gates.add(h.matmul(g.param(Wh)));
            Node sig = gates.slice(all(), range(0, 3 * H)).sigmoid();        // i, f, o
            Node u = gates.slice(all(), range(3 * H, 4 * H)).tanh();
            Node iu = sig.slice(all(), range(0, H)).mul(u);
            c = c == null ? iu : iu.add(sig.slice(all(), range(H, 2 * H)).mul(c));
            h = sig.slice(all(), range(2 * H, 3 * H)).mul(c.tanh());
            hs[t] = h;
        }
        return hs;
    }
}
