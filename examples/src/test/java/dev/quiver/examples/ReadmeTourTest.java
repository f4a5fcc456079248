package dev.quiver.examples;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.layers.Bidirectional;
import dev.quiver.layers.Embedding;
import dev.quiver.layers.Linear;
import dev.quiver.layers.Scope;
import dev.quiver.layers.Sequential;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static dev.quiver.tensor.Index.*;
import static org.junit.jupiter.api.Assertions.*;

/** The README's tour, run as written (keep the two in step), with its claims checked. */
class ReadmeTourTest {
    @Test
    void tensorsAndIndexing() {
        Tensor T = Tensor.arange(F64, 2 * 3 * 4 * 5).reshape(2, 3, 4, 5);
        Tensor a = T.at(1);                                   // x[i]            shape [3, 4, 5]
        Tensor b = T.slice(all(), all(), all(), at(2));        // T[:, :, :, 2]   shape [2, 3, 4]
        Tensor c = T.slice(at(0), range(0, 3, 2), at(-1));    // T[0, 0:3:2, -1] shape [2, 5]
        Tensor M = Tensor.randn(F32, Seed.of(42), 64, 256);            // seeded: same values on every backend
        Tensor y = M.matmul(M.transpose()).tanh();            // transposed view, no copy
        Tensor A = Tensor.randn(F64, Seed.of(1), 4, 5, 6), B = Tensor.randn(F64, Seed.of(2), 5, 7);
        Tensor C = TensorMath.get().modeNLast(A, B, 1);       // C[m,r,k] = sum_n A[m,n,r] B[n,k]

        assertArrayEquals(new int[] {3, 4, 5}, a.shape());
        assertEquals(60 + 2 * 20 + 3 * 5 + 4, a.get(2, 3, 4));
        assertArrayEquals(new int[] {2, 3, 4}, b.shape());
        assertEquals(1 * 60 + 2 * 20 + 3 * 5 + 2, b.get(1, 2, 3));
        assertArrayEquals(new int[] {2, 5}, c.shape());
        assertEquals(2 * 20 + 3 * 5 + 1, c.get(1, 1));
        assertTrue(T.sharesStorage(c));
        assertArrayEquals(new int[] {64, 64}, y.shape());
        assertArrayEquals(new int[] {4, 6, 7}, C.shape());
        double expected = 0;
        for (int n = 0; n < 5; n++) expected += A.get(3, n, 5) * B.get(n, 6);
        assertEquals(expected, C.get(3, 5, 6), 1e-12);
    }

    @Test
    void quadraticFormGradients() {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var A = g.param("A", Tensor.randn(F64, Seed.of(7), 3, 3));
        var f = g.named("f", x.t().matmul(A).matmul(x));
        var step = g.compile(f, CompileOptions.training().withWrt(x, A));   // plans shapes, schedule, buffers
        step.forward(Map.of("x", Tensor.vector(0.5, -1.25, 2.0)));
        step.backward();
        Tensor dx = step.grad(x);                // (A^T + A) x
        Tensor dA = step.grad(A);                // x x^T

        Tensor a = A.parameter().value(), xv = Tensor.vector(0.5, -1.25, 2.0);
        for (int i = 0; i < 3; i++) {
            double e = 0;
            for (int j = 0; j < 3; j++) {
                e += (a.get(j, i) + a.get(i, j)) * xv.get(j);
                assertEquals(xv.get(i) * xv.get(j), dA.get(i, j), 1e-12);
            }
            assertEquals(e, dx.get(i), 1e-12);
        }
    }

    @Test
    void twoLayerNetworkTrainingLoop() {
        var g = new Graph();
        var x = g.input("x", F32, 64, 784);
        var target = g.input("target", F32, 64, 10);
        var W = g.param("W", Init.xavierUniform(F32, Seed.of(1), 784, 256));
        var b = g.param("b", Tensor.zeros(F32, 256));
        var V = g.param("V", Init.xavierUniform(F32, Seed.of(2), 256, 10));
        var a = g.param("a", Tensor.zeros(F32, 10));
        var y = x.matmul(W).add(b).tanh().matmul(V).add(a);
        var train = g.compile(Losses.softmaxCrossEntropy(y, target));
        var opt = new Sgd(train.parameters(), 0.05);

        Tensor xs = Tensor.randn(F32, Seed.of(3), 64, 784), ts = Tensor.zeros(F32, 64, 10);
        for (int i = 0; i < 64; i++) ts.set(1, i, i % 10);
        record Batch(Tensor x, Tensor y) {}
        List<Batch> batches = java.util.Collections.nCopies(30, new Batch(xs, ts));
        double first = Double.NaN, last = Double.NaN;
        for (var batch : batches) {              // steady state: nothing allocated per step
            train.feed(x, batch.x()).feed(target, batch.y());
            train.forward().backward();
            opt.step();
            last = train.output().item();
            if (Double.isNaN(first)) first = last;
        }
        assertTrue(last < first / 2, first + " -> " + last);
    }

    @Test
    void gradientCheck() {
        var g = new Graph();
        var x = g.input("x", F64, 3, 4);
        var report = GradCheck.of(x.tanh().sum()).feed("x", Tensor.randn(F64, Seed.of(1), 3, 4)).check();
        assertTrue(report.ok(), report.toString());  // on failure: node, input, worst element, analytic vs numeric
    }

    /** A binary tree for the README's dynamic-graph snippet: a leaf has a word, every node a label. */
    record Tree(int word, int label, Tree left, Tree right) {
        Node build(java.util.function.IntFunction<Node> leaf, java.util.function.BinaryOperator<Node> combine,
                   java.util.function.ObjIntConsumer<Node> loss) {
            Node h = left == null ? leaf.apply(word) : combine.apply(left.build(leaf, combine, loss), right.build(leaf, combine, loss));
            loss.accept(h, label);
            return h;
        }
    }

    @Test
    void dynamicGraphsPerTree() {
        var rnd = new java.util.SplittableRandom(5);
        List<Tree> distinct = new ArrayList<>();
        for (int i = 0; i < 40; i++) distinct.add(randomTree(rnd, 1 + rnd.nextInt(6)));
        List<Tree> trees = new ArrayList<>();
        for (int epoch = 0; epoch < 15; epoch++) trees.addAll(distinct);
        double[] lossPerTree = new double[trees.size()];
        int[] at = {0};
        // --- the README snippet, as written (plus recording each tree's loss)
        var E = new Parameter("E", Tensor.randn(F32, Seed.of(42), 10_000, 64));    // word embeddings
        var W = new Parameter("W", Init.xavierUniform(F32, Seed.of(1), 64, 128));
        var U = new Parameter("U", Init.xavierUniform(F32, Seed.of(2), 5, 64));
        var adam = new Adam(List.of(E, W, U), 0.001);
        var g = new Graph();
        Tensor before = E.value().copy();
        for (Tree t : trees) {
            g.reset();                                           // nodes of the last tree are recycled
            List<Node> losses = new ArrayList<>();
            Node root = t.build(                                 // your recursion over the tree:
                    word -> g.lookup(g.param(E), word),          //   leaf: row E[word, :], a sparse gradient
                    (l, r) -> g.param(W).matmul(g.concat(0, l, r)).tanh(),
                    (h, label) -> losses.add(g.pickNegLogSoftmax(g.param(U).matmul(h), label)));
            Step s = g.compile(g.addN(losses.toArray(new Node[0]))).forward().backward();
            adam.step();                                         // touches only the looked-up rows of E
            lossPerTree[at[0]++] = s.output().item();
        }
        // --- checks
        double first = 0, last = 0;
        for (int i = 0; i < distinct.size(); i++) {
            first += lossPerTree[i];
            last += lossPerTree[trees.size() - distinct.size() + i];
        }
        assertTrue(last < 0.8 * first, first + " -> " + last);
        java.util.Set<Integer> words = new java.util.HashSet<>();
        for (Tree t : distinct) collect(t, words);
        for (int r = 0; r < 10_000; r += 97) {                        // rows never looked up never move
            if (words.contains(r)) continue;
            for (int j = 0; j < 64; j++) assertEquals(before.get(r, j), E.value().get(r, j));
        }
        assertTrue(g.planCache().misses() <= distinct.size(), g.planCache().toString());
    }

    record Sentence(int[] words, int[] tags) {}

    @Test
    void layers(@TempDir Path dir) throws java.io.IOException {
        var rnd = new java.util.SplittableRandom(6);
        List<Sentence> sentences = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = 2 + rnd.nextInt(5);
            int[] w = new int[n], t = new int[n];
            for (int k = 0; k < n; k++) {
                w[k] = rnd.nextInt(50);
                t[k] = w[k] % 5;                                 // a tag the words determine
            }
            sentences.add(new Sentence(w, t));
        }
        for (int epoch = 0; epoch < 4; epoch++) sentences.addAll(sentences.subList(0, 12));
        List<Double> losses = new ArrayList<>();
        Path file = dir.resolve("tagger.safetensors");
        // --- the README snippet, as written (plus recording each sentence's loss; smaller sizes)
        Scope model = Scope.root(F32, Seed.of(1));                            // one model's parameters, by name
        var embed = new Embedding(model.child("embed"), 10_000, 64);         // embed.E
        var bilstm = Bidirectional.lstm(model.child("bilstm"), 64, 32);      // bilstm.fwd.Wx, .Wh, .b; bilstm.bwd.*
        var out = new Linear(model.child("out"), 64, 5);                     // out.W, out.b
        var adam = new Adam(model.parameters(), 0.01);
        var g = new Graph();
        for (Sentence s : sentences) {
            g.reset();                                                       // a graph per sentence, as above
            Node logits = out.apply(bilstm.apply(embed.apply(g, s.words())));   // [L, 5]
            Node tags = g.constant(Tensor.ofInts(s.tags(), s.tags().length));
            Step step = g.compile(g.softmaxCrossEntropy(logits, tags)).forward().backward();
            adam.step();
            losses.add(step.output().item());
        }
        model.save(file);                     // safetensors, by name; model.load(file) checks names, dtypes, shapes
        // --- checks
        assertEquals(List.of("embed.E", "bilstm.fwd.Wx", "bilstm.fwd.Wh", "bilstm.fwd.b", "bilstm.bwd.Wx", "bilstm.bwd.Wh",
                "bilstm.bwd.b", "out.W", "out.b"), model.parameters().stream().map(Parameter::name).toList());
        double first = 0, last = 0;
        for (int i = 0; i < 12; i++) {
            first += losses.get(i);
            last += losses.get(losses.size() - 12 + i);
        }
        assertTrue(last < 0.5 * first, first + " -> " + last);
        Scope copy = Scope.root(F32, Seed.of(2));
        new Embedding(copy.child("embed"), 10_000, 64);
        Bidirectional.lstm(copy.child("bilstm"), 64, 32);
        new Linear(copy.child("out"), 64, 5);
        copy.load(file);
        assertArrayEquals(model.get("out.W").value().toDoubleArray(), copy.get("out.W").value().toDoubleArray());
        Scope wrong = Scope.root(F32, Seed.of(2));
        new Embedding(wrong.child("embed"), 10_000, 64);
        Bidirectional.lstm(wrong.child("bilstm"), 64, 16);
        var e = assertThrows(IllegalArgumentException.class, () -> wrong.load(file));
        assertTrue(e.getMessage().contains("'bilstm.fwd.Wx' is F32 [64, 128] but the model's parameter is F32 [64, 64]"), e.getMessage());

        // --- the static-graph snippet
        Scope mlpModel = Scope.root(F32, Seed.of(3));
        var mlp = Sequential.of(new Linear(mlpModel.child("l1"), 784, 256), Node::tanh, new Linear(mlpModel.child("l2"), 256, 10));
        var g2 = new Graph();
        var x = g2.input("x", F32, 64, 784);
        Node y = mlp.apply(x);                                               // [64, 10]
        assertArrayEquals(new int[] {64, 10}, y.shape());
        assertEquals(List.of("l1.W", "l1.b", "l2.W", "l2.b"), mlp.parameters().stream().map(Parameter::name).toList());
        var bad = assertThrows(IllegalArgumentException.class, () -> mlp.apply(g2.input("x2", F32, 64, 783)));
        assertTrue(bad.getMessage().startsWith("Linear 'l1': input 'x2' [64, 783] must have a last dimension of 784"), bad.getMessage());
    }

    private static Tree randomTree(java.util.SplittableRandom rnd, int leaves) {
        if (leaves == 1) return new Tree(rnd.nextInt(10_000), rnd.nextInt(5), null, null);
        int left = 1 + rnd.nextInt(leaves - 1);
        return new Tree(-1, rnd.nextInt(5), randomTree(rnd, left), randomTree(rnd, leaves - left));
    }

    private static void collect(Tree t, java.util.Set<Integer> words) {
        if (t.left() == null) words.add(t.word());
        else {
            collect(t.left(), words);
            collect(t.right(), words);
        }
    }
}
