package dev.quiver.tests.grad;

import dev.quiver.backend.Backends;
import dev.quiver.check.GradCheck;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Mode;
import dev.quiver.graph.Node;
import dev.quiver.ops.RunningStats;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Gradient properties of the model-building ops of issue 16 (normalisation, dropout, masks,
 * matmul with broadcast batches, attention) on every backend, against float64 central
 * differences ({@link GradCheck}), in the modes where the op differs.
 */
class LayerOpProperties {
    static final double RTOL = 1e-5, ATOL = 1e-6;

    /** The op's tensor arguments (all differentiated) and integer attributes. */
    record Case(List<Tensor> args, int[] attrs) {}

    @FunctionalInterface
    interface Build {
        Node build(Graph g, Node[] in, int[] attrs);
    }

    record Entry(String op, Gen<Case> cases, Build build, Mode mode) {}

    static Tensor t(int[] shape, Domain d, dev.quiver.check.kit.Source s) {
        return TensorGens.tensors(DType.F64, shape, d).generate(s);
    }

    /** x of rank 1 to 3 with a last axis of 1..6, and vectors of its last dimension. */
    static Gen<Case> rowsAndVectors(int vectors) {
        return s -> {
            int[] shape = TensorGens.shapes(1, 3, 1, 4, 0).generate(s);
            shape[shape.length - 1] = Gens.ints(1, 6).generate(s);
            List<Tensor> args = new ArrayList<>();
            args.add(t(shape, Domain.REAL, s));
            for (int i = 0; i < vectors; i++) args.add(t(new int[] {shape[shape.length - 1]}, Domain.REAL, s));
            return new Case(args, new int[0]);
        };
    }

    /** x [N, C, S...] with N·S >= 2 (a batch variance), and gamma, beta [C]. */
    static Gen<Case> batches() {
        return s -> {
            int rank = Gens.ints(2, 4).generate(s);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = Gens.ints(1, 3).generate(s);
            if (shape[0] * (rank > 2 ? shape[2] : 1) < 2) shape[0] = 2;
            int c = shape[1];
            return new Case(List.of(t(shape, Domain.REAL, s), t(new int[] {c}, Domain.REAL, s), t(new int[] {c}, Domain.REAL, s)), new int[0]);
        };
    }

    static List<Entry> entries() {
        List<Entry> e = new ArrayList<>();
        e.add(new Entry("layerNorm", rowsAndVectors(2), (g, in, a) -> g.layerNorm(in[0], in[1], in[2], 1e-5), Mode.TRAIN));
        e.add(new Entry("layerNorm gamma", rowsAndVectors(1), (g, in, a) -> g.layerNorm(in[0], in[1], null, 1e-5), Mode.TRAIN));
        e.add(new Entry("layerNorm plain", rowsAndVectors(0), (g, in, a) -> g.layerNorm(in[0], null, null, 1e-3), Mode.TRAIN));
        e.add(new Entry("layerNorm of a transpose", s -> {
            int a = Gens.ints(1, 4).generate(s), b = Gens.ints(1, 5).generate(s);
            return new Case(List.of(t(new int[] {a, b}, Domain.REAL, s), t(new int[] {a}, Domain.REAL, s), t(new int[] {a}, Domain.REAL, s)), new int[0]);
        }, (g, in, a) -> g.layerNorm(in[0].t(), in[1], in[2], 1e-5), Mode.TRAIN));
        e.add(new Entry("layerNorm summed (a broadcast gradient)", rowsAndVectors(2), (g, in, a) -> g.layerNorm(in[0], in[1], in[2], 1e-5).sum(), Mode.TRAIN));
        e.add(new Entry("layerNorm summed over rows", rowsAndVectors(2),
                (g, in, a) -> g.layerNorm(in[0].reshape(-1, in[0].dim(-1)), in[1], in[2], 1e-5).sum(false, 0).square(), Mode.TRAIN));
        e.add(new Entry("rmsNorm", rowsAndVectors(1), (g, in, a) -> g.rmsNorm(in[0], in[1], 1e-6), Mode.TRAIN));
        e.add(new Entry("rmsNorm plain", rowsAndVectors(0), (g, in, a) -> g.rmsNorm(in[0], null, 1e-6), Mode.TRAIN));
        e.add(new Entry("batchNorm train", batches(), (g, in, a) -> g.batchNorm(in[0], in[1], in[2], stats(in[1]), 1e-5), Mode.TRAIN));
        e.add(new Entry("batchNorm eval", batches(), (g, in, a) -> g.batchNorm(in[0], in[1], in[2], evalStats(in[1]), 1e-5), Mode.EVAL));
        e.add(new Entry("dropout train", rowsAndVectors(0), (g, in, a) -> g.dropout(in[0].tanh(), 0.4).square(), Mode.TRAIN));
        e.add(new Entry("dropout eval", rowsAndVectors(0), (g, in, a) -> g.dropout(in[0].tanh(), 0.4).square(), Mode.EVAL));
        e.add(new Entry("where", rowsAndVectors(1), (g, in, a) -> g.where(g.gt(in[1], g.scalar(DType.F64, 0)), in[0].tanh(), in[1].square()), Mode.TRAIN));
        e.add(new Entry("where of a comparison", rowsAndVectors(0), (g, in, a) -> g.where(g.lt(in[0], in[0].tanh().mul(2)), in[0].square(), in[0].mul(3).tanh()), Mode.TRAIN));
        e.add(new Entry("maskedFill", rowsAndVectors(0), (g, in, a) -> g.maskedFill(in[0].mul(in[0]), g.compare(dev.quiver.ops.Comparison.GT, in[0], 0.5), -1), Mode.TRAIN));
        e.add(new Entry("clamp", rowsAndVectors(0), (g, in, a) -> g.clamp(in[0], -1, 1.5).square(), Mode.TRAIN));
        e.add(new Entry("matmul broadcast batches", s -> {
            int[][] batches = TensorGens.broadcastable(2, TensorGens.shapes(0, 3, 1, 3, 0)).generate(s);
            int m = Gens.ints(1, 4).generate(s), k = Gens.ints(1, 4).generate(s), n = Gens.ints(1, 4).generate(s);
            int[] as = java.util.Arrays.copyOf(batches[0], batches[0].length + 2), bs = java.util.Arrays.copyOf(batches[1], batches[1].length + 2);
            as[as.length - 2] = m;
            as[as.length - 1] = k;
            bs[bs.length - 2] = k;
            bs[bs.length - 1] = n;
            return new Case(List.of(t(as, Domain.REAL, s), t(bs, Domain.REAL, s)), new int[0]);
        }, (g, in, a) -> in[0].matmul(in[1]), Mode.TRAIN));
        e.add(new Entry("attention", s -> {
            int rank = Gens.ints(2, 4).generate(s);
            int lq = Gens.ints(1, 4).generate(s), lk = Gens.ints(1, 4).generate(s), d = Gens.ints(1, 3).generate(s), dv = Gens.ints(1, 3).generate(s);
            int[] batch = new int[rank - 2];
            for (int i = 0; i < batch.length; i++) batch[i] = Gens.ints(1, 2).generate(s);
            int[] mask = {(int) s.choice(3), (int) s.choice(1 << 16)};   // 0: none, 1: a mask, 2: causal; the mask's bits
            return new Case(List.of(t(with(batch, lq, d), Domain.REAL, s), t(with(batch, lk, d), Domain.REAL, s), t(with(batch, lk, dv), Domain.REAL, s)), mask);
        }, (g, in, a) -> {
            Node mask = null;
            if (a[0] == 1) {
                int lq = in[0].dim(-2), lk = in[1].dim(-2);
                Tensor m = Tensor.zeros(DType.BOOL, lq, lk);
                for (int i = 0; i < lq * lk; i++) ((boolean[]) m.data())[i] = ((a[1] >>> (i % 16)) & 1) == 1 || i % lk == 0;
                mask = g.constant(m);
            }
            return g.attention(in[0], in[1], in[2], mask, a[0] == 2);
        }, Mode.TRAIN));
        return e;
    }

    static int[] with(int[] batch, int rows, int cols) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }

    static RunningStats stats(Node gamma) {
        return new RunningStats(DType.F64, gamma.dim(0), 0.1);
    }

    /** Running statistics away from the initial ones, so evaluation differs from a fresh start. */
    static RunningStats evalStats(Node gamma) {
        int c = gamma.dim(0);
        Tensor mean = Tensor.zeros(DType.F64, c), var = Tensor.zeros(DType.F64, c);
        for (int i = 0; i < c; i++) {
            mean.setFlat(i, 0.3 * i - 0.2);
            var.setFlat(i, 0.5 + 0.25 * i);
        }
        return new RunningStats(mean, var, 0.1);
    }

    @TestFactory
    Stream<DynamicTest> everyLayerOpOnEveryBackend() {
        return onEveryBackend(entries(), 20, false);
    }

    /**
     * Ops whose VJP is written in primitives, checked to second order (PyTorch's gradgradcheck):
     * the gradient of the gradient against finite differences of the gradient, on every backend.
     */
    static List<Entry> secondOrderEntries() {
        List<String> ops = List.of("layerNorm", "layerNorm gamma", "layerNorm plain", "layerNorm of a transpose",
                "layerNorm summed (a broadcast gradient)", "rmsNorm", "rmsNorm plain", "batchNorm train", "batchNorm eval", "attention");
        return entries().stream().filter(e -> ops.contains(e.op())).toList();
    }

    @TestFactory
    Stream<DynamicTest> secondDerivativesOnEveryBackend() {
        return onEveryBackend(secondOrderEntries(), 10, true);
    }

    private static Stream<DynamicTest> onEveryBackend(List<Entry> entries, int tries, boolean secondOrder) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            for (Entry entry : entries) {
                tests.add(Property.forAll(entry.cases()).tries(tries).classify("rank", c -> c.args().get(0).rank())
                        .test(entry.op() + (secondOrder ? " second order" : "") + " on " + name, c -> check(entry, c, math, secondOrder)));
            }
        }
        return tests.stream();
    }

    static void check(Entry entry, Case c, TensorMath math, boolean secondOrder) {
        Graph g = new Graph();
        Node[] in = new Node[c.args().size()];
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < in.length; i++) {
            Tensor v = c.args().get(i);
            in[i] = g.input("arg" + i, DType.F64, v.shape());
            feeds.put("arg" + i, v);
        }
        Node out = entry.build().build(g, in, c.attrs());
        GradCheck check = GradCheck.of(out).feeds(feeds).on(math).mode(entry.mode());
        // second order: finite differences of a gradient, one order less accurate
        (secondOrder ? check.tolerance(1e-4, 1e-5).secondOrder() : check.tolerance(RTOL, ATOL)).check().assertOk();
    }
}
