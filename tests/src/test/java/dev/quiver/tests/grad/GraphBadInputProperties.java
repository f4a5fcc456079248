package dev.quiver.tests.grad;

import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.GraphGens;
import dev.quiver.check.kit.GraphSpec;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to graphs gives the documented exception, whose message names the op, the nodes and
 * the shapes, never a wrong number: feeds of the wrong shape or dtype, missing and unknown feeds,
 * ops on shapes that do not fit, axes out of range.
 */
class GraphBadInputProperties {

    static <T extends Throwable> void expect(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void badFeedsAreRejectedNamingTheInputAndTheShapes() {
        Property.forAll(GraphGens.dags()).tries(60).check(spec -> {
            Graph g = new Graph();
            GraphSpec.Built built = spec.build(g, DType.F64, List.of());
            Step step = g.compile(built.output(), CompileOptions.training().withInputGradients(true));
            Property.assume(!built.feeds().isEmpty());
            var first = built.feeds().entrySet().iterator().next();
            String name = first.getKey();
            int[] shape = first.getValue().shape();
            int[] wrong = java.util.Arrays.copyOf(shape, shape.length + 1);
            wrong[shape.length] = 2;
            expect(IllegalArgumentException.class, () -> step.feed(name, Tensor.zeros(DType.F64, wrong)),
                    "'" + name + "'", Shapes.str(wrong));
            expect(IllegalArgumentException.class, () -> step.feed(name, Tensor.zeros(DType.F32, shape)), "'" + name + "'", "F32");
            expect(IllegalArgumentException.class, () -> step.feed("no such input", first.getValue()), "no such input");
            Map<String, Tensor> missing = new HashMap<>(built.feeds());
            missing.remove(name);
            Graph fresh = new Graph();
            GraphSpec.Built again = spec.build(fresh, DType.F64, List.of());
            Step unfed = fresh.compile(again.output(), CompileOptions.training().withInputGradients(true));
            for (var e : missing.entrySet()) unfed.feed(e.getKey(), e.getValue());
            expect(IllegalStateException.class, unfed::forward, "'" + name + "'", "not fed");
            expect(IllegalStateException.class, unfed::backward, "forward");
        });
    }

    record Pair(int[] a, int[] b) {}

    @Test
    void opsOnShapesThatDoNotFitNameTheOpTheNodesAndTheShapes() {
        Property.forAll(TensorGens.shapes(1, 3, 1, 4, 0).flatMap(shape -> Gens.ints(0, shape.length - 1).map(d -> {
            int[] a = shape.clone(), b = shape.clone();
            a[d] = Math.max(2, a[d]);
            b[d] = a[d] + 1; // neither equal nor 1: cannot broadcast
            return new Pair(a, b);
        }))).check(p -> {
            Graph g = new Graph();
            Node a = g.input("left", DType.F64, p.a()), b = g.input("right", DType.F64, p.b());
            expect(IllegalArgumentException.class, () -> g.add(a, b), "add", "'left'", "'right'", Shapes.str(p.a()), Shapes.str(p.b()));
            expect(IllegalArgumentException.class, () -> g.max(a, b), "max", Shapes.str(p.a()));
            expect(IllegalArgumentException.class, () -> g.sum(a, true, p.a().length), "sum", "axis");
            expect(IllegalArgumentException.class, () -> g.softmax(a, -p.a().length - 1), "axis");
            Node m = g.input("m", DType.F64, p.a()[p.a().length - 1] + 1, 2);
            if (p.a().length <= 3) expect(IllegalArgumentException.class, () -> g.matmul(a, m), "matmul", "'left'", "'m'");
            expect(IllegalArgumentException.class, () -> g.reshape(a, Shapes.size(p.a()) + 1), "reshape", "'left'");
            Node f32 = g.input("single", DType.F32, p.a());
            expect(IllegalArgumentException.class, () -> g.add(a, f32), "add", "F64", "F32");
        });
    }
}
