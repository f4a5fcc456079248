package dev.quiver.layers;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.io.Checkpoint;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayersTest {
    static Tensor randn(long seed, int... shape) { return Tensor.randn(F64, Seed.of(seed), shape); }

    static Tensor run(Node out, Map<String, Tensor> feeds) {
        return out.graph().compile(out, CompileOptions.inferenceOnly()).forward(feeds).output();
    }

    /** Makes every parameter non-zero (biases start at zero, which would hide a wrong bias path). */
    static void perturb(Scope s, long seed) {
        for (Parameter p : s.parameters()) {
            Tensor noise = Tensor.randn(p.value().dtype(), Seed.of(seed++), p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().setFlat(i, p.value().getFlat(i) + 0.3 * noise.getFlat(i));
        }
    }

    // ------------------------------------------------------------------ gradients (float64)

    @Test void linearGradients() {
        Scope m = Scope.root(F64, Seed.of(1));
        var lin = new Linear(m.child("lin"), 4, 3);
        perturb(m, 10);
        var g = new Graph();
        var x = g.input("x", F64, 2, 4);
        GradCheck.of(lin.apply(x).tanh()).feed("x", randn(2, 2, 4)).check().assertOk();
        var g3 = new Graph();
        var x3 = g3.input("x", F64, 2, 5, 4);                  // rank 3: flattened to rows and back
        Node y3 = lin.apply(x3);
        assertArrayEquals(new int[] {2, 5, 3}, y3.shape());
        GradCheck.of(y3.square()).feed("x", randn(3, 2, 5, 4)).check().assertOk();
    }

    @Test void embeddingGradientsAreRowSparse() {
        Scope m = Scope.root(F64, Seed.of(2));
        var emb = new Embedding(m.child("emb"), 20, 3);
        var g = new Graph();
        Node rows = emb.apply(g, 4, 7, 4);                     // a repeated id accumulates
        assertArrayEquals(new int[] {3, 3}, rows.shape());
        Node f = rows.tanh().sum().add(emb.row(g, 11).square().sum());
        GradCheck.of(f).check().assertOk();
        g.compile(f).forward().backward();
        assertNotNull(emb.table().sparseRows(), "a table read only by lookups has a row-sparse gradient");
        assertEquals(3, emb.table().sparseRows().size());
    }

    @Test void recurrentGradients() {
        Scope m = Scope.root(F64, Seed.of(3));
        var lstm = new LstmCell(m.child("lstm"), 3, 4);
        var gru = new GruCell(m.child("gru"), 3, 4);
        perturb(m, 20);
        for (RecurrentCell cell : List.<RecurrentCell>of(lstm, gru)) {
            for (boolean reverse : new boolean[] {false, true}) {
                var g = new Graph();
                var xs = g.input("xs", F64, 4, 3);
                Node out = new Recurrent(cell, reverse).apply(xs);
                assertArrayEquals(new int[] {4, 4}, out.shape());
                GradCheck.of(out).feed("xs", randn(4, 4, 3)).check().assertOk();
            }
            // a step from a given state, vectors rather than rows
            var g = new Graph();
            var x = g.input("x", F64, 3);
            var h = g.input("h", F64, 4);
            var c = g.input("c", F64, 4);
            var s = cell.step(x, new RecurrentCell.State(h, cell instanceof LstmCell ? c : null));
            Node f = s.c() == null ? s.h() : g.concat(0, s.h(), s.c());
            Map<String, Tensor> feeds = new LinkedHashMap<>(Map.of("x", randn(5, 3), "h", randn(6, 4)));
            if (s.c() != null) feeds.put("c", randn(7, 4));
            GradCheck.of(f).feeds(feeds).wrt(s.c() == null ? new Node[] {x, h} : new Node[] {x, h, c}).check().assertOk();
        }
    }

    @Test void bidirectionalAndSequentialGradients() {
        Scope m = Scope.root(F64, Seed.of(4));
        var net = Sequential.of("tagger", Bidirectional.lstm(m.child("bi"), 3, 2), Node::tanh, new Linear(m.child("out"), 4, 5));
        perturb(m, 30);
        var g = new Graph();
        var xs = g.input("xs", F64, 3, 3);
        GradCheck.of(net.apply(xs)).feed("xs", randn(8, 3, 3)).check().assertOk();
        var gru = Bidirectional.gru(m.child("bigru"), 3, 2);
        perturb(m.child("bigru"), 40);
        var g2 = new Graph();
        var ys = g2.input("ys", F64, 3, 2, 3);                 // time-major [L, B, in]
        GradCheck.of(gru.apply(ys)).feed("ys", randn(9, 3, 2, 3)).check().assertOk();
    }

    // ------------------------------------------------------------------ against the formulas

    @Test void lstmCellMatchesTheFormula() {
        Scope m = Scope.root(F64, Seed.of(5));
        var cell = new LstmCell(m.child("lstm"), 3, 4);
        perturb(m, 50);
        Tensor xv = randn(51, 5, 2, 3);                        // 5 steps of 2 rows
        var g = new Graph();
        var xs = g.input("xs", F64, 5, 2, 3);
        var run = new Recurrent(cell).run(xs, null);
        Node out = g.concat(0, g.stack(0, run.outputs()), g.stack(0, run.last().c()));
        Tensor got = run(out, Map.of("xs", xv));               // [6, 2, 4]: h_1..h_5, then c_5
        for (int b = 0; b < 2; b++) {
            double[] h = new double[4], c = new double[4];
            for (int t = 0; t < 5; t++) {
                double[][] hc = Reference.lstm(cell, row(xv, t, b), h, c);
                h = hc[0];
                c = hc[1];
                for (int j = 0; j < 4; j++) assertEquals(h[j], got.get(t, b, j), 1e-12, "h t=" + t + " b=" + b);
            }
            for (int j = 0; j < 4; j++) assertEquals(c[j], got.get(5, b, j), 1e-12, "c b=" + b);
        }
    }

    @Test void gruCellMatchesTheFormula() {
        Scope m = Scope.root(F64, Seed.of(6));
        var cell = new GruCell(m.child("gru"), 3, 4);
        perturb(m, 60);
        Tensor xv = randn(61, 5, 2, 3);
        var g = new Graph();
        var xs = g.input("xs", F64, 5, 2, 3);
        Tensor got = run(new Recurrent(cell).apply(xs), Map.of("xs", xv));
        for (int b = 0; b < 2; b++) {
            double[] h = new double[4];
            for (int t = 0; t < 5; t++) {
                h = Reference.gru(cell, row(xv, t, b), h);
                for (int j = 0; j < 4; j++) assertEquals(h[j], got.get(t, b, j), 1e-12, "t=" + t + " b=" + b);
            }
        }
    }

    static double[] row(Tensor x, int t, int b) {
        double[] r = new double[x.dim(2)];
        for (int i = 0; i < r.length; i++) r[i] = x.get(t, b, i);
        return r;
    }

    @Test void bidirectionalIsForwardAndReversedRunsSideBySide() {
        Scope m = Scope.root(F64, Seed.of(7));
        var bi = Bidirectional.lstm(m.child("bi"), 3, 4);
        perturb(m, 70);
        LstmCell fwd = (LstmCell) bi.forward().cell(), bwd = (LstmCell) bi.backward().cell();
        assertEquals("bi.fwd.Wx", fwd.parameters().get(0).name());
        Tensor xv = randn(71, 5, 3);
        var g = new Graph();
        Tensor got = run(bi.apply(g.input("xs", F64, 5, 3)), Map.of("xs", xv));   // [5, 8]
        double[] h = new double[4], c = new double[4];
        for (int t = 0; t < 5; t++) {                          // forward half: first to last
            double[][] hc = Reference.lstm(fwd, xv.at(t).toDoubleArray(), h, c);
            h = hc[0];
            c = hc[1];
            for (int j = 0; j < 4; j++) assertEquals(h[j], got.get(t, j), 1e-12, "fwd t=" + t);
        }
        h = new double[4];
        c = new double[4];
        for (int t = 4; t >= 0; t--) {                         // backward half: last to first, output at its own step
            double[][] hc = Reference.lstm(bwd, xv.at(t).toDoubleArray(), h, c);
            h = hc[0];
            c = hc[1];
            for (int j = 0; j < 4; j++) assertEquals(h[j], got.get(t, 4 + j), 1e-12, "bwd t=" + t);
        }
    }

    @Test void timeMajorBatchEqualsEachSequenceAlone() {
        Scope m = Scope.root(F64, Seed.of(8));
        var bi = Bidirectional.gru(m.child("bi"), 3, 2);
        perturb(m, 80);
        Tensor xv = randn(81, 4, 3, 3);                        // [L=4, B=3, in=3]
        var g = new Graph();
        Tensor batched = run(bi.apply(g.input("xs", F64, 4, 3, 3)), Map.of("xs", xv));
        for (int b = 0; b < 3; b++) {
            Tensor one = Tensor.zeros(F64, 4, 3);
            for (int t = 0; t < 4; t++) for (int i = 0; i < 3; i++) one.set(xv.get(t, b, i), t, i);
            var g1 = new Graph();
            Tensor alone = run(bi.apply(g1.input("xs", F64, 4, 3)), Map.of("xs", one));
            for (int t = 0; t < 4; t++) for (int j = 0; j < 4; j++) assertEquals(alone.get(t, j), batched.get(t, b, j), 1e-12);
        }
    }

    // ------------------------------------------------------------------ names, seeds, collisions

    @Test void hierarchicalNamesAndParameters() {
        Scope m = Scope.root(F32, Seed.of(9));
        var enc = m.child("encoder");
        var emb = new Embedding(enc.child("embed"), 10, 4);
        var lstm = new LstmCell(enc.child("lstm"), 4, 3);
        var out = new Linear(m.child("out"), 3, 2, false);
        assertEquals(List.of("encoder.embed.E", "encoder.lstm.Wx", "encoder.lstm.Wh", "encoder.lstm.b", "out.W"),
                m.parameters().stream().map(Parameter::name).toList());
        assertEquals(List.of("encoder.embed.E", "encoder.lstm.Wx", "encoder.lstm.Wh", "encoder.lstm.b"),
                enc.parameters().stream().map(Parameter::name).toList());
        assertEquals(lstm.parameters(), m.child("encoder").child("lstm").parameters());
        assertSame(emb.table(), m.get("encoder.embed.E"));
        assertEquals(List.of(out.weight()), out.parameters());
        assertEquals("encoder.lstm", m.child("encoder.lstm").name());
        assertThrows(IllegalArgumentException.class, () -> m.child("a..b"));
        assertThrows(IllegalArgumentException.class, () -> m.child(""));
    }

    @Test void initialValuesComeFromTheSeedAndTheName() {
        Scope a = Scope.root(F64, Seed.of(10)), b = Scope.root(F64, Seed.of(10)), c = Scope.root(F64, Seed.of(11));
        new Linear(b.child("first"), 5, 5);                    // creation order does not matter
        var la = new Linear(a.child("lin"), 5, 5);
        var lb = new Linear(b.child("lin"), 5, 5);
        var lc = new Linear(c.child("lin"), 5, 5);
        var other = new Linear(a.child("lin2"), 5, 5);
        assertArrayEquals(la.weight().value().toDoubleArray(), lb.weight().value().toDoubleArray());
        assertNotEquals(la.weight().value().get(0, 0), lc.weight().value().get(0, 0));
        assertNotEquals(la.weight().value().get(0, 0), other.weight().value().get(0, 0));
        double bound = Math.sqrt(6.0 / 10);                   // Xavier uniform's limit for 5 x 5
        for (double v : la.weight().value().toDoubleArray()) assertTrue(Math.abs(v) <= bound);
        for (double v : la.bias().value().toDoubleArray()) assertEquals(0, v);
    }

    @Test void aNameIsCreatedOnce() {
        Scope m = Scope.root(F32, Seed.of(12));
        new Linear(m.child("l1"), 4, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> new Linear(m.child("l1"), 4, 8));
        assertTrue(e.getMessage().contains("'l1.W' [4, 8]") && e.getMessage().contains("Parameter(l1.W, [4, 4])"), e.getMessage());
        // Two separate models with one name in one graph: the graph refuses the second parameter.
        Scope other = Scope.root(F32, Seed.of(12));
        var a = new Linear(other.child("l2"), 4, 4);
        var b = new Linear(Scope.root(F32, Seed.of(13)).child("l2"), 4, 4);
        var g = new Graph();
        Node x = g.input("x", F32, 1, 4);
        Node y = a.apply(x);
        var e2 = assertThrows(IllegalArgumentException.class, () -> b.apply(y));
        assertTrue(e2.getMessage().contains("l2.W"), e2.getMessage());
    }

    @Test void wrongInputsNameTheLayerAndTheShapes() {
        Scope m = Scope.root(F32, Seed.of(14));
        var lin = new Linear(m.child("dec").child("proj"), 8, 2);
        var emb = new Embedding(m.child("emb"), 5, 3);
        var bi = Bidirectional.lstm(m.child("bi"), 3, 2);
        var g = new Graph();
        Node x = g.input("x", F32, 2, 7);
        var e = assertThrows(IllegalArgumentException.class, () -> lin.apply(x));
        assertTrue(e.getMessage().startsWith("Linear 'dec.proj': input 'x'") && e.getMessage().contains("[2, 7]")
                && e.getMessage().contains("[..., 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> emb.apply(x));
        assertTrue(e.getMessage().startsWith("Embedding 'emb': ids 'x'") && e.getMessage().contains("F32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bi.apply(x));
        assertTrue(e.getMessage().startsWith("LstmCell 'bi.fwd': input 'x'") && e.getMessage().contains("[..., 3]"), e.getMessage());
        Node v = g.input("v", F32, 3);
        e = assertThrows(IllegalArgumentException.class, () -> bi.apply(v));
        assertTrue(e.getMessage().startsWith("Recurrent 'bi.fwd': sequence 'v'") && e.getMessage().contains("[L, 3]"), e.getMessage());
        var cell = new GruCell(m.child("gru"), 3, 2);
        Node h = g.input("h", F32, 2, 5);
        e = assertThrows(IllegalArgumentException.class, () -> cell.step(g.input("x3", F32, 2, 3), new RecurrentCell.State(h, null)));
        assertTrue(e.getMessage().startsWith("GruCell 'gru': previous state h 'h'") && e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    // ------------------------------------------------------------------ saving and loading by name

    @Test void saveAndLoadBySafetensorsAndCheckpoint(@TempDir Path dir) throws IOException {
        Scope m = Scope.root(F32, Seed.of(15));
        var net = Sequential.of(new Embedding(m.child("emb"), 6, 3), Bidirectional.lstm(m.child("bi"), 3, 2), new Linear(m.child("out"), 4, 2));
        Path file = dir.resolve("model.safetensors");
        m.save(file);
        Scope fresh = Scope.root(F32, Seed.of(99));            // another seed: other values until loaded
        var net2 = Sequential.of(new Embedding(fresh.child("emb"), 6, 3), Bidirectional.lstm(fresh.child("bi"), 3, 2), new Linear(fresh.child("out"), 4, 2));
        assertNotEquals(m.get("bi.fwd.Wx").value().getFlat(0), fresh.get("bi.fwd.Wx").value().getFlat(0));
        fresh.load(file);
        for (Parameter p : m.parameters()) assertArrayEquals(p.value().toDoubleArray(), fresh.get(p.name()).value().toDoubleArray(), p.name());
        var g = new Graph();
        assertArrayEquals(run(net.apply(g.constant(Tensor.ofInts(new int[] {1, 5, 2}, 3))), Map.of()).toDoubleArray(),
                run(net2.apply(new Graph().constant(Tensor.ofInts(new int[] {1, 5, 2}, 3))), Map.of()).toDoubleArray());

        // A checkpoint with the model under a prefix next to other state; a sub-scope loads alone.
        Path ckpt = dir.resolve("ckpt.safetensors");
        Checkpoint.builder().tensors("model.", m.tensors()).tensor("adam.t", Tensor.scalar(F32, 3)).put("step", 7).build().save(ckpt);
        Scope third = Scope.root(F32, Seed.of(98));
        new Embedding(third.child("emb"), 6, 3);
        Bidirectional.lstm(third.child("bi"), 3, 2);
        new Linear(third.child("out"), 4, 2);
        Map<String, Tensor> stored = Checkpoint.load(ckpt).tensors();
        third.child("bi").load(stored, "model.");
        assertArrayEquals(m.get("bi.bwd.Wh").value().toDoubleArray(), third.get("bi.bwd.Wh").value().toDoubleArray());
        assertNotEquals(m.get("out.W").value().getFlat(0), third.get("out.W").value().getFlat(0), "outside the sub-scope: untouched");
        third.load(stored, "model.");
        assertArrayEquals(m.get("out.W").value().toDoubleArray(), third.get("out.W").value().toDoubleArray());
    }

    @Test void loadRefusesMismatchesAndLoadsNothing() {
        Scope m = Scope.root(F32, Seed.of(16));
        new Linear(m.child("l1"), 3, 4);
        new Linear(m.child("l2"), 4, 2);
        Scope other = Scope.root(F32, Seed.of(17));
        new Linear(other.child("l1"), 3, 4);
        new Linear(other.child("l2"), 4, 5);                  // l2 has another shape
        double before = m.get("l1.W").value().getFlat(0);
        var e = assertThrows(IllegalArgumentException.class, () -> m.load(other.tensors()));
        assertTrue(e.getMessage().contains("'l2.W' is F32 [4, 5] but the model's parameter is F32 [4, 2]")
                && e.getMessage().contains("'l2.b' is F32 [5]") && e.getMessage().contains("nothing was loaded"), e.getMessage());
        assertEquals(before, m.get("l1.W").value().getFlat(0), "a refused load changes nothing");

        Map<String, Tensor> missing = new LinkedHashMap<>(m.tensors());
        missing.remove("l2.b");
        e = assertThrows(IllegalArgumentException.class, () -> m.load(missing));
        assertTrue(e.getMessage().contains("'l2.b' is missing"), e.getMessage());

        Map<String, Tensor> extra = new LinkedHashMap<>(m.tensors());
        extra.put("l3.W", Tensor.zeros(F32, 2, 2));
        e = assertThrows(IllegalArgumentException.class, () -> m.load(extra));
        assertTrue(e.getMessage().contains("no parameter takes [l3.W]"), e.getMessage());
        m.child("l1").load(extra);                             // outside l1's scope: not its business

        Map<String, Tensor> wrongDtype = new LinkedHashMap<>(m.tensors());
        wrongDtype.put("l1.b", Tensor.zeros(F64, 4));
        e = assertThrows(IllegalArgumentException.class, () -> m.load(wrongDtype));
        assertTrue(e.getMessage().contains("'l1.b' is F64 [4] but the model's parameter is F32 [4]"), e.getMessage());
    }

    // ------------------------------------------------------------------ dynamic graphs and autobatching

    /** A per-sentence loss: embeddings, a BiLSTM, a linear layer and summed class losses. */
    static Node sentenceLoss(Graph g, Embedding emb, Bidirectional bi, Linear out, int[] words, int[] tags) {
        Node logits = out.apply(bi.apply(emb.apply(g, words)));
        return g.softmaxCrossEntropy(logits, g.constant(Tensor.ofInts(tags, tags.length)),
                dev.quiver.ops.CrossEntropy.defaults().withReduction(dev.quiver.ops.CrossEntropy.Reduction.SUM));
    }

    @Test void dynamicGraphsWithAutobatching() {
        Scope m = Scope.root(F64, Seed.of(18));
        var emb = new Embedding(m.child("emb"), 30, 4);
        var bi = Bidirectional.lstm(m.child("bi"), 4, 3);
        var out = new Linear(m.child("out"), 6, 5);
        perturb(m.child("bi"), 90);
        int[][] words = {{1, 2, 3}, {4, 5}, {6, 7, 8, 9}, {10, 2, 11}}, tags = {{0, 1, 2}, {3, 4}, {0, 0, 1, 2}, {4, 3, 2}};
        Map<String, double[]> gradsBuilt = new LinkedHashMap<>();
        double[] loss = new double[2];
        int[][] kernels = new int[2][];
        for (int batched = 0; batched < 2; batched++) {
            var g = new Graph();
            Node[] losses = new Node[words.length];
            for (int i = 0; i < words.length; i++) losses[i] = sentenceLoss(g, emb, bi, out, words[i], tags[i]);
            Step s = g.compile(g.addN(losses), CompileOptions.training().withAutobatch(batched == 1));
            loss[batched] = s.forward().output().item();
            s.backward();
            kernels[batched] = new int[] {s.plan().forwardKernels(), s.plan().unbatchedKernels()};
            for (Parameter p : m.parameters()) {
                if (batched == 0) gradsBuilt.put(p.name(), p.grad().toDoubleArray());
                else assertArrayEquals(gradsBuilt.get(p.name()), p.grad().toDoubleArray(), 1e-10, p.name());
            }
        }
        assertEquals(loss[0], loss[1], 1e-10);
        assertTrue(kernels[1][0] * 3 < kernels[1][1], "autobatching groups the layers' nodes: " + kernels[1][0] + " kernels instead of " + kernels[1][1]);
        assertEquals(kernels[0][0], kernels[1][1], "the graph as built");
        assertNotNull(emb.table().sparseRows(), "the embedding's gradient stays row-sparse when batched");

        // One sentence per graph, rebuilt each step: a structure seen before reuses its plan.
        var g = new Graph();
        Step first = g.compile(sentenceLoss(g, emb, bi, out, words[0], tags[0]));
        g.reset();
        Step again = g.compile(sentenceLoss(g, emb, bi, out, words[3], tags[3]));   // same length, other words
        assertSame(first, again);
        g.reset();
        assertNotSame(first, g.compile(sentenceLoss(g, emb, bi, out, words[1], tags[1])));
    }

    static void assertNotSame(Object a, Object b) { org.junit.jupiter.api.Assertions.assertNotSame(a, b); }

    @Test void staticGraphTrainsWithLayers() {
        Scope m = Scope.root(F64, Seed.of(19));
        var mlp = Sequential.of(new Linear(m.child("l1"), 2, 8), Node::tanh, new Linear(m.child("l2"), 8, 1));
        var g = new Graph();
        var x = g.input("x", F64, 4, 2);
        var y = g.input("y", F64, 4, 1);
        Step step = g.compile(mlp.apply(x).sub(y).square().mean());
        var opt = new dev.quiver.optim.Adam(mlp.parameters(), 0.05);
        Tensor xv = Tensor.fromNested(new double[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}), yv = Tensor.fromNested(new double[][] {{0}, {1}, {1}, {0}});
        double firstLoss = Double.NaN, last = Double.NaN;
        for (int i = 0; i < 300; i++) {
            last = step.forward(Map.of("x", xv, "y", yv)).output().item();
            if (i == 0) firstLoss = last;
            step.backward();
            opt.step();
        }
        assertTrue(last < 0.01 && last < firstLoss / 10, "XOR: " + firstLoss + " -> " + last);
        assertEquals(List.of("l1.W", "l1.b", "l2.W", "l2.b"), step.parameters().stream().map(Parameter::name).sorted().toList());
    }
}
