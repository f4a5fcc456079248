package dev.quiver.graph;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A value read as slices that tile one axis (an LSTM cell's gates) gets the concatenation of the
 * slices' gradients: exact, in the value's own order whatever order the slices were taken in, and
 * one backward kernel where each slice used to scatter into a zeroed value-sized buffer and the
 * buffers were summed. Slices that leave a gap keep the scatters.
 */
class SliceGradientTest {
    static final int R = 3, K = 4, C = 5;

    /** loss = Σ_k sum(w_k ⊙ f_k(z[:, kC:(k+1)C])) for the slices in {@code order}, z = x W; returns W's gradient and the step. */
    static Step run(TensorMath m, Parameter W, Tensor x, Tensor[] w, int[] order) {
        var g = new Graph();
        Node z = g.constant(x).matmul(g.param(W));
        Node[] terms = new Node[order.length];
        for (int t = 0; t < order.length; t++) {
            int k = order[t];
            Node s = z.slice(all(), range(k * C, (k + 1) * C));
            Node f = k % 2 == 0 ? s.tanh() : s.sigmoid();
            terms[t] = f.mul(g.constant(w[k])).sum();
        }
        Step step = g.compile(g.addN(terms), Backs.on(m));
        step.forward().backward();
        return step;
    }

    /** dW = x^T dz, dz[:, kC + j] = w_k ⊙ f_k'(z) for the slices present, 0 elsewhere. */
    static double[][] expected(Tensor x, Tensor Wv, Tensor[] w, int[] order) {
        double[][] dz = new double[R][K * C];
        for (int k : order) {
            for (int r = 0; r < R; r++) {
                for (int j = 0; j < C; j++) {
                    double z = 0;
                    for (int i = 0; i < x.dim(1); i++) z += x.get(r, i) * Wv.get(i, k * C + j);
                    double d = k % 2 == 0 ? 1 - Math.tanh(z) * Math.tanh(z) : sigmoid(z) * (1 - sigmoid(z));
                    dz[r][k * C + j] = w[k].get(r, j) * d;
                }
            }
        }
        double[][] dW = new double[x.dim(1)][K * C];
        for (int i = 0; i < x.dim(1); i++) {
            for (int c = 0; c < K * C; c++) for (int r = 0; r < R; r++) dW[i][c] += x.get(r, i) * dz[r][c];
        }
        return dW;
    }

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void slicesThatTileAnAxisGetTheConcatenationOfTheirGradients(TensorMath m) {
        Tensor x = Tensor.randn(F64, Seed.of(41), R, 6);
        Tensor[] w = new Tensor[K];
        for (int k = 0; k < K; k++) w[k] = Tensor.randn(F64, Seed.of(50 + k), R, C);
        int[] tiled = {2, 0, 3, 1}, gap = {2, 0, 3};
        for (int[] order : new int[][] {tiled, gap}) {
            var W = new Parameter("W", Tensor.randn(F64, Seed.of(42), 6, K * C).mul(0.5));
            Step s = run(m, W, x, w, order);
            double[][] e = expected(x, W.value(), w, order);
            for (int i = 0; i < e.length; i++) {
                for (int c = 0; c < K * C; c++) assertEquals(e[i][c], W.grad().get(i, c), 1e-12, "W[" + i + ", " + c + "] with slices " + java.util.Arrays.toString(order));
            }
        }
        // Kernels of the backward pass: per slice its function's and the product's gradient (fused or not), then
        // for the tiled slices one concatenation, for the gapped ones one scatter per slice and their sum.
        var W = new Parameter("W", Tensor.randn(F64, Seed.of(42), 6, K * C).mul(0.5));
        int tiledKernels = run(m, W, x, w, tiled).plan().backwardKernels();
        int gapKernels = run(m, W, x, w, gap).plan().backwardKernels();
        // gap: 3 slices' own, 3 scatters, their sum and dW; tiled: 4 slices' own, one concatenation and dW
        assertEquals(0, (gapKernels - 5) % 3, "tiled: " + tiledKernels + ", gap: " + gapKernels);
        int perSlice = (gapKernels - 5) / 3;
        assertEquals(K * perSlice + 2, tiledKernels, "tiled: " + tiledKernels + ", gap: " + gapKernels);
    }
}
