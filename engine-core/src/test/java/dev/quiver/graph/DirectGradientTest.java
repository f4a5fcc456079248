package dev.quiver.graph;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A final gradient that nothing else reads is written by its op straight into the target's
 * gradient tensor when backward overwrites gradients (no copy-out). These cases check, against
 * closed forms in plain double loops, that this happens only where it is safe: a gradient node
 * shared by two targets, one read by another backward node, one whose target tensor is also a
 * constant the op reads, and accumulating runs after overwriting ones.
 */
class DirectGradientTest {
    private static final double TOL = 1e-12;

    private static void assertClose(double[] expected, Tensor actual, String what) {
        assertEquals(expected.length, actual.size(), what + ": size");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getFlat(i), TOL * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    /** x W for x (2, 3) and W (3, 2): dW = xᵀ 1 (every column the column sums of x). */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void overwriteThenAccumulateThenOverwrite(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2, 3);
        var W = g.param("W", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2));
        var step = g.compile(x.matmul(W).sum(), Backs.on(m));
        double[] xs = {0.5, -1, 2, 3, 0.25, -4};
        Tensor xv = Tensor.of(xs, 2, 3);
        double[] dW = new double[6];
        for (int l = 0; l < 3; l++) for (int j = 0; j < 2; j++) dW[l * 2 + j] = xs[l] + xs[3 + l];
        double[] twice = dW.clone();
        for (int i = 0; i < 6; i++) twice[i] *= 2;

        step.feed(x, xv).forward().backward();
        assertClose(dW, W.parameter().grad(), "dW, overwrite");
        step.accumulateGradients(true).backward();
        assertClose(twice, W.parameter().grad(), "dW, overwrite then accumulate");
        step.accumulateGradients(false).backward();
        assertClose(dW, W.parameter().grad(), "dW, overwrite again");
    }

    /**
     * x W1 W2: both weights' gradients are written directly, so both are bound again on the first
     * accumulating run, each with its own operands (dW1 = xᵀ (G W2ᵀ), dW2 = (x W1)ᵀ G).
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void twoDirectGradientsAccumulateWithTheirOwnOperands(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2, 3);
        var W1 = g.param("W1", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2));
        var W2 = g.param("W2", Tensor.of(new double[] {0.5, -1, 2, 0.25}, 2, 2));
        var step = g.compile(x.matmul(W1).matmul(W2).sum(), Backs.on(m));
        step.feed(x, Tensor.of(new double[] {0.5, -1, 2, 3, 0.25, -4}, 2, 3)).forward().backward();
        double[] d1 = W1.parameter().grad().toDoubleArray(), d2 = W2.parameter().grad().toDoubleArray();
        for (int i = 0; i < d1.length; i++) d1[i] *= 2;
        for (int i = 0; i < d2.length; i++) d2[i] *= 2;
        step.accumulateGradients(true).backward();
        assertClose(d1, W1.parameter().grad(), "dW1, overwrite then accumulate");
        assertClose(d2, W2.parameter().grad(), "dW2, overwrite then accumulate");
    }

    /**
     * A weight's gradient written directly takes no room in the plan's arena (a plan of a small
     * input against a large weight holds less than the weight); accumulating runs compute it into a
     * buffer of the parameter's, shared by the plans of two structures, and still add exactly.
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void directGradientsTakeNoArenaSpaceAndAccumulateAcrossPlans(TensorMath m) {
        int k = 64, n = 64;
        var W = new Parameter("W", Tensor.randn(F64, Seed.of(5), k, n));
        Tensor x1 = Tensor.randn(F64, Seed.of(6), 1, k), x2 = Tensor.randn(F64, Seed.of(7), 2, k);
        var g1 = new Graph();
        Step s1 = g1.compile(g1.constant(x1).matmul(g1.param(W)).sum(), Backs.on(m));
        var g2 = new Graph();
        Step s2 = g2.compile(g2.constant(x2).matmul(g2.param(W)).tanh().sum(), Backs.on(m));
        assertTrue(s1.plan().plannedBytes() < (long) k * n * 8, s1.plan().toString());
        assertTrue(s2.plan().plannedBytes() < (long) k * n * 8, s2.plan().toString());

        s1.forward().backward();
        double[] d1 = W.grad().toDoubleArray();
        s2.forward().backward();
        double[] d2 = W.grad().toDoubleArray();
        double[] sum = new double[k * n];
        for (int i = 0; i < sum.length; i++) sum[i] = d1[i] + 2 * d2[i];
        s1.accumulateGradients(true);
        s2.accumulateGradients(true);
        s1.zeroGradients();
        s2.forward().backward();   // d2
        s1.forward().backward();   // d2 + d1
        s2.forward().backward();   // d1 + 2 d2
        assertClose(sum, W.grad(), "dW accumulated across two plans");
    }

    /** sum(tanh(a + b)): the one tanh-gradient node is the gradient of both a and b. */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void gradientNodeSharedByTwoTargets(TensorMath m) {
        var g = new Graph();
        double[] av = {0.1, -0.7, 1.2}, bv = {0.3, 0.2, -0.4};
        var a = g.param("a", Tensor.vector(av));
        var b = g.param("b", Tensor.vector(bv));
        var step = g.compile(a.add(b).tanh().sum(), Backs.on(m));
        step.forward().backward();
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double t = Math.tanh(av[i] + bv[i]);
            expected[i] = 1 - t * t;
        }
        assertClose(expected, a.parameter().grad(), "da");
        assertClose(expected, b.parameter().grad(), "db");
    }

    /** sum(exp(p + tanh(r))): p's gradient node is also read by the tanh derivative on the way to r. */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void gradientNodeReadByAnotherBackwardNode(TensorMath m) {
        var g = new Graph();
        double[] pv = {0.5, -1, 0.25}, rv = {-0.3, 0.8, 1.5};
        var p = g.param("p", Tensor.vector(pv));
        var r = g.param("r", Tensor.vector(rv));
        var step = g.compile(p.add(r.tanh()).exp().sum(), Backs.on(m));
        step.forward().backward();
        double[] dp = new double[3], dr = new double[3];
        for (int i = 0; i < 3; i++) {
            double t = Math.tanh(rv[i]);
            dp[i] = Math.exp(pv[i] + t);
            dr[i] = dp[i] * (1 - t * t);
        }
        assertClose(dp, p.parameter().grad(), "dp");
        assertClose(dr, r.parameter().grad(), "dr");
    }

    /**
     * sum(P C) with C a constant over P's own gradient tensor: dP = 1 Cᵀ must not be written into
     * the tensor the product is reading. C holds the previous gradient, so the run is checked twice.
     */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void targetTensorAlsoReadAsAConstant(TensorMath m) {
        var g = new Graph();
        var P = g.param("P", Tensor.of(new double[] {1, 2, 3, 4}, 2, 2));
        Tensor grad = P.parameter().grad();
        grad.set(1, 0, 0);
        grad.set(2, 0, 1);
        grad.set(3, 1, 0);
        grad.set(4, 1, 1);
        var C = g.constant(grad);
        var step = g.compile(P.matmul(C).sum(), Backs.on(m));
        for (int run = 0; run < 2; run++) {
            double[] c = {grad.get(0, 0), grad.get(0, 1), grad.get(1, 0), grad.get(1, 1)};
            double[] expected = new double[4];   // dP[i][l] = sum_j C[l][j]
            for (int i = 0; i < 2; i++) for (int l = 0; l < 2; l++) expected[i * 2 + l] = c[l * 2] + c[l * 2 + 1];
            step.forward().backward();
            assertClose(expected, grad, "dP, run " + run);
        }
    }
}
