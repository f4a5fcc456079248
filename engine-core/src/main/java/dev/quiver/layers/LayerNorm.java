package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Tensor;

import java.util.List;

/**
 * Layer normalisation over the last dimension ({@link dev.quiver.graph.Graph#layerNorm}), or RMS
 * normalisation ({@link #rms}), with a learned scale {@code gamma} (ones) and, for layer norm, a
 * shift {@code beta} (zeros), both of size {@code features}.
 */
public final class LayerNorm implements Layer {
    private final String name;
    private final int features;
    private final double eps;
    private final boolean rms;
    private final Parameter gamma, beta;
    private final List<Parameter> parameters;

    /** Layer normalisation with PyTorch's eps (1e-5). */
    public LayerNorm(Scope scope, int features) {
        this(scope, features, 1e-5, false);
    }

    /** RMS normalisation (scale only): {@code x / sqrt(mean(x²) + eps) * gamma}. */
    public static LayerNorm rms(Scope scope, int features, double eps) {
        return new LayerNorm(scope, features, eps, true);
    }

    private LayerNorm(Scope scope, int features, double eps, boolean rms) {
        String kind = rms ? "RmsNorm" : "LayerNorm";
        if (features <= 0) throw new IllegalArgumentException(Cells.describe(kind, scope.name()) + ": features must be positive, got " + features);
        if (!(eps > 0)) throw new IllegalArgumentException(Cells.describe(kind, scope.name()) + ": eps must be positive, got " + eps);
        this.name = scope.name();
        this.features = features;
        this.eps = eps;
        this.rms = rms;
        this.gamma = scope.parameter("gamma", (dtype, seed, shape) -> Tensor.full(dtype, shape, 1), features);
        this.beta = rms ? null : scope.parameter("beta", Initializer.zeros(), features);
        this.parameters = rms ? List.of(gamma) : List.of(gamma, beta);
    }

    @Override public Node apply(Node x) {
        if (x.rank() == 0 || x.dim(-1) != features) {
            throw new IllegalArgumentException(Cells.describe(rms ? "RmsNorm" : "LayerNorm", name) + ": input " + x.describe()
                    + " must have a last dimension of " + features + " (shape [..., " + features + "])");
        }
        var g = x.graph();
        return rms ? g.rmsNorm(x, g.param(gamma), eps) : g.layerNorm(x, g.param(gamma), g.param(beta), eps);
    }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return (rms ? "RmsNorm(" : "LayerNorm(") + name + ", " + features + ")"; }
}
