package dev.quiver.tests.math;

import dev.quiver.backend.Backend;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.check.kit.Tolerance;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.tests.support.IndexCases;
import dev.quiver.tests.support.Ref;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Index ops against plain loops ({@link IndexCases}), on every backend and thread count, both
 * dtypes, with values in random storage layouts (permuted, strided, reversed, offset, NaN in the
 * gaps) and index tensors contiguous or strided over out-of-range filler: take copies exactly;
 * scatter-add sums in index order within rounding; class cross-entropy (every reduction, ignore
 * index, smoothing) and its logit gradient within the summation bound.
 */
class IndexOpValueProperties {

    record Valued<C>(C c, DType dtype, Tensor x, Tensor y) {}

    static <C> Gen<Valued<C>> valued(Gen<C> cases, java.util.function.Function<C, int[]> xShape, java.util.function.Function<C, int[]> yShape) {
        return s -> {
            C c = cases.generate(s);
            DType dt = TensorGens.dtypes().generate(s);
            Tensor x = TensorGens.layoutOf(TensorGens.tensors(dt, xShape.apply(c), Domain.REAL).generate(s)).generate(s);
            Tensor y = yShape == null ? null : TensorGens.layoutOf(TensorGens.tensors(dt, yShape.apply(c), Domain.REAL).generate(s)).generate(s);
            return new Valued<>(c, dt, x, y);
        };
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.getFlat(i)));
        return m;
    }

    @TestFactory
    Stream<DynamicTest> indexOpsAgainstLoops() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend backend : Ref.backends()) {
            TensorMath math = TensorMath.of(backend);
            String on = " on " + Ref.label(backend);
            tests.add(Property.forAll(valued(IndexCases.gathers(2), IndexCases.Gather::shape, null)).tries(40)
                    .classify("dtype", Valued::dtype).test("take" + on, v -> {
                        Graph g = new Graph();
                        Node out = g.named("out", g.constant(v.x()).take(v.c().axis(), g.constant(v.c().indices())));
                        Step step = g.compile(out, CompileOptions.inferenceOnly().withMath(math));
                        step.forward();
                        Tensor actual = step.value(out), expected = IndexCases.take(v.x(), v.c());
                        assertArrayEquals(expected.shape(), actual.shape());
                        for (int i = 0; i < expected.size(); i++) {
                            Tolerance.check("take " + v.c() + " element " + i, expected.getFlat(i), actual.getFlat(i), 0);
                        }
                    }));
            tests.add(Property.forAll(valued(IndexCases.gathers(2), IndexCases.Gather::shape, IndexCases.Gather::gathered)).tries(40)
                    .classify("dtype", Valued::dtype).test("scatterAdd" + on, v -> {
                        Graph g = new Graph();
                        Node out = g.named("out", g.scatterAdd(g.constant(v.x()), v.c().axis(), g.constant(v.c().indices()), g.constant(v.y())));
                        Step step = g.compile(out, CompileOptions.inferenceOnly().withMath(math));
                        step.forward();
                        Tensor actual = step.value(out), expected = IndexCases.scatterAdd(v.x(), v.c(), v.y());
                        double bound = Tolerance.sum(v.dtype(), v.c().idx().length + 1, (v.c().idx().length + 1) * (maxAbs(v.x()) + maxAbs(v.y())));
                        for (int i = 0; i < expected.size(); i++) {
                            Tolerance.check("scatterAdd " + v.c() + " element " + i, expected.getFlat(i), actual.getFlat(i), bound);
                        }
                    }));
            tests.add(Property.forAll(valued(IndexCases.classes(), IndexCases.Classes::logitsShape, IndexCases.Classes::rows)).tries(40)
                    .classify("dtype", Valued::dtype).classify("reduction", v -> v.c().options().reduction())
                    .test("class cross-entropy and its gradient" + on, v -> {
                        IndexCases.Classes c = v.c();
                        Graph g = new Graph();
                        Node x = g.param("logits", v.x().contiguous());
                        Node loss = g.named("loss", g.softmaxCrossEntropy(x, g.constant(c.classTensor()), c.options()));
                        // weights for a per-row loss (the y tensor), else 1
                        boolean perRow = loss.rank() > 0 || c.options().reduction() == dev.quiver.ops.CrossEntropy.Reduction.NONE;
                        Node objective = perRow ? loss.mul(g.constant(v.y())).sum() : loss;
                        // the same loss of the logits in their random storage layout (a constant keeps its layout)
                        Node strided = g.named("strided", g.softmaxCrossEntropy(g.constant(v.x()), g.constant(c.classTensor()), c.options()));
                        Step step = g.compile(objective, CompileOptions.training().withMath(math).withKeep(strided));
                        step.forward().backward();
                        double[] w = perRow ? v.y().contiguous().toDoubleArray() : new double[] {1};
                        IndexCases.Expected e = IndexCases.crossEntropy(v.x().contiguous(), c, w);
                        Tensor actual = step.value(loss);
                        assertArrayEquals(perRow ? c.rows() : new int[0], actual.shape());
                        int n = c.classes(), rows = Shapes.size(c.rows());
                        double scale = rows * (n * maxAbs(v.x()) + 10);
                        double bound = Tolerance.sum(v.dtype(), (long) rows * n + 8, scale);
                        for (int i = 0; i < e.loss().length; i++) {
                            Tolerance.check("loss " + c + " element " + i, e.loss()[i], actual.getFlat(i), bound);
                            Tolerance.check("loss of strided logits " + c + " element " + i, e.loss()[i], step.value(strided).getFlat(i), bound);
                        }
                        Tensor grad = x.parameter().grad();
                        double gBound = Tolerance.sum(v.dtype(), n + 8, (n + 4) * (maxAbs(v.y()) + 1));
                        for (int i = 0; i < e.grad().length; i++) Tolerance.check("grad " + c + " element " + i, e.grad()[i], grad.getFlat(i), gBound);
                    }));
        }
        return tests.stream();
    }
}
