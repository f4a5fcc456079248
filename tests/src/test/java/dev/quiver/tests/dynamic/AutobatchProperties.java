package dev.quiver.tests.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.check.kit.Coverage;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.graph.StepPipeline;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.quiver.tensor.DType.F64;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autobatching is exact in structure: a forest of random trees (TreeLSTM-like cells with gate
 * slices, lookups, a stacked per-node loss) and random sequences (a recurrence reading one row of a
 * sentence-wide product per step, per-step and per-sentence class losses), summed into one loss,
 * gives the same loss and parameter gradients batched and unbatched, on every backend, and runs
 * fewer kernels batched. Dropout on tree states, column vectors, scalar losses and sentence-wide
 * rows keeps every node's own mask when grouped.
 */
class AutobatchProperties {
    /**
     * One example of a forest: a tree with {@code size} leaves (rows: {@code [1, H]} states times
     * weights; or DyNet's column style: vectors, {@code W x}, a class per node), or a sequence of
     * {@code size} words.
     */
    record Example(Kind kind, int size, int seed) {
        Example(boolean tree, int size, int seed) { this(tree ? Kind.TREE : Kind.SEQUENCE, size, seed); }
        boolean tree() { return kind == Kind.TREE; }
    }

    enum Kind { TREE, SEQUENCE, COLUMN_TREE }

    static final Gen<Example> EXAMPLES = Gens.ints(0, 2).flatMap(kind ->
            Gens.ints(1, 6).flatMap(size -> Gens.ints(0, 1000).map(seed -> new Example(Kind.values()[kind], size, seed))));

    static final int VOCAB = 12, H = 3, CLASSES = 3;

    static final class Model {
        final Parameter E = new Parameter("E", Tensor.randn(F64, Seed.of(201), VOCAB, H));
        final Parameter Wleaf = new Parameter("Wleaf", Tensor.randn(F64, Seed.of(202), H, 2 * H));
        final Parameter W = new Parameter("W", Tensor.randn(F64, Seed.of(203), 2 * H, 3 * H));
        final Parameter b = new Parameter("b", Tensor.randn(F64, Seed.of(204), 1, 3 * H));
        final Parameter Wx = new Parameter("Wx", Tensor.randn(F64, Seed.of(205), H, 2 * H));
        final Parameter Wh = new Parameter("Wh", Tensor.randn(F64, Seed.of(206), H, 2 * H));
        final Parameter U = new Parameter("U", Tensor.randn(F64, Seed.of(207), H, CLASSES));
        final Parameter Wc = new Parameter("Wc", Tensor.randn(F64, Seed.of(208), H, 2 * H));
        final Parameter bc = new Parameter("bc", Tensor.randn(F64, Seed.of(209), H));
        final Parameter Uc = new Parameter("Uc", Tensor.randn(F64, Seed.of(210), CLASSES, H));
        List<Parameter> all() { return List.of(E, Wleaf, W, b, Wx, Wh, U, Wc, bc, Uc); }
    }

    static Node ids(Graph g, SplittableRandom r, int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(bound);
        return g.constant(Tensor.ofInts(v, n));
    }

    /** A tree's hidden state [1, H]; every node's state is added to {@code states}. */
    static Node tree(Graph g, Model m, int leaves, SplittableRandom r, List<Node> states) {
        Node h;
        if (leaves == 1) {
            Node z = g.lookup(g.param(m.E), ids(g, r, 1, VOCAB)).matmul(g.param(m.Wleaf));     // [1, 2H]
            h = z.slice(all(), range(0, H)).sigmoid().mul(z.slice(all(), range(H, 2 * H)).tanh());
        } else {
            int left = 1 + r.nextInt(leaves - 1);
            Node l = tree(g, m, left, r, states), rr = tree(g, m, leaves - left, r, states);
            Node z = g.concat(1, l, rr).matmul(g.param(m.W)).add(g.param(m.b));               // [1, 3H]
            Node gate = z.slice(all(), range(0, 2 * H)).sigmoid();
            h = g.addN(gate.slice(all(), range(0, H)).mul(l), gate.slice(all(), range(H, 2 * H)).mul(rr),
                    z.slice(all(), range(2 * H, 3 * H)).tanh());
        }
        h = g.dropout(h, 0.25);   // each node's own mask, grouped or not
        states.add(h);
        return h;
    }

    /** DyNet's column style: h = tanh(Wc [l; r] + bc) on vectors, leaves E[w] by an int, a class-index loss per node. */
    static Node columnTree(Graph g, Model m, int leaves, SplittableRandom r, List<Node> losses) {
        Node h;
        if (leaves == 1) {
            h = g.lookup(g.param(m.E), r.nextInt(VOCAB));                                              // [H]
        } else {
            int left = 1 + r.nextInt(leaves - 1);
            Node l = columnTree(g, m, left, r, losses), rr = columnTree(g, m, leaves - left, r, losses);
            h = g.dropout(g.param(m.Wc).matmul(g.concat(0, l, rr)).add(g.param(m.bc)).tanh(), 0.25);  // whole vectors
        }
        losses.add(g.dropout(g.pickNegLogSoftmax(g.param(m.Uc).matmul(h), r.nextInt(CLASSES)), 0.25));  // rank 0
        return h;
    }

    static Node loss(Graph g, Model m, Example e) {
        SplittableRandom r = new SplittableRandom(e.seed());
        if (e.kind() == Kind.COLUMN_TREE) {
            List<Node> losses = new ArrayList<>();
            columnTree(g, m, e.size(), r, losses);
            return g.addN(losses.toArray(new Node[0]));
        }
        if (e.tree()) {
            List<Node> states = new ArrayList<>();
            tree(g, m, e.size(), r, states);
            Node all = states.size() == 1 ? states.getFirst() : g.concat(0, states.toArray(new Node[0]));
            return g.softmaxCrossEntropy(all.matmul(g.param(m.U)), ids(g, r, states.size(), CLASSES),
                    CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM));
        }
        int n = e.size();
        Node xw = g.dropout(g.lookup(g.param(m.E), ids(g, r, n, VOCAB)).matmul(g.param(m.Wx)), 0.25);   // [n, 2H], ragged
        Node h = null;
        List<Node> losses = new ArrayList<>();
        Node[] hs = new Node[n];
        for (int t = 0; t < n; t++) {
            Node z = xw.slice(range(t, t + 1), all());
            if (h != null) z = z.add(h.matmul(g.param(m.Wh)));
            h = z.slice(all(), range(0, H)).tanh().mul(z.slice(all(), range(H, 2 * H)).sigmoid());
            hs[t] = h;
            losses.add(g.pickNegLogSoftmax(h.matmul(g.param(m.U)), ids(g, r, 1, CLASSES)));      // [1]
        }
        Node states = n == 1 ? hs[0] : g.concat(0, hs);
        losses.add(g.sum(g.softmaxCrossEntropy(states.matmul(g.param(m.U)), ids(g, r, n, CLASSES))).reshape(1));
        return g.sum(g.addN(losses.toArray(new Node[0])));
    }

    /** The forest's summed loss, compiled with or without autobatching; returns the loss, gradients and the plan. */
    static List<Tensor> run(Model m, List<Example> forest, TensorMath math, boolean batched, int[] kernels) {
        Graph g = new Graph();
        List<Node> losses = new ArrayList<>();
        for (Example e : forest) losses.add(loss(g, m, e));
        Node total = losses.size() == 1 ? losses.getFirst() : g.addN(losses.toArray(new Node[0]));
        return results(g.compile(total, CompileOptions.training().withMath(math).withAutobatch(batched)), m.all(), kernels);
    }

    /** One forward and backward pass: the loss, then each parameter's gradient (null where the step has none); the plan's kernel counts into {@code kernels}. */
    static List<Tensor> results(Step s, List<Parameter> parameters, int[] kernels) {
        s.forward().backward();
        if (kernels != null) {
            kernels[0] = s.plan().forwardKernels();
            kernels[1] = s.plan().unbatchedKernels();
        }
        List<Tensor> out = new ArrayList<>();
        out.add(s.output().copy());
        for (Parameter p : parameters) out.add(s.parameters().contains(p) ? p.grad().copy() : null);
        return out;
    }

    static void assertClose(List<Tensor> expected, List<Tensor> got) {
        for (int k = 0; k < expected.size(); k++) {
            Tensor a = expected.get(k), b = got.get(k);
            String what = (k == 0 ? "loss" : "gradient of parameter " + (k - 1)) + " differs batched";
            assertTrue(a == null ? b == null : b != null, what + " (one is missing)");
            if (a == null) continue;
            assertEquals(a.size(), b.size(), what);
            double scale = 1e-300;
            for (int i = 0; i < a.size(); i++) scale = Math.max(scale, Math.abs(a.getFlat(i)));
            for (int i = 0; i < a.size(); i++) {
                assertTrue(Math.abs(a.getFlat(i) - b.getFlat(i)) <= 1e-12 * scale, what + " at " + i + ": " + a.getFlat(i) + " vs " + b.getFlat(i));
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> batchedEqualsUnbatched() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(Gens.lists(EXAMPLES, 1, 8)).tries(60).test("autobatched forests on " + name, forest -> {
                Model m = new Model();
                Coverage.note("forest", forest.size() == 1 ? "one example" : "several");
                for (Example e : forest) Coverage.note("kind", e.kind().name());
                List<Tensor> plain = run(m, forest, math, false, null);
                int[] kernels = new int[2];
                List<Tensor> batched = run(m, forest, math, true, kernels);
                assertClose(plain, batched);
                Coverage.note("kernels", kernels[0] < kernels[1] ? "fewer batched" : "not fewer");
            }));
        }
        return tests.stream();
    }

    /**
     * Dropout alone (with elementwise ops around it) is exact bit for bit when batched: examples of
     * ragged rows, whole vectors and scalars, each through two dropouts, give the same loss and
     * gradients, on both dtypes and every backend, with the dropouts of one signature run as one kernel.
     */
    @TestFactory
    Stream<DynamicTest> dropoutBatchesBitwise() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            for (var dt : dev.quiver.tensor.DType.FLOATING) {
                tests.add(Property.forAll(Gens.lists(Gens.ints(0, 5), 2, 10)).tries(25).test("dropout batched on " + name + " " + dt, shapes -> {
                    List<Parameter> xs = new ArrayList<>();
                    for (int e = 0; e < shapes.size(); e++) {
                        int k = shapes.get(e);   // 0: a scalar, 1: a vector, else k - 1 rows
                        int[] shape = k == 0 ? new int[0] : k == 1 ? new int[] {5} : new int[] {k - 1, 5};
                        xs.add(new Parameter("x" + e, Tensor.randn(dt, Seed.of(300 + e), shape)));
                    }
                    int[] kernels = new int[2];
                    List<Tensor> plain = dropoutForest(xs, math, false, null), batched = dropoutForest(xs, math, true, kernels);
                    for (int k = 0; k < plain.size(); k++) {
                        assertTrue(plain.get(k).bitwiseEquals(batched.get(k)), (k == 0 ? "loss" : "gradient of x" + (k - 1)) + " differs batched: "
                                + plain.get(k) + " vs " + batched.get(k));
                    }
                    long kinds = shapes.stream().map(k -> Math.min(k, 2)).distinct().count();
                    Coverage.note("signatures", kinds == shapes.size() ? "all distinct" : "some shared");
                    if (kinds < shapes.size()) assertTrue(kernels[0] < kernels[1], "batched " + kernels[0] + " kernels, as built " + kernels[1]);
                }));
            }
        }
        return tests.stream();
    }

    /**
     * Eight examples of one shape: only the per-example tanh of a parameter and the per-example sum
     * run per member; the two dropouts, the scaling and the square run once each for all eight.
     */
    @org.junit.jupiter.api.Test
    void dropoutsOfOneSignatureRunAsOneKernel() {
        List<Parameter> xs = new ArrayList<>();
        for (int e = 0; e < 8; e++) xs.add(new Parameter("x" + e, Tensor.randn(F64, Seed.of(400 + e), 2, 5)));
        int[] kernels = new int[2];
        List<Tensor> batched = dropoutForest(xs, TensorMath.get(), true, kernels), plain = dropoutForest(xs, TensorMath.get(), false, null);
        for (int k = 0; k < plain.size(); k++) assertTrue(plain.get(k).bitwiseEquals(batched.get(k)), "result " + k + " differs batched");
        assertEquals(6 * 8 + 1, kernels[1], "as built: tanh, dropout, scale, dropout, square, sum per example, and the addN");
        // per example tanh and sum; once: the gather of the tanh rows, dropout, scale, dropout, square; the addN
        assertEquals(2 * 8 + 5 + 1, kernels[0], "batched kernels");
    }

    /** sum over examples of sum(d2 * d2), d2 = dropout(1.5 dropout(tanh x, 0.3), 0.5); the loss and each x's gradient. */
    static List<Tensor> dropoutForest(List<Parameter> xs, TensorMath math, boolean batched, int[] kernels) {
        Graph g = new Graph().seed(Seed.of(42));
        Node[] losses = new Node[xs.size()];
        for (int e = 0; e < losses.length; e++) {
            Node d = g.dropout(g.dropout(g.param(xs.get(e)).tanh(), 0.3).mul(1.5), 0.5);
            losses[e] = d.mul(d).sum();
        }
        return results(g.compile(g.addN(losses), CompileOptions.training().withMath(math).withAutobatch(batched)), xs, kernels);
    }

    /** Twelve trees of one shape: every cell of a level runs as one kernel, so the batched forward has far fewer kernels. */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"TREE", "COLUMN_TREE"})
    void sameShapedTreesCollapseIntoLevels(Kind kind) {
        Model m = new Model();
        List<Example> forest = new ArrayList<>();
        for (int i = 0; i < 12; i++) forest.add(new Example(kind, 4, 7));
        int[] kernels = new int[2];
        List<Tensor> batched = run(m, forest, TensorMath.get(), true, kernels);
        assertClose(run(m, forest, TensorMath.get(), false, null), batched);
        assertTrue(kernels[0] * 6 < kernels[1], "batched " + kernels[0] + " kernels, as built " + kernels[1]);
    }

    /**
     * Training through a {@link StepPipeline} (the next minibatch built and compiled on a second
     * thread while the current one runs) ends with the same parameters, bit for bit, as building and
     * compiling each minibatch on the training thread.
     */
    @org.junit.jupiter.api.Test
    void pipelinedTrainingEqualsSerialBitwise() {
        SplittableRandom r = new SplittableRandom(5);
        List<List<Example>> batches = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            List<Example> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) batch.add(new Example(Kind.values()[r.nextInt(3)], 1 + r.nextInt(5), r.nextInt(1000)));
            batches.add(batch);
        }
        List<Tensor> serial = train(batches, false), pipelined = train(batches, true);
        for (int k = 0; k < serial.size(); k++) assertTrue(serial.get(k).bitwiseEquals(pipelined.get(k)), "parameter " + k + " differs");
    }

    private static List<Tensor> train(List<List<Example>> batches, boolean pipelined) {
        Model m = new Model();
        var sgd = new dev.quiver.optim.Sgd(m.all(), 0.05);
        CompileOptions training = CompileOptions.training().withAutobatch(true);
        java.util.function.BiFunction<Graph, List<Example>, Node> build = (g, batch) -> {
            Node[] losses = new Node[batch.size()];
            for (int i = 0; i < losses.length; i++) losses[i] = loss(g, m, batch.get(i));
            return g.addN(losses);
        };
        if (pipelined) {
            try (var pipeline = new StepPipeline<>(build, training)) {
                pipeline.submit(batches.getFirst());
                for (int i = 0; i < batches.size(); i++) {
                    Step step = pipeline.take();
                    if (i + 1 < batches.size()) pipeline.submit(batches.get(i + 1));
                    step.forward().backward();
                    sgd.step();
                }
            }
        } else {
            Graph g = new Graph();
            for (List<Example> batch : batches) {
                g.reset();
                g.compile(build.apply(g, batch), training).forward().backward();
                sgd.step();
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : m.all()) out.add(p.value().copy());
        return out;
    }

    /**
     * An autobatched plan is cached under the graph as built: a minibatch with the same structure and
     * other data (other word ids and classes) gets the same step back, without rewriting or
     * planning, and the right values.
     */
    @org.junit.jupiter.api.Test
    void anAutobatchedPlanServesTheNextMinibatchOfTheSameStructure() {
        Model m = new Model();
        Graph g = new Graph();
        CompileOptions batched = CompileOptions.training().withAutobatch(true);
        Step first = null;
        for (int seed = 0; seed < 3; seed++) {
            List<Example> forest = List.of(new Example(Kind.SEQUENCE, 3, seed), new Example(Kind.SEQUENCE, 3, seed + 10),
                    new Example(Kind.SEQUENCE, 5, seed + 20));
            g.reset();
            Node[] losses = new Node[forest.size()];
            for (int i = 0; i < losses.length; i++) losses[i] = loss(g, m, forest.get(i));
            Step s = g.compile(g.addN(losses), batched);
            if (first == null) first = s;
            assertTrue(s == first, "minibatch " + seed + " recompiled");
            s.setNextRandomDraw(0);   // the dropout masks of the fresh unbatched step compared with
            s.forward().backward();
            List<Tensor> got = new ArrayList<>();
            got.add(s.output().copy());
            for (Parameter p : m.all()) got.add(s.parameters().contains(p) ? p.grad().copy() : null);
            assertClose(run(m, forest, TensorMath.get(), false, null), got);
        }
        assertEquals(1, g.planCache().misses(), g.planCache().toString());
    }
}
