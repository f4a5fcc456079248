package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import java.util.ArrayList;
import java.util.List;

/**
 * Multi-head self-attention over sequences x [batch, seq, model]: queries, keys and values are
 * {@link Linear} projections of x ({@code q.W}, {@code k.W}, {@code v.W}, with biases), split into
 * {@code heads} heads of {@code model / heads} features, attended with the fused
 * {@link dev.quiver.graph.Graph#attention} (optionally causal: position i sees positions up to i),
 * concatenated and projected by {@code out.W}. Inputs of rank 2 are one sequence [seq, model].
 */
public final class MultiHeadAttention implements Layer {
    private final String name;
    private final int model, heads;
    private final boolean causal;
    private final Linear q, k, v, out;
    private final List<Parameter> parameters;

    public MultiHeadAttention(Scope scope, int model, int heads, boolean causal) {
        String self = Cells.describe("MultiHeadAttention", scope.name());
        if (model <= 0 || heads <= 0 || model % heads != 0) {
            throw new IllegalArgumentException(self + ": the model size (" + model + ") must be a positive multiple of heads (" + heads + ")");
        }
        this.name = scope.name();
        this.model = model;
        this.heads = heads;
        this.causal = causal;
        this.q = new Linear(scope.child("q"), model, model);
        this.k = new Linear(scope.child("k"), model, model);
        this.v = new Linear(scope.child("v"), model, model);
        this.out = new Linear(scope.child("out"), model, model);
        List<Parameter> all = new ArrayList<>();
        for (Linear l : List.of(q, k, v, out)) all.addAll(l.parameters());
        this.parameters = List.copyOf(all);
    }

    @Override public Node apply(Node x) {
        if ((x.rank() != 2 && x.rank() != 3) || x.dim(-1) != model) {
            throw new IllegalArgumentException(Cells.describe("MultiHeadAttention", name) + ": input " + x.describe()
                    + " must be [batch, seq, " + model + "] or [seq, " + model + "]");
        }
        boolean single = x.rank() == 2;
        Node xs = single ? x.reshape(1, x.dim(0), model) : x;
        int batch = xs.dim(0), seq = xs.dim(1), d = model / heads;
        Node a = xs.graph().attention(split(q.apply(xs), batch, seq, d), split(k.apply(xs), batch, seq, d),
                split(v.apply(xs), batch, seq, d), null, causal);                  // [batch, heads, seq, d]
        Node merged = a.permute(0, 2, 1, 3).reshape(batch, seq, model);
        Node y = out.apply(merged);
        return single ? y.reshape(seq, model) : y;
    }

    /** [batch, seq, model] as [batch, heads, seq, model / heads]. */
    private Node split(Node x, int batch, int seq, int d) {
        return x.reshape(batch, seq, heads, d).permute(0, 2, 1, 3);
    }

    public int heads() { return heads; }
    public boolean causal() { return causal; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "MultiHeadAttention(" + name + ", " + model + ", " + heads + " heads" + (causal ? ", causal)" : ")"); }
}
