package dev.quiver.graph;

import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dynamic graphs: a fresh graph per step, a sum over a variable number of examples, plans reused by structure. */
class DynamicGraphTest {
    static final double[][] XS = {{1, 2}, {0.5, -1}, {-2, 0.25}, {3, 1}};

    /** loss = sum over the first k examples of (w . x_i - 1)^2; grad = sum 2 (w . x_i - 1) x_i. */
    static Step build(Graph g, Parameter w, int k, TensorMath m) {
        g.reset();
        Node wn = g.param(w);
        Node[] terms = new Node[k];
        for (int i = 0; i < k; i++) {
            Node x = g.input("x" + i, F64, 2);
            terms[i] = wn.dot(x).sub(1.0).square();
        }
        Step step = g.compile(g.addN(terms), Backs.on(m));
        for (int i = 0; i < k; i++) step.feed("x" + i, Tensor.vector(XS[i]));
        return step;
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void recurringStructuresReuseTheirPlans(TensorMath m) {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(0.3, -0.2));
        Step two = build(g, w, 2, m);
        Step three = build(g, w, 3, m);
        assertNotSame(two, three);
        for (int round = 0; round < 5; round++) {
            for (int k = 2; k <= 4; k++) {
                Step step = build(g, w, k, m);
                if (k == 2) assertSame(two, step);
                if (k == 3) assertSame(three, step);
                step.forward().backward();
                double w0 = w.value().get(0), w1 = w.value().get(1), loss = 0, g0 = 0, g1 = 0;
                for (int i = 0; i < k; i++) {
                    double r = w0 * XS[i][0] + w1 * XS[i][1] - 1;
                    loss += r * r;
                    g0 += 2 * r * XS[i][0];
                    g1 += 2 * r * XS[i][1];
                }
                assertEquals(loss, step.output().item(), 1e-12);
                assertEquals(g0, step.grad(g.node("w")).get(0), 1e-12);
                assertEquals(g1, w.grad().get(1), 1e-12);
            }
        }
        assertEquals(3, g.planCache().size());
        assertEquals(3, g.planCache().misses());
        assertEquals(14, g.planCache().hits());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aChangedStructureOrShapeGetsANewPlan(TensorMath m) {
        var cache = new PlanCache();
        var w = new Parameter("w", Tensor.vector(1, 2));
        var g1 = new Graph(cache);
        g1.compile(g1.param(w).square().sum(), Backs.on(m));
        var g2 = new Graph(cache);
        g2.compile(g2.param(w).square().sum(), Backs.on(m));          // same structure: hit
        var g3 = new Graph(cache);
        g3.compile(g3.param(w).abs().sum(), Backs.on(m));             // another op: miss
        var g4 = new Graph(cache);
        g4.compile(g4.param(new Parameter("w", Tensor.vector(1, 2))).square().sum(), Backs.on(m)); // another parameter: miss
        assertEquals(1, cache.hits());
        assertEquals(3, cache.misses());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void recycledNodesFollowChangedShapes(TensorMath m) {
        var g = new Graph();
        for (int n : new int[] {2, 3, 2, 3}) {
            g.reset();
            var x = g.input("x", F64, n);
            var y = x.mul(x).sum().add(1.0);
            var step = g.compile(y, Backs.withInputs(m));
            double[] v = new double[n];
            double expected = 1;
            for (int i = 0; i < n; i++) { v[i] = i + 1; expected += v[i] * v[i]; }
            step.feed(x, Tensor.of(v, n)).forward().backward();
            assertEquals(expected, step.output().item());
            assertEquals(n, x.dim(0));
            assertEquals(2 * n, step.grad(x).get(n - 1));
        }
        assertEquals(2, g.planCache().size());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void dynamicTrainingLoopAllocationIsBounded(TensorMath m) {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(0.3, -0.2));
        var opt = new Sgd(java.util.List.of(w), 0.01, 0, 0, m);
        Tensor[] xs = new Tensor[XS.length];
        for (int i = 0; i < xs.length; i++) xs[i] = Tensor.vector(XS[i]);
        String[] names = {"x0", "x1", "x2", "x3"};
        int[] shape = {2};
        Node[] terms = new Node[3];
        CompileOptions options = Backs.on(m);
        Runnable iteration = () -> {
            g.reset();
            Node wn = g.param(w);
            for (int i = 0; i < 3; i++) terms[i] = wn.dot(g.input(names[i], F64, shape)).sub(1.0).square();
            Step step = g.compile(g.addN(terms), options);
            for (int i = 0; i < 3; i++) step.feed(names[i], xs[i]);
            step.forward().backward();
            opt.step();
        };
        AllocationTest.allocated(iteration, 300);
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 5; window++) best = Math.min(best, AllocationTest.allocated(iteration, 100));
        long perStep = best / 100;
        System.out.println("dynamic graph (3 examples, 14 nodes): " + perStep + " bytes per rebuild+compile+step");
        // reset() recycles the node objects; a rebuild with the previous structure reruns no shape
        // rule and reuses shared op instances, and the cache lookup allocates nothing.
        assertEquals(0, best, best + " bytes per 100 dynamic steps");
        assertEquals(1, g.planCache().size());
    }
}
