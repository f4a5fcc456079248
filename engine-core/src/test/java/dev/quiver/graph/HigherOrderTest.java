package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.check.GradCheck;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.*;

/** Gradients as graph nodes: grad of grad, Hessian-vector products, the second-order gradient check. */
class HigherOrderTest {

    @Test
    void inModeRefusesValuesOfDifferentShapes() {
        var g = new Graph();
        var a = g.input("a", F64, 2, 3);
        var b = g.input("b", F64, 3);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> g.inMode(() -> a, () -> b));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("inMode") && e.getMessage().contains("'a' [2, 3]")
                && e.getMessage().contains("'b' [3]"), e.getMessage());
    }

    @Test
    void hvpOfQuadraticFormIsAPlusATransposeTimesV() {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var v = g.input("v", F64, 3);
        Tensor a = Tensor.randn(F64, Seed.of(7), 3, 3);
        var A = g.param("A", a);
        var f = x.t().matmul(A).matmul(x);
        Node hv = g.hvp(f, x, v);
        Tensor xv = Tensor.vector(0.5, -1.25, 2.0), vv = Tensor.vector(0.3, 1.7, -0.9);
        Step step = g.compile(hv, CompileOptions.inferenceOnly());
        step.forward(Map.of("v", vv)); // the Hessian of x^T A x is constant: H v does not read x
        Tensor got = step.output();
        for (int i = 0; i < 3; i++) {
            double expected = 0;
            for (int j = 0; j < 3; j++) expected += (a.get(i, j) + a.get(j, i)) * vv.get(j);
            assertEquals(expected, got.get(i), 1e-12, "(A + A^T) v at " + i);
        }
    }

    @Test
    void hvpOfMlpLossMatchesFiniteDifferencesOfTheGradient() {
        var g = new Graph();
        var x = g.input("x", F64, 4, 3);
        var t = g.input("t", F64, 4, 2);
        Node[] params = {
                g.param("W1", Tensor.randn(F64, Seed.of(1), 3, 5).mul(0.7)),
                g.param("b1", Tensor.randn(F64, Seed.of(2), 5).mul(0.1)),
                g.param("W2", Tensor.randn(F64, Seed.of(3), 5, 2).mul(0.7))};
        Node[] dirs = new Node[params.length];
        Map<String, Tensor> data = Map.of("x", Tensor.randn(F64, Seed.of(4), 4, 3), "t", Tensor.randn(F64, Seed.of(5), 4, 2));
        Map<String, Tensor> feeds = new java.util.HashMap<>(data);
        for (int i = 0; i < params.length; i++) {
            dirs[i] = g.input("v" + i, F64, params[i].shape());
            feeds.put("v" + i, Tensor.randn(F64, Seed.of(10 + i), params[i].shape()));
        }
        Node h = x.matmul(params[0]).add(params[1]).tanh();
        Node y = h.matmul(params[2]).gelu();
        Node loss = y.sub(t).square().mean().add(h.sigmoid().sum().mul(0.1));
        Node hv = flat(g, g.hvp(loss, params, dirs));
        Node grad = flat(g, g.grad(loss, params));
        Step hvStep = g.compile(hv, CompileOptions.inferenceOnly());
        Step gradStep = g.compile(grad, CompileOptions.inferenceOnly());
        hvStep.forward(feeds);
        Tensor analytic = hvStep.output().copy();
        double eps = 1e-5;
        Tensor plus = gradientAlong(gradStep, data, params, feeds, eps);
        Tensor minus = gradientAlong(gradStep, data, params, feeds, -eps);
        gradientAlong(gradStep, data, params, feeds, 0);
        double worst = 0;
        for (int i = 0; i < analytic.size(); i++) {
            double numeric = (plus.getFlat(i) - minus.getFlat(i)) / (2 * eps);
            worst = Math.max(worst, Math.abs(numeric - analytic.getFlat(i)) / (1e-6 + Math.abs(numeric)));
        }
        assertTrue(worst < 1e-5, "worst relative error of H v against finite differences of the gradient: " + worst);
    }

    /** Moves each parameter by t times its direction (from its saved start), runs the gradient. */
    private static Tensor[] saved;

    private static Tensor gradientAlong(Step step, Map<String, Tensor> feeds, Node[] params, Map<String, Tensor> dirs, double t) {
        if (saved == null) {
            saved = new Tensor[params.length];
            for (int i = 0; i < params.length; i++) saved[i] = params[i].parameter().value().copy();
        }
        for (int i = 0; i < params.length; i++) {
            Tensor value = params[i].parameter().value(), dir = dirs.get("v" + i);
            for (int k = 0; k < value.size(); k++) value.setFlat(k, saved[i].getFlat(k) + t * dir.getFlat(k));
        }
        step.forward(feeds);
        return step.output().copy();
    }

    private static Node flat(Graph g, Node[] parts) {
        Node[] flat = new Node[parts.length];
        for (int i = 0; i < parts.length; i++) flat[i] = parts[i].reshape(-1);
        return g.concat(0, flat);
    }

    @Test
    void gradientOfTanhGradientIsAGraph() {
        var g = new Graph();
        var x = g.input("x", F64, 5);
        Node dx = g.grad(x.tanh().sum(), x)[0];            // 1 - tanh^2, through the fused TANH_GRAD
        Node ddx = g.grad(dx.sum(), x)[0];                 // -2 tanh (1 - tanh^2)
        Step step = g.compile(ddx, CompileOptions.inferenceOnly());
        Tensor xv = Tensor.vector(-2, -0.5, 0, 0.7, 3);
        step.forward(Map.of("x", xv));
        for (int i = 0; i < 5; i++) {
            double th = Math.tanh(xv.get(i));
            assertEquals(-2 * th * (1 - th * th), step.output().get(i), 1e-15);
        }
    }

    @Test
    void secondOrderCheckPassesOnAnMlpAndCatchesAWrongSecondDerivative() {
        var g = new Graph();
        var x = g.input("x", F64, 2, 3);
        var W = g.param("W", Tensor.randn(F64, Seed.of(8), 3, 4));
        Node f = x.matmul(W).tanh().silu().softplus().sum();
        GradCheck.of(f).feed("x", Tensor.randn(F64, Seed.of(9), 2, 3)).secondOrder().check().assertOk();
        // A first derivative that is right only to first order: d/dx x^3 written as 3 x^2 is fine,
        // but the gradient check of g(x) = x^2 * c with the gradient's gradient wrong must fail.
        var h = new Graph();
        var z = h.input("z", F64, 3);
        Node wrong = h.apply(new WrongSecondDerivative(), z).sum();
        var report = GradCheck.of(wrong).feed("z", Tensor.vector(0.5, -1, 2)).secondOrder().localize(false).check();
        assertFalse(report.ok(), report.toString());
        assertTrue(GradCheck.of(wrong).feed("z", Tensor.vector(0.5, -1, 2)).check().ok(), "its first derivative is right");
    }

    /** y = x^3 with VJP 3 x^2 g built as (x * x * 3) with the square's derivative dropped: right values, wrong second derivative. */
    record WrongSecondDerivative() implements Op {
        @Override public String name() { return "wrong_cube"; }
        @Override public int[] shape(dev.quiver.ops.Operand[] in) { return in[0].shape(); }
        @Override public Instruction bind(dev.quiver.tensor.TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return m -> {
                for (int i = 0; i < out.size(); i++) out.setFlat(i, Math.pow(in[0].getFlat(i), 3));
            };
        }
        @Override public <V extends dev.quiver.ops.Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V x2 = in[0].graph().detach(in[0].square()).mul(3.0); // detached: d/dx of 3x^2 is lost
            return Op.grads(in, g.mul(x2));
        }
    }

    /**
     * H v through batch normalisation, in both modes, against central differences of the gradient
     * along v: in training the batch statistics are functions of the parameters before it (W), in
     * evaluation the running statistics are constants. The step computing H v is an inference
     * step compiled in the mode; its forward pass updates the running statistics in training, which
     * the training-mode gradient does not read.
     */
    @Test
    void hvpThroughBatchNormMatchesFiniteDifferencesOfTheGradientInBothModes() {
        for (Mode mode : Mode.values()) {
            var g = new Graph();
            var x = g.input("x", F64, 4, 3, 5);
            Node[] params = {
                    g.param("W", Tensor.randn(F64, Seed.of(41), 5, 5).mul(0.7)),
                    g.param("gamma", Tensor.randn(F64, Seed.of(42), 3).add(1)),
                    g.param("beta", Tensor.randn(F64, Seed.of(43), 3))};
            var stats = new dev.quiver.ops.RunningStats(Tensor.randn(F64, Seed.of(44), 3).mul(0.3),
                    Tensor.uniform(F64, Seed.of(45), new int[] {3}, 0.5, 2), 0.1);
            Node y = g.batchNorm(x.matmul(params[0]), params[1], params[2], stats, 1e-5);
            Node loss = y.mul(g.constant(Tensor.randn(F64, Seed.of(46), 4, 3, 5))).tanh().sum();
            Node[] dirs = new Node[params.length];
            Map<String, Tensor> feeds = new java.util.HashMap<>(Map.of("x", Tensor.randn(F64, Seed.of(47), 4, 3, 5)));
            for (int i = 0; i < params.length; i++) {
                dirs[i] = g.input("v" + i, F64, params[i].shape());
                feeds.put("v" + i, Tensor.randn(F64, Seed.of(50 + i), params[i].shape()));
            }
            Step hvStep = g.compile(flat(g, g.hvp(loss, params, dirs)), CompileOptions.inferenceOnly().withMode(mode));
            Step gradStep = g.compile(flat(g, g.grad(loss, params)), CompileOptions.inferenceOnly().withMode(mode));
            hvStep.forward(feeds);
            Tensor analytic = hvStep.output().copy();
            Tensor[] start = new Tensor[params.length];
            for (int i = 0; i < params.length; i++) start[i] = params[i].parameter().value().copy();
            double eps = 1e-5;
            Map<String, Tensor> data = Map.of("x", feeds.get("x"));
            Tensor plus = along(gradStep, params, start, data, feeds, eps), minus = along(gradStep, params, start, data, feeds, -eps);
            along(gradStep, params, start, data, feeds, 0);
            double worst = 0, largest = 0;
            for (int i = 0; i < analytic.size(); i++) {
                double numeric = (plus.getFlat(i) - minus.getFlat(i)) / (2 * eps);
                worst = Math.max(worst, Math.abs(numeric - analytic.getFlat(i)) / (1e-6 + Math.abs(numeric)));
                largest = Math.max(largest, Math.abs(numeric));
            }
            assertTrue(largest > 0.1, mode + ": H v is not trivially small: " + largest);
            assertTrue(worst < 1e-5, mode + ": worst relative error of H v against finite differences of the gradient: " + worst);
        }
    }

    /** The gradient step's output with each parameter at its start plus t times its direction ({@code dirs}' "v" + i). */
    private static Tensor along(Step step, Node[] params, Tensor[] start, Map<String, Tensor> data, Map<String, Tensor> dirs, double t) {
        for (int i = 0; i < params.length; i++) {
            Tensor value = params[i].parameter().value(), dir = dirs.get("v" + i);
            for (int k = 0; k < value.size(); k++) value.setFlat(k, start[i].getFlat(k) + t * dir.getFlat(k));
        }
        step.forward(data);
        return step.output().copy();
    }
}
