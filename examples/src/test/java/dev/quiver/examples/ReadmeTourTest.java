package dev.quiver.examples;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.optim.Init;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

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
        Tensor M = Tensor.randn(F32, 42, 64, 256);            // seeded: same values on every backend
        Tensor y = M.matmul(M.transpose()).tanh();            // transposed view, no copy
        Tensor A = Tensor.randn(F64, 1, 4, 5, 6), B = Tensor.randn(F64, 2, 5, 7);
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
        var A = g.param("A", Tensor.randn(F64, 7, 3, 3));
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
        var W = g.param("W", Init.xavierUniform(F32, 1, 784, 256));
        var b = g.param("b", Tensor.zeros(F32, 256));
        var V = g.param("V", Init.xavierUniform(F32, 2, 256, 10));
        var a = g.param("a", Tensor.zeros(F32, 10));
        var y = x.matmul(W).add(b).tanh().matmul(V).add(a);
        var train = g.compile(Losses.softmaxCrossEntropy(y, target));
        var opt = new Sgd(train.parameters(), 0.05);

        Tensor xs = Tensor.randn(F32, 3, 64, 784), ts = Tensor.zeros(F32, 64, 10);
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
        var report = GradCheck.of(x.tanh().sum()).feed("x", Tensor.randn(F64, 1, 3, 4)).check();
        assertTrue(report.ok(), report.toString());  // on failure: node, input, worst element, analytic vs numeric
    }
}
