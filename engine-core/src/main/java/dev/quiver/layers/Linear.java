package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Shapes;

import java.util.List;

/**
 * {@code y = x W + b}: the last dimension of x (any rank >= 1) goes from {@code in} to
 * {@code out}. Parameters {@code W [in, out]} (Xavier uniform) and, unless disabled, {@code b [out]}
 * (zeros). Rows are examples, as everywhere in Quiver ({@code [batch, in]}, or {@code [1, in]} per
 * example in a dynamic graph); inputs of rank 3 or more are flattened to rows for one GEMM and
 * reshaped back.
 */
public final class Linear implements Layer {
    private final String name;
    private final int in, out;
    private final Parameter W, b;
    private final List<Parameter> parameters;

    /** A linear layer with a bias. */
    public Linear(Scope scope, int in, int out) {
        this(scope, in, out, true);
    }

    public Linear(Scope scope, int in, int out, boolean bias) {
        this(scope, in, out, bias, Init::xavierUniform);
    }

    /** A linear layer whose weight is filled by {@code weightInit} (the bias, if any, is zeros). */
    public Linear(Scope scope, int in, int out, boolean bias, Initializer weightInit) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException(Cells.describe("Linear", scope.name()) + ": sizes must be positive, got in " + in + ", out " + out);
        this.name = scope.name();
        this.in = in;
        this.out = out;
        this.W = scope.parameter("W", weightInit, in, out);
        this.b = bias ? scope.parameter("b", Initializer.zeros(), out) : null;
        this.parameters = bias ? List.of(W, b) : List.of(W);
    }

    @Override public Node apply(Node x) {
        if (x.rank() == 0 || x.dim(-1) != in) {
            throw new IllegalArgumentException(Cells.describe("Linear", name) + ": input " + x.describe() + " must have a last dimension of "
                    + in + " (shape [..., " + in + "])");
        }
        var g = x.graph();
        Node y;
        if (x.rank() <= 2) {
            y = x.matmul(g.param(W));
        } else {
            int[] s = x.shape();
            int rows = Shapes.size(s) / in;
            s[s.length - 1] = out;
            y = x.reshape(rows, in).matmul(g.param(W)).reshape(s);
        }
        return b == null ? y : y.add(g.param(b));
    }

    public int in() { return in; }
    public int out() { return out; }
    public Parameter weight() { return W; }
    /** The bias, or null for a layer without one. */
    public Parameter bias() { return b; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "Linear(" + name + ", " + in + " -> " + out + (b == null ? ", no bias)" : ")"); }
}
