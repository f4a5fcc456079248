package dev.quiver.tests.grad;

import dev.quiver.backend.Backends;
import dev.quiver.check.GradCheck;
import dev.quiver.check.kit.Coverage;
import dev.quiver.check.kit.GraphGens;
import dev.quiver.check.kit.GraphSpec;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.PropertyFailure;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random computation graphs (up to 20 nodes, with fan-out): gradients agree with finite
 * differences on every backend; forward values and gradients agree across backends; and a
 * deliberately wrong derivative rule is caught and shrunk to a minimal graph.
 */
class DagProperties {

    static void noteShape(GraphSpec spec) {
        Coverage.note("nodes", spec.size() <= 4 ? "1-4" : spec.size() <= 10 ? "5-10" : "11-20");
        for (GraphSpec.Step s : spec.steps()) Coverage.note("op", s.op());
    }

    static void gradCheck(GraphSpec spec, TensorMath math, List<GraphSpec.Custom> customs) {
        Graph g = new Graph();
        GraphSpec.Built built = spec.build(g, DType.F64, customs);
        GradCheck.of(built.output()).feeds(built.feeds()).on(math).tolerance(1e-4, 1e-6).check().assertOk();
    }

    @TestFactory
    Stream<DynamicTest> randomGraphsPassGradCheckOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(GraphGens.dags()).tries(60).classify("rank", s -> s.shape().length)
                    .test("gradcheck of random graphs on " + name, spec -> {
                        noteShape(spec);
                        gradCheck(spec, math, List.of());
                    }));
        }
        return tests.stream();
    }

    /** Forward value and every gradient of one built spec. */
    static List<Tensor> run(GraphSpec spec, DType dtype, TensorMath math) {
        Graph g = new Graph();
        GraphSpec.Built built = spec.build(g, dtype, List.of());
        Step step = g.compile(built.output(), CompileOptions.training().withInputGradients(true).withMath(math));
        step.forward(built.feeds()).backward();
        List<Tensor> out = new ArrayList<>();
        out.add(step.output().copy());
        for (Node n : built.nodes().subList(0, spec.leaves().size())) out.add(step.grad(n).copy());
        return out;
    }

    @TestFactory
    Stream<DynamicTest> randomGraphsAgreeAcrossBackends() {
        List<DynamicTest> tests = new ArrayList<>();
        TensorMath scalar = TensorMath.of(Backends.create("scalar", 1));
        for (String name : Backends.available()) {
            if (name.equals("scalar")) continue;
            TensorMath one = TensorMath.of(Backends.create(name, 1)), two = TensorMath.of(Backends.create(name, 2));
            tests.add(Property.forAll(GraphGens.dags()).tries(60).test("random graphs, " + name + " vs scalar", spec -> {
                noteShape(spec);
                for (DType dtype : DType.FLOATING) {
                    Coverage.note("dtype", dtype);
                    List<Tensor> expected = run(spec, dtype, scalar), got = run(spec, dtype, one), again = run(spec, dtype, two);
                    // Values and gradients of a whole graph: compared norm-wise, relative to the largest entry.
                    double tol = dtype == DType.F64 ? 1e-9 : 2e-3;
                    for (int k = 0; k < expected.size(); k++) {
                        Tensor e = expected.get(k), a = got.get(k);
                        assertTrue(a.bitwiseEquals(again.get(k)), "1 and 2 threads differ on " + (k == 0 ? "the output" : "gradient " + k));
                        double scale = 1;
                        for (int i = 0; i < e.size(); i++) scale = Math.max(scale, Math.abs(e.getFlat(i)));
                        for (int i = 0; i < e.size(); i++) {
                            double diff = Math.abs(e.getFlat(i) - a.getFlat(i));
                            if (!(diff <= tol * scale)) {
                                throw new AssertionError(dtype + " " + (k == 0 ? "output" : "gradient of " + spec.leaves().get(k - 1).name())
                                        + " element " + i + ": scalar " + e.getFlat(i) + ", " + name + " " + a.getFlat(i));
                            }
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    static final GraphSpec.Custom WRONG_CUBE = new GraphSpec.Custom("wrongCube",
            x -> x.graph().apply(new WrongCube(), x),
            r -> new double[] {r[0] * r[0] * r[0] < r[1] * r[1] * r[1] ? Math.min(r[0] * r[0] * r[0], 0) : 0,
                    Math.max(Math.abs(r[0]), Math.abs(r[1])) * Math.max(r[0] * r[0], r[1] * r[1])});

    /** The checks can fail: a graph containing the wrong op is caught, and shrunk to that op alone on a scalar. */
    @Test
    void aWrongDerivativeIsCaughtAndShrunkToAMinimalGraph() {
        TensorMath math = TensorMath.of(Backends.create("scalar", 1));
        var failure = assertThrows(PropertyFailure.class, () -> Property.forAll(GraphGens.dags(17, List.of(WRONG_CUBE)))
                .fixedTries(300).named("wrong derivative").seed(7)
                .check(spec -> gradCheck(spec, math, List.of(WRONG_CUBE))));
        GraphSpec minimal = (GraphSpec) failure.minimal();
        String report = failure.getMessage();
        assertEquals(1, minimal.steps().size(), report);
        assertEquals("wrongCube", minimal.steps().get(0).op(), report);
        assertEquals(1, minimal.leaves().size(), report);
        assertEquals(0, minimal.shape().length, "shrunk to a scalar: " + report);
        assertTrue(report.contains("wrongCube") && report.contains("minimal case") && report.contains("original case"), report);
        assertTrue(failure.getCause().getMessage().contains("failing op"), failure.getCause().getMessage());
        System.out.println(report);
    }
}
