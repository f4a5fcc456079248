package dev.quiver.graph;

import dev.quiver.ops.ConvSpec;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convolution and pooling in the graph: hand-computed values, shape rules that refuse bad input at
 * build time naming the op, the nodes and the shapes, and a small CNN's training step allocating
 * nothing. Random shapes, gradients and backend agreement are in the tests module
 * ({@code ConvProperties}, {@code PoolProperties}).
 */
class ConvGraphTest {

    @Test
    void smallConvolutionByHand() {
        var g = new Graph();
        var x = g.input("x", F64, 1, 1, 3, 3);
        var w = g.param("w", Tensor.of(new double[] {1, 0, 0, -1}, 1, 1, 2, 2));
        var b = g.param("b", Tensor.vector(10));
        var y = g.conv2d(x, w, b, ConvSpec.DEFAULT);          // y[i, j] = x[i, j] - x[i+1, j+1] + 10
        var p = g.maxPool2d(y, 2, 1, 0);
        var a = g.avgPool2d(y, 2, 2, 1);
        Step s = g.compile(p.sum().add(a.sum()), CompileOptions.training().withKeep(y, p, a));
        s.forward(Map.of("x", Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3))).backward();
        assertArrayEquals(new double[] {6, 6, 6, 6}, s.value(y).toDoubleArray());
        assertArrayEquals(new double[] {6}, s.value(p).toDoubleArray());
        // 2x2 windows over y padded by 1, stride 2: each sees one y value (divisor 4).
        assertArrayEquals(new double[] {1.5, 1.5, 1.5, 1.5}, s.value(a).toDoubleArray());
        // d/db: one for the max plus 4 * 1/4 for the averages.
        assertArrayEquals(new double[] {2}, s.grad(b).toDoubleArray());
    }

    @Test
    void sameStridedDilatedGroupedShapes() {
        var g = new Graph();
        var x = g.input("x", F32, 2, 4, 9, 7);
        var w = g.input("w", F32, 6, 2, 3, 3);
        assertArrayEquals(new int[] {2, 6, 9, 7}, g.conv2d(x, w, null, ConvSpec.DEFAULT.same().groups(2)).shape());
        assertArrayEquals(new int[] {2, 6, 5, 4}, g.conv2d(x, w, null, ConvSpec.DEFAULT.same().stride(2).dilation(2).groups(2)).shape());
        assertArrayEquals(new int[] {2, 6, 4, 3}, g.conv2d(x, w, null, ConvSpec.DEFAULT.stride(2, 1).dilation(1, 2).groups(2)).shape());
        var x1 = g.input("x1", F32, 3, 2, 10);
        var w1 = g.input("w1", F32, 5, 2, 4);
        assertArrayEquals(new int[] {3, 5, 10}, g.conv1d(x1, w1, null, ConvSpec.DEFAULT.same()).shape());
        assertArrayEquals(new int[] {3, 5, 5}, g.conv1d(x1, w1, null, ConvSpec.DEFAULT.padding(1).stride(2)).shape());
        assertArrayEquals(new int[] {2, 4, 4, 3}, g.maxPool2d(x, 2).shape());
        assertArrayEquals(new int[] {2, 4, 5, 4}, g.avgPool2d(x, 3, 2, 1).shape());
        assertArrayEquals(new int[] {3, 2, 5}, g.maxPool1d(x1, 2, 2, 0).shape());
        assertArrayEquals(new int[] {2, 4}, g.globalAvgPool(x).shape());
    }

    @Test
    void stridedViewsAreCopiedIntoTheWorkspace() {
        var g = new Graph();
        var x = g.input("x", F64, 2, 3, 5, 4);
        var w = g.input("w", F64, 3, 3, 5, 2);
        var viaView = g.conv2d(x.permute(0, 2, 3, 1), w.permute(0, 2, 1, 3), null, ConvSpec.DEFAULT.padding(1));   // [2, 5, 4, 3] x [3, 5, 3, 2]
        var pooled = g.maxPool2d(x.permute(0, 1, 3, 2), 2);
        Tensor xv = Tensor.randn(F64, Seed.of(1), 2, 3, 5, 4), wv = Tensor.randn(F64, Seed.of(2), 3, 3, 5, 2);
        Step s = g.compile(viaView.sum().add(pooled.sum()), CompileOptions.inferenceOnly().withKeep(viaView, pooled));
        s.forward(Map.of("x", xv, "w", wv));
        var h = new Graph();
        var xc = h.constant(xv.permute(0, 2, 3, 1).copy());
        var wc = h.constant(wv.permute(0, 2, 1, 3).copy());
        var direct = h.conv2d(xc, wc, null, ConvSpec.DEFAULT.padding(1));
        var directPool = h.maxPool2d(h.constant(xv.permute(0, 1, 3, 2).copy()), 2);
        Step t = h.compile(direct.sum().add(directPool.sum()), CompileOptions.inferenceOnly().withKeep(direct, directPool)).forward();
        assertArrayEquals(t.value(direct).toDoubleArray(), s.value(viaView).toDoubleArray());
        assertArrayEquals(t.value(directPool).toDoubleArray(), s.value(pooled).toDoubleArray());
    }

    /**
     * A batch whose im2col matrices exceed the workspace budget runs in chunks (here 2 samples,
     * then 1, for every role): its output and input gradient equal the per-sample runs' bit for
     * bit, and its kernel gradient, accumulated over the samples of every chunk, equals the sum of
     * the per-sample kernel gradients up to rounding.
     */
    @Test
    void chunkedBatchAgreesWithSingleSamples() {
        int n = 3, c = 128, o = 8, size = 30;
        Tensor xv = Tensor.randn(F64, Seed.of(5), n, c, size, size), wv = Tensor.randn(F64, Seed.of(6), o, c / 2, 3, 3);
        Tensor rv = Tensor.randn(F64, Seed.of(7), n, o, size, size);
        Tensor[] whole = convAndGrads(xv, wv, rv);
        Tensor dwSum = Tensor.zeros(F64, o, c / 2, 3, 3);
        for (int s = 0; s < n; s++) {
            Tensor[] one = convAndGrads(xv.rows(s, s + 1).copy(), wv, rv.rows(s, s + 1).copy());
            assertArrayEquals(one[0].toDoubleArray(), whole[0].rows(s, s + 1).toDoubleArray(), "y of sample " + s);
            assertArrayEquals(one[1].toDoubleArray(), whole[1].rows(s, s + 1).toDoubleArray(), "dx of sample " + s);
            dwSum = dwSum.add(one[2]);
        }
        double[] expected = dwSum.toDoubleArray(), actual = whole[2].toDoubleArray();
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-9 * (1 + Math.abs(expected[i])),
                    "dw[" + i + "]: " + actual[i] + " vs per-sample sum " + expected[i]);
        }
    }

    /** y, dx and dw of {@code sum(conv2d(x, w) * r)}, 3x3, padding 1, 2 groups. */
    private static Tensor[] convAndGrads(Tensor xv, Tensor wv, Tensor rv) {
        var g = new Graph();
        var x = g.input("x", F64, xv.shape());
        var w = g.input("w", F64, wv.shape());
        var y = g.conv2d(x, w, null, ConvSpec.DEFAULT.padding(1).groups(2));
        Step s = g.compile(y.mul(g.constant(rv)).sum(), CompileOptions.training().withInputGradients(true).withKeep(y));
        s.forward(Map.of("x", xv, "w", wv)).backward();
        return new Tensor[] {s.value(y).copy(), s.grad(x).copy(), s.grad(w).copy()};
    }

    private static void refused(Runnable build, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, build::run);
        for (String part : parts) assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
    }

    @Test
    void badShapesAreRefusedAtBuildTimeNamingOpNodesAndShapes() {
        var g = new Graph();
        var x = g.input("image", F32, 2, 3, 8, 8);
        refused(() -> g.conv2d(x, g.input("k1", F32, 4, 2, 3, 3)), "conv2d", "image", "[2, 3, 8, 8]", "k1", "[4, 2, 3, 3]", "3 input channels");
        refused(() -> g.conv2d(x, g.input("k2", F32, 4, 3, 3)), "conv2d", "k2", "rank 4");
        refused(() -> g.conv2d(x, g.input("k3", F32, 4, 3, 9, 9)), "conv2d", "image", "k3", "output would be empty");
        refused(() -> g.conv2d(x, g.input("k4", F32, 4, 1, 3, 3), null, ConvSpec.DEFAULT.groups(2)), "conv2d", "3 input channels are not divisible into 2 groups");
        refused(() -> g.conv2d(x, g.input("k5", F32, 4, 3, 3, 3), g.input("bias", F32, 3), ConvSpec.DEFAULT), "conv2d", "bias", "[3]", "[4]");
        refused(() -> g.conv2d(x, g.input("k6", F32, 4, 3, 3, 3), null, ConvSpec.DEFAULT.stride(0)), "conv2d", "stride 0x0");
        refused(() -> g.conv2d(x, g.input("k7", F32, 4, 3, 3, 3), null, ConvSpec.DEFAULT.padding(-1)), "conv2d", "padding -1");
        refused(() -> g.conv1d(x, g.input("k8", F32, 4, 3, 3), null, ConvSpec.DEFAULT), "conv1d", "image", "[N, C, W]");
        refused(() -> g.maxPool2d(x, 3, 1, 2), "max_pool2d", "image", "exceeds half the kernel");
        refused(() -> g.avgPool2d(x, 9, 1, 0), "avg_pool2d", "image", "output would be empty");
        refused(() -> g.maxPool1d(x, 2, 2, 0), "max_pool1d", "image", "rank 3");
        refused(() -> g.globalAvgPool(g.input("v", F32, 5)), "globalAvgPool", "v");
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void cnnTrainingStepAllocatesNothing(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F32, 4, 1, 12, 12);
        var t = g.input("t", F32, 4, 3);
        var w1 = g.param("w1", Init.xavierUniform(F32, Seed.of(1), 4, 1, 3, 3));
        var b1 = g.param("b1", Tensor.zeros(F32, 4));
        var w2 = g.param("w2", Init.xavierUniform(F32, Seed.of(2), 6, 2, 3, 3));
        var v = g.param("v", Init.xavierUniform(F32, Seed.of(3), 6 * 2 * 2, 3));
        var h = g.maxPool2d(g.conv2d(x, w1, b1, ConvSpec.DEFAULT.padding(1)).relu(), 2);                     // [4, 4, 6, 6]
        var h2 = g.avgPool2d(g.conv2d(h, w2, null, ConvSpec.DEFAULT.groups(2).dilation(1)).relu(), 2, 2, 0);  // [4, 6, 2, 2]
        var loss = Losses.softmaxCrossEntropy(h2.reshape(4, 24).matmul(v), t);
        Step step = g.compile(loss, Backs.on(m));
        var net = new AllocationTest.Net(step, x, t, Tensor.uniform(F32, Seed.of(4), new int[] {4, 1, 12, 12}, -1, 1),
                Tensor.uniform(F32, Seed.of(5), new int[] {4, 3}, 0, 1));
        AllocationTest.assertSteadyStateAllocatesNothing(net, new Adam(step.parameters(), 0.01, 0.9, 0.999, 1e-8, m));
    }
}
