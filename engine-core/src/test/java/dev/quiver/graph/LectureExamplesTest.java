package dev.quiver.graph;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lecture's examples: values and gradients against closed forms computed with plain loops. */
class LectureExamplesTest {
    static java.util.stream.Stream<TensorMath> backends() { return Backs.all(); }

    private static final double TOL = 1e-12;

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, TOL * Math.max(1, Math.abs(expected)), what);
    }

    @ParameterizedTest @MethodSource("backends")
    void quadraticForm(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        Tensor a = Tensor.randn(F64, Seed.of(7), 3, 3);
        var A = g.param("A", a);
        var f = g.named("f", x.t().matmul(A).matmul(x));
        var step = g.compile(f, Backs.withInputs(m));
        double[] xv = {0.5, -1.25, 2.0};
        step.forward(Map.of("x", Tensor.vector(xv)));
        step.backward();
        double value = 0;
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) value += xv[i] * a.get(i, j) * xv[j];
        assertClose(value, step.value(f).item(), "f");
        for (int i = 0; i < 3; i++) {
            double dx = 0;
            for (int j = 0; j < 3; j++) dx += (a.get(j, i) + a.get(i, j)) * xv[j];
            assertClose(dx, step.grad(x).get(i), "df/dx" + i);
            for (int j = 0; j < 3; j++) assertClose(xv[i] * xv[j], step.grad(A).get(i, j), "df/dA" + i + j);
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void quadraticPlusLinearPlusConstant(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 4);
        Tensor a = Tensor.randn(F64, Seed.of(3), 4, 4), bv = Tensor.randn(F64, Seed.of(4), 4);
        var A = g.param("A", a);
        var b = g.param("b", bv);
        var c = g.param("c", Tensor.scalar(F64, 1.5));
        var f = x.t().matmul(A).matmul(x).add(b.t().matmul(x)).add(c);
        var step = g.compile(f, Backs.withInputs(m));
        double[] xv = {1, -2, 0.5, 3};
        step.feed(x, Tensor.vector(xv)).forward().backward();
        double value = 1.5;
        for (int i = 0; i < 4; i++) {
            value += bv.get(i) * xv[i];
            for (int j = 0; j < 4; j++) value += xv[i] * a.get(i, j) * xv[j];
        }
        assertClose(value, step.output().item(), "f");
        for (int i = 0; i < 4; i++) {
            double dx = bv.get(i);
            for (int j = 0; j < 4; j++) dx += (a.get(j, i) + a.get(i, j)) * xv[j];
            assertClose(dx, step.grad(x).get(i), "df/dx");
            assertClose(xv[i], step.grad(b).get(i), "df/db");
        }
        assertClose(1, step.grad(c).item(), "df/dc");
    }

    @ParameterizedTest @MethodSource("backends")
    void cubeMinusLog(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64);
        var f = x.pow(3).sub(x.log());
        var step = g.compile(f, Backs.withInputs(m));
        for (double xv : new double[] {0.3, 1, 2.5}) {
            step.feed(x, Tensor.scalar(F64, xv)).forward().backward();
            assertClose(xv * xv * xv - Math.log(xv), step.output().item(), "f");
            assertClose(3 * xv * xv - 1 / xv, step.grad(x).item(), "f'");
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void sigmoidByComposition(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64);
        var f = x.neg().exp().add(1.0).pow(-1);          // 1 / (1 + exp(-x))
        var fused = g.named("fused", x.sigmoid());
        var step = g.compile(f.add(fused), Backs.withInputs(m));
        for (double xv : new double[] {-3, 0, 0.7, 4}) {
            step.feed(x, Tensor.scalar(F64, xv)).forward().backward();
            double s = 1 / (1 + Math.exp(-xv));
            assertClose(2 * s, step.output().item(), "f");
            assertClose(s, step.value(fused).item(), "sigmoid");
            assertClose(2 * s * (1 - s), step.grad(x).item(), "f'");
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void hingeOfOneExample(TensorMath m) {
        var g = new Graph();
        var w = g.param("w", Tensor.vector(0.5, -0.25, 1));
        var x = g.input("x", F64, 3);
        var y = g.input("y", F64);
        var f = Losses.hinge(w, x, y);
        var step = g.compile(f, Backs.withInputs(m));
        double[][] xs = {{1, 2, 0.1}, {2, 0, 1}, {1, 0, 0.5}};
        double[] ys = {1, -1, 1};
        for (int e = 0; e < xs.length; e++) {
            step.feed(x, Tensor.vector(xs[e])).feed(y, Tensor.scalar(F64, ys[e])).forward().backward();
            double wx = 0.5 * xs[e][0] - 0.25 * xs[e][1] + xs[e][2];
            double margin = 1 - ys[e] * wx;
            assertClose(Math.max(0, margin), step.output().item(), "hinge");
            for (int i = 0; i < 3; i++) {
                double expected = margin > 0 ? -ys[e] * xs[e][i] : 0;  // subgradient 0 at the margin
                assertClose(expected, step.grad(w).get(i), "dw");
            }
        }
    }
}
