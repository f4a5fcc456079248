package dev.quiver.ops.internal;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.function.Function;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A small private gradient checker: compares the compiled backward pass against central finite
 * differences in float64. A non-scalar output y is reduced as sum(y * R) with a fixed random R,
 * so the VJP is exercised with a non-trivial upstream gradient.
 */
final class FiniteDifferences {
    private FiniteDifferences() {}

    static final double H = 1e-6;

    static void check(TensorMath math, String name, Function<Node[], Node> build, Tensor... values) {
        Graph g = new Graph();
        Node[] params = new Node[values.length];
        for (int i = 0; i < values.length; i++) params[i] = g.param("p" + i, values[i].copy());
        Node y = build.apply(params);
        Node loss = y.rank() == 0 ? y : y.mul(g.constant(Tensor.uniform(F64, Seed.of(99), y.shape(), 0.5, 1.5))).sum();
        var step = g.compile(loss, CompileOptions.training().withMath(math));
        step.forward().backward();
        for (int i = 0; i < values.length; i++) {
            Tensor p = params[i].parameter().value();
            Tensor analytic = step.grad(params[i]).copy();
            for (int e = 0; e < p.size(); e++) {
                double orig = p.getFlat(e);
                p.setFlat(e, orig + H);
                double up = step.forward().output().item();
                p.setFlat(e, orig - H);
                double down = step.forward().output().item();
                p.setFlat(e, orig);
                double numeric = (up - down) / (2 * H);
                double a = analytic.getFlat(e);
                assertEquals(numeric, a, 1e-6 * Math.max(1, Math.abs(numeric)),
                        name + ": d/d(input " + i + ")[" + e + "]");
            }
        }
    }
}
