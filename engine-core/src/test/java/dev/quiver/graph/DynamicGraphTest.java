package dev.quiver.graph;

import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dynamic graphs: a fresh graph per step, a sum over a variable number of examples, plans reused by structure. */
class DynamicGraphTest {
    /** A graph for one test (a hook for subclasses that configure the graph differently). */
    Graph graph() {
        return new Graph();
    }

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
        var g = graph();
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
    void alternatingStructuresNeverGetTheLastPlanByMistake(TensorMath m) {
        // The cache first tries the most recent plan without hashing; rebuilds that differ from it
        // only in a scalar attribute or a shape must still get their own plans and values.
        var g = graph();
        double[] factors = {2, 3, 2, 2, 3, 3};
        int[] sizes = {1, 1, 1, 2, 2, 2};
        for (int r = 0; r < factors.length; r++) {
            g.reset();
            var x = g.input("x", F64, sizes[r]);
            var step = g.compile(x.mul(factors[r]).sum(), Backs.withInputs(m));
            double[] v = new double[sizes[r]];
            java.util.Arrays.fill(v, 1.5);
            step.feed(x, Tensor.of(v, sizes[r])).forward().backward();
            assertEquals(1.5 * factors[r] * sizes[r], step.output().item(), "rebuild " + r);
            assertEquals(factors[r], step.grad(x).get(sizes[r] - 1), "rebuild " + r);
        }
        assertEquals(4, g.planCache().size());
        assertEquals(2, g.planCache().hits());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aDifferentBuildLeftUncompiledAndThenRepeatedGetsItsOwnPlan(TensorMath m) {
        // A rebuild that keeps every pooled node as it was at the last compile skips the node-by-node
        // match. A build that differs but is never compiled, then repeated after a reset, re-creates
        // its own (different) nodes identically: it must not pass for the compiled structure.
        var g = graph();
        double[] factors = {2, 3, 3, 2, 2, 5, 5};
        boolean[] compile = {true, false, true, true, true, false, true};
        for (int r = 0; r < factors.length; r++) {
            g.reset();
            var x = g.input("x", F64, 2);
            var y = x.mul(factors[r]).sum();
            if (!compile[r]) continue;
            var step = g.compile(y, Backs.withInputs(m));
            step.feed(x, Tensor.vector(1.5, -0.5)).forward().backward();
            assertEquals(factors[r], step.output().item(), "rebuild " + r);
            assertEquals(factors[r], step.grad(x).get(0), "rebuild " + r);
        }
        assertEquals(3, g.planCache().size());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void unchangedRebuildsStillCheckNamesParametersAndConstants(TensorMath m) {
        // Same ops, shapes and edges every time; only a name, the parameter object or the constant
        // tensor differs, and each must reach the step (no stale plan from the shortcut).
        var p1 = new Parameter("p", Tensor.vector(1, 2));
        var p2 = new Parameter("p", Tensor.vector(1, 2));
        var c1 = Tensor.vector(10, 20);
        var c2 = Tensor.vector(30, 40);
        var g = graph();
        record Build(String input, Parameter p, Tensor c) {}
        Build[] builds = {new Build("x", p1, c1), new Build("x", p1, c1), new Build("y", p1, c1), new Build("y", p2, c1),
                new Build("y", p2, c2), new Build("y", p2, c2), new Build("x", p1, c1)};
        for (int r = 0; r < builds.length; r++) {
            Build b = builds[r];
            g.reset();
            var x = g.input(b.input(), F64, 2);
            var loss = x.dot(g.param(b.p())).add(x.dot(g.constant(b.c())));
            var step = g.compile(loss, Backs.on(m));
            b.p().grad().fill(0);
            step.feed(b.input(), Tensor.vector(0.5, -1)).forward().backward();
            double expected = 0.5 * (1 + b.c().get(0)) - (2 + b.c().get(1));
            assertEquals(expected, step.output().item(), 1e-12, "rebuild " + r);
            assertSame(b.p(), step.parameters().getFirst(), "rebuild " + r);
            assertEquals(0.5, b.p().grad().get(0), "rebuild " + r);
            assertEquals(-1, b.p().grad().get(1), "rebuild " + r);
        }
        // x/p1, y/p1, y/p2: the small constant is data, so c2 reuses the y/p2 plan (with c2's values, checked above).
        assertEquals(3, g.planCache().size());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void recycledNodesFollowChangedLayouts(TensorMath m) {
        // Same shapes, dtypes, ops and edges; only the leaf's layout changes (a contiguous input, then
        // a transposed constant), so the reshape on it must stop being a view and copy at run time.
        var g = graph();
        var data = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        var weights = Tensor.vector(1, 10, 100, 1000, 1e4, 1e5);
        for (int build = 0; build < 3; build++) {
            g.reset();
            var leaf = build == 1 ? g.constant(data.transpose()) : g.input("x", F64, 2, 3);
            var y = leaf.reshape(6).dot(g.constant(weights));
            var step = g.compile(y, Backs.on(m));
            if (build != 1) step.feed("x", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
            for (int run = 0; run < 2; run++) {
                if (build == 1) data.set(run + 7, 0, 0);   // constants are not copied: later runs see the change
                double[] flat = new double[6];   // row-major order of the (2, 3) leaf
                for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) flat[i * 3 + j] = build == 1 ? data.get(j, i) : i * 3 + j + 1;
                double expected = 0;
                for (int i = 0; i < 6; i++) expected += flat[i] * weights.get(i);
                assertEquals(expected, step.forward().output().item(), 1e-9, "build " + build + ", run " + run);
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void renamingAnOpNodeAfterItIsBuiltReachesThePlan(TensorMath m) {
        // Named nodes stay readable (their buffers are not reused), so the name is part of the plan:
        // each rebuild renames the product after building it, and the step must follow.
        var g = graph();
        String[] names = {"h", null, "k", "h", "h", null, null};
        for (int r = 0; r < names.length; r++) {
            g.reset();
            var x = g.input("x", F64, 2);
            var h = x.mul(x);
            if (names[r] != null) g.named(names[r], h);
            var step = g.compile(h.sum(), Backs.on(m));
            step.feed(x, Tensor.vector(1, 2)).forward();
            assertEquals(5, step.output().item(), "rebuild " + r);
            if (names[r] != null) {
                assertEquals(4, step.value(names[r]).get(1), "rebuild " + r);
            } else {
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> step.value(h), "rebuild " + r);
            }
        }
        assertEquals(3, g.planCache().size());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aNameTakenEarlierInARebuildIsStillAConflict(TensorMath m) {
        // Build 1 has input 'x' at index 2; build 2 names an earlier node 'x' first, then asks for
        // input 'x' at the same index: the pooled node there still carries the name, but it is taken.
        var g = graph();
        var w = new Parameter("w", Tensor.vector(1, 2));
        g.input("a", F64, 2);
        g.param(w);
        g.input("x", F64, 2);
        g.reset();
        var a = g.input("a", F64, 2);
        g.param(w);
        g.named("x", a);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> g.input("x", F64, 2));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("already"), e.getMessage());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void recycledNodesFollowChangedShapes(TensorMath m) {
        var g = graph();
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
        var g = graph();
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

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void dynamicClassifierRebuildAllocatesNothing(TensorMath m) {
        // The MLP of MlpStepBench's dynamic case, with softmax cross-entropy, rebuilt every step.
        var g = graph();
        var w = new Parameter("W", Tensor.randn(F64, Seed.of(1), 6, 5));
        var b = new Parameter("b", Tensor.zeros(F64, 5));
        var v = new Parameter("V", Tensor.randn(F64, Seed.of(2), 5, 3));
        var opt = new Sgd(java.util.List.of(w, b, v), 0.01, 0, 0, m);
        Tensor x = Tensor.randn(F64, Seed.of(3), 4, 6), t = Tensor.zeros(F64, 4, 3);
        for (int i = 0; i < 4; i++) t.set(1, i, i % 3);
        int[] xShape = {4, 6}, tShape = {4, 3};
        CompileOptions options = Backs.on(m);
        Runnable iteration = () -> {
            g.reset();
            Node h = g.input("x", F64, xShape).matmul(g.param(w)).add(g.param(b)).tanh();
            Node loss = Losses.softmaxCrossEntropy(h.matmul(g.param(v)), g.input("t", F64, tShape));
            Step step = g.compile(loss, options);
            step.feed("x", x).feed("t", t).forward().backward();
            opt.step();
        };
        AllocationTest.allocated(iteration, 300);
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 5; window++) best = Math.min(best, AllocationTest.allocated(iteration, 100));
        assertEquals(0, best, best + " bytes per 100 dynamic classifier steps");
        assertEquals(1, g.planCache().size());
    }

    /** Leaves reading rows of one table: the compiler shares the views of equal slices, never those of different rows. */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void leavesReadingRowsOfOneTableGetTheirOwnRows(TensorMath m) {
        var g = graph();
        var table = new Parameter("X", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2));
        Node x = g.param(table);
        Node a = x.slice(range(0, 1), all()), b = x.slice(range(0, 1), all()), c = x.slice(range(1, 2), all()),
                d = x.slice(range(2, 3), all());
        Step step = g.compile(a.mul(2).add(b.mul(3)).add(c.mul(4)).add(d.mul(7)).sum(), Backs.on(m));
        step.forward().backward();
        assertEquals(5 * 3 + 4 * 7 + 7 * 11, step.output().item(), 1e-12);
        double[] expected = {5, 5, 4, 4, 7, 7};
        for (int k = 0; k < 6; k++) assertEquals(expected[k], table.grad().getFlat(k), 1e-12, "gradient element " + k);
    }
}
