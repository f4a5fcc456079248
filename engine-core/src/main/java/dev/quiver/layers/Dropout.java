package dev.quiver.layers;

import dev.quiver.graph.Node;

/**
 * Inverted dropout ({@link dev.quiver.graph.Graph#dropout}): active in a step compiled for
 * training, the identity in an evaluation step. Its masks come from the graph's seed, so a run is
 * reproducible bit for bit; it has no parameters.
 */
public record Dropout(double p) implements Layer {
    public Dropout {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
    }

    @Override public Node apply(Node x) {
        return p == 0 ? x : x.graph().dropout(x, p);
    }
}
