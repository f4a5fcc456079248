package dev.quiver.graph;

import dev.quiver.check.GradCheck;
import dev.quiver.ops.internal.Products;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A weight shared by many row-vector products: its gradient is accumulated by matmul_add, in place, and exact. */
class InPlaceAccumulationTest {
    static final int K = 40, N = 48, USES = 12;

    /** loss = sum_i sum(tanh(x_i W)), x_i = row i of X; dW = sum_i x_i^T (1 - tanh(x_i W)^2). */
    static double[][] expectedGradient(Tensor X, Tensor W) {
        double[][] d = new double[K][N];
        for (int i = 0; i < X.dim(0); i++) {
            for (int j = 0; j < N; j++) {
                double z = 0;
                for (int l = 0; l < K; l++) z += X.get(i, l) * W.get(l, j);
                double t = Math.tanh(z);
                for (int l = 0; l < K; l++) d[l][j] += X.get(i, l) * (1 - t * t);
            }
        }
        return d;
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aSharedWeightsGradientIsExactAndAccumulatesInPlace(TensorMath m) {
        Tensor X = Tensor.randn(F64, Seed.of(21), USES, K);
        var W = new Parameter("W", Tensor.randn(F64, Seed.of(22), K, N).mul(0.2));
        var g = new Graph();
        Node w = g.param(W);
        Node[] terms = new Node[USES];
        for (int i = 0; i < USES; i++) terms[i] = g.constant(X.slice(dev.quiver.tensor.Index.range(i, i + 1))).matmul(w).tanh().sum();
        Step s = g.compile(g.addN(terms), Backs.on(m));
        s.forward().backward();
        double[][] expected = expectedGradient(X, W.value());
        for (int l = 0; l < K; l++) for (int j = 0; j < N; j++) assertEquals(expected[l][j], W.grad().get(l, j), 1e-12);
        // Accumulating twice doubles it (the in-place buffer is rewritten every run, not added to).
        s.accumulateGradients(true).zeroGradients();
        s.forward().backward();
        s.forward().backward();
        for (int l = 0; l < K; l++) for (int j = 0; j < N; j++) assertEquals(2 * expected[l][j], W.grad().get(l, j), 1e-12);
        // The arena holds a couple of weight-sized buffers, not one per use.
        long weightBytes = (long) K * N * 8;
        assertTrue(s.plan().plannedBytes() < 3 * weightBytes, s.plan().toString());
    }

    /**
     * Thin products (one row each, as at every node of a tree) are stacked into one GEMM: the
     * weight-sized gradient is written by one backward instruction, not one per use; thick ones
     * (more rows than {@code Stacks.MAX_ROWS} and factors larger than the weight) still accumulate
     * as they arrive, and the sum of both kinds is exact.
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void thinProductsOfASharedWeightBecomeOneProduct(TensorMath m) {
        Tensor X = Tensor.randn(F64, Seed.of(23), USES, K);
        var W = new Parameter("W", Tensor.randn(F64, Seed.of(24), K, N).mul(0.2));
        var g = new Graph();
        Node w = g.param(W);
        Node[] terms = new Node[USES + 1];
        for (int i = 0; i < USES; i++) terms[i] = g.constant(X.slice(dev.quiver.tensor.Index.range(i, i + 1))).matmul(w).tanh().sum();
        // 24 rows at once: a thick term (24 x (40 + 48) elements, more than the 40 x 48 weight)
        Tensor thick = Tensor.randn(F64, Seed.of(27), 2 * USES, K);
        terms[USES] = g.constant(thick).matmul(w).tanh().sum();
        Step s = g.compile(g.addN(terms), Backs.on(m));
        s.forward().backward();
        double[][] thin = expectedGradient(X, W.value()), thickGradient = expectedGradient(thick, W.value());
        for (int l = 0; l < K; l++) for (int j = 0; j < N; j++) assertEquals(thin[l][j] + thickGradient[l][j], W.grad().get(l, j), 1e-12);
        int weightSized = 0;
        // An instruction without a buffer of its own is the final gradient, written into W's gradient.
        for (Tensor out : s.backwardOutputs()) if (out == null || out.size() == K * N) weightSized++;
        assertEquals(3, weightSized, "backward instructions writing a weight-sized buffer: the thick product, the stacked one"
                + " and the copy into W's gradient");
    }

    /**
     * Products over a minibatch's rows ([batch, in]^T [batch, out] per step, as an autobatched
     * recurrence has them) are stacked as the thin ones while their factors are smaller than the
     * weight: one GEMM with k = the rows of every step writes the weight-sized gradient, and it is
     * exact.
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void batchRowProductsOfASharedWeightBecomeOneProduct(TensorMath m) {
        int steps = 3, rows = 12;   // 12 x (40 + 48) < 40 x 48
        Tensor X = Tensor.randn(F64, Seed.of(25), steps * rows, K);
        var W = new Parameter("W", Tensor.randn(F64, Seed.of(26), K, N).mul(0.2));
        var g = new Graph();
        Node w = g.param(W);
        Node[] terms = new Node[steps];
        for (int i = 0; i < steps; i++) terms[i] = g.constant(X.slice(dev.quiver.tensor.Index.range(i * rows, (i + 1) * rows))).matmul(w).tanh().sum();
        Step s = g.compile(g.addN(terms), Backs.on(m));
        s.forward().backward();
        double[][] expected = expectedGradient(X, W.value());
        for (int l = 0; l < K; l++) for (int j = 0; j < N; j++) assertEquals(expected[l][j], W.grad().get(l, j), 1e-12);
        int weightSized = 0;
        for (Tensor out : s.backwardOutputs()) if (out == null || out.size() == K * N) weightSized++;
        assertEquals(2, weightSized, "backward instructions writing a weight-sized buffer: the stacked product and the copy into W's gradient");
    }

    /**
     * An autobatched LSTM over a minibatch of sequences: its recurrent weight's per-step gradient
     * terms ([sequences, hidden]^T [sequences, 4 hidden]) are stacked into one GEMM, and the
     * gradients equal those of the graph as built (one sequence at a time, its one-row terms stacked
     * in another order) to 1e-12 of the largest element: they differ only in summation order.
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void anAutobatchedRecurrencesWeightGradientIsOneProduct(TensorMath m) {
        int in = 8, hidden = 16, sequences = 12;   // 12 x (16 + 64) < 16 x 64: a minibatch step's term is stacked
        int[] lengths = {5, 3, 6, 5, 4, 6, 6, 2, 5, 6, 4, 5};
        var scope = dev.quiver.layers.Scope.root(F64, Seed.of(41));
        var lstm = new dev.quiver.layers.Recurrent(new dev.quiver.layers.LstmCell(scope.child("lstm"), in, hidden));
        Parameter wh = null;
        for (Parameter q : lstm.parameters()) if (q.name().endsWith("Wh")) wh = q;
        double[][] grads = new double[2][];
        int weightSized = 0;
        for (int batched = 0; batched < 2; batched++) {
            var g = new Graph();
            Node[] losses = new Node[sequences];
            for (int e = 0; e < sequences; e++) {
                Node x = g.constant(Tensor.randn(F64, Seed.of(50 + e), lengths[e], in));
                losses[e] = lstm.apply(x).tanh().sum();
            }
            Step s = g.compile(g.addN(losses), Backs.on(m).withAutobatch(batched == 1));
            s.forward().backward();
            grads[batched] = wh.grad().copy().toDoubleArray();
            if (batched == 1) {
                for (Tensor out : s.backwardOutputs()) if (out != null && java.util.Arrays.equals(out.shape(), new int[] {hidden, 4 * hidden})) weightSized++;
            }
        }
        double scale = 0;
        for (double v : grads[0]) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < grads[0].length; i++) assertEquals(grads[0][i], grads[1][i], 1e-12 * scale, "Wh gradient at " + i);
        // The stacked product is written straight into Wh's gradient, or into a buffer the copy-out adds;
        // accumulated step by step, the three steps of more than 8 sequences each wrote one.
        assertTrue(weightSized <= 1, weightSized + " backward instructions write a buffer of Wh's shape");
    }

    /**
     * A sequence read one row per step ({@code xw[t:t+1]}, as a recurrence reads its inputs' product):
     * the rows' gradients are placed into one buffer of xw's size in one pass, not summed as L
     * buffers of that size (which made a sentence's backward pass O(L^2)).
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void rowSlicesOfOneValueShareOneGradientBuffer(TensorMath m) {
        int L = 40, D = 3;
        Tensor xv = Tensor.randn(F64, Seed.of(31), L, D);
        var g = new Graph();
        Node x = g.input("x", F64, L, D);
        Node xw = x.mul(x);                       // an op's result, so its gradient flows on to x
        Node h = null;
        for (int t = 0; t < L; t++) {
            Node row = xw.slice(dev.quiver.tensor.Index.range(t, t + 1));
            h = h == null ? row.tanh() : row.add(h).tanh();
        }
        Step s = g.compile(h.sum(), Backs.on(m).withInputGradients(true));
        s.feed("x", xv).forward().backward();
        int fullSized = 0;
        for (Tensor out : s.backwardOutputs()) if (out != null && out.size() == L * D) fullSized++;
        // the placed rows, then x*x's two products and their sum
        assertTrue(fullSized <= 4, fullSized + " backward instructions write an [L, D] buffer (one per row would be " + L + ")");
        var report = GradCheck.of(h.sum()).on(m).feed("x", xv).check();
        assertTrue(report.ok(), report.toString());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void matmulAddHasExactGradients(TensorMath m) {
        var g = new Graph();
        Node a = g.input("a", F64, 3, 4), b = g.input("b", F64, 4, 5), c = g.input("c", F64, 3, 5);
        Node out = g.apply(Products.MATMUL_ADD, a, b, c).tanh().sum();
        var report = GradCheck.of(out).on(m).feed("a", Tensor.randn(F64, Seed.of(1), 3, 4)).feed("b", Tensor.randn(F64, Seed.of(2), 4, 5))
                .feed("c", Tensor.randn(F64, Seed.of(3), 3, 5)).check();
        assertTrue(report.ok(), report.toString());
    }
}
