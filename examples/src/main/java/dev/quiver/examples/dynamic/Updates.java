package dev.quiver.examples.dynamic;

import dev.quiver.graph.Parameter;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.TensorMath;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimiser per parameter, stepped only for the parameters of the current step's graph (a
 * one-word tree has no internal node, so its step has no gradient for the internal cell's weights,
 * and their gradient tensors still hold the previous tree's). Per-parameter step counts, as in
 * PyTorch's Adam.
 */
public final class Updates {
    private final Map<Parameter, Optimizer> optimizers = new IdentityHashMap<>();

    public Updates(List<Parameter> parameters, String kind, double lr, TensorMath math) {
        for (Parameter p : parameters) {
            optimizers.put(p, switch (kind) {
                case "adam" -> new Adam(List.of(p), lr, 0.9, 0.999, 1e-8, math);
                case "sgd" -> new Sgd(List.of(p), lr, 0, 0, math);
                default -> throw new IllegalArgumentException("unknown optimizer " + kind);
            });
        }
    }

    /** Updates the given parameters (those of the step just run backward). */
    public void step(List<Parameter> present) {
        for (int i = 0; i < present.size(); i++) optimizers.get(present.get(i)).step();
    }
}
