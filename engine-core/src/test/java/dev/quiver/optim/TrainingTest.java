package dev.quiver.optim;

import dev.quiver.graph.Backs;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end training: the SVM objective and the lecture's two-layer network. */
class TrainingTest {
    static final int N = 40, D = 3;

    /** Points separable through the origin by w* = (1, -2, 0.5), with a margin. */
    static Tensor[] separable() {
        SplittableRandom rnd = new SplittableRandom(5);
        double[] x = new double[N * D], y = new double[N];
        for (int i = 0; i < N; ) {
            double a = rnd.nextDouble(-2, 2), b = rnd.nextDouble(-2, 2), c = rnd.nextDouble(-2, 2);
            double s = a - 2 * b + 0.5 * c;
            if (Math.abs(s) < 0.5) continue;
            x[i * D] = a; x[i * D + 1] = b; x[i * D + 2] = c;
            y[i++] = Math.signum(s);
        }
        return new Tensor[] {Tensor.of(x, N, D), Tensor.of(y, N)};
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void svmBySgdSeparatesTheTrainingSet(TensorMath m) {
        Tensor[] data = separable();
        var g = new Graph();
        var w = g.param("w", Tensor.zeros(F64, D));
        var x = g.input("x", F64, N, D);
        var y = g.input("y", F64, N);
        Step step = g.compile(Losses.svm(w, x, y, 1.0), Backs.on(m).withWrt(w));
        var opt = new Sgd(step.parameters(), 0.01, 0, 0, m);
        step.feed(x, data[0]).feed(y, data[1]);
        double first = step.forward().output().item();
        for (int epoch = 0; epoch < 300; epoch++) {
            step.forward().backward();
            opt.step();
        }
        double last = step.forward().output().item();
        assertTrue(last < first, "objective fell: " + first + " -> " + last);
        int correct = 0;
        Tensor wv = w.parameter().value();
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int d = 0; d < D; d++) s += wv.get(d) * data[0].get(i, d);
            if (Math.signum(s) == data[1].get(i)) correct++;
        }
        assertEquals(N, correct, "training accuracy");
    }

    static final int B = 32, IN = 4, HID = 8, OUT = 2;

    /** Targets from a teacher network of the same shape, so the task is learnable exactly. */
    static Tensor[] teacherData() {
        Tensor x = Tensor.uniform(F64, Seed.of(11), new int[] {B, IN}, -1, 1);
        Tensor w = Tensor.randn(F64, Seed.of(12), IN, HID), b = Tensor.randn(F64, Seed.of(13), HID);
        Tensor v = Tensor.randn(F64, Seed.of(14), HID, OUT), a = Tensor.randn(F64, Seed.of(15), OUT);
        double[] y = new double[B * OUT];
        for (int r = 0; r < B; r++) {
            double[] h = new double[HID];
            for (int j = 0; j < HID; j++) {
                double s = b.get(j);
                for (int i = 0; i < IN; i++) s += x.get(r, i) * w.get(i, j);
                h[j] = Math.tanh(s);
            }
            for (int k = 0; k < OUT; k++) {
                double s = a.get(k);
                for (int j = 0; j < HID; j++) s += h[j] * v.get(j, k);
                y[r * OUT + k] = s;
            }
        }
        return new Tensor[] {x, Tensor.of(y, B, OUT)};
    }

    /** h = tanh(x W + b), y = h V + a (row-major batch: the lecture's W x + b applied to each row). */
    static Step twoLayerNet(TensorMath m, Graph g) {
        var x = g.input("x", F64, B, IN);
        var target = g.input("target", F64, B, OUT);
        var W = g.param("W", Init.xavierUniform(F64, Seed.of(1), IN, HID));
        var b = g.param("b", Tensor.zeros(F64, HID));
        var V = g.param("V", Init.xavierUniform(F64, Seed.of(2), HID, OUT));
        var a = g.param("a", Tensor.zeros(F64, OUT));
        Node h = g.named("h", x.matmul(W).add(b).tanh());
        Node y = g.named("y", h.matmul(V).add(a));
        return g.compile(Losses.mse(y, target), Backs.on(m).withWrt(W, b, V, a));
    }

    static double train(TensorMath m, Function<Step, Optimizer> optimiser, int steps) {
        Tensor[] data = teacherData();
        Step step = twoLayerNet(m, new Graph());
        Optimizer opt = optimiser.apply(step);
        step.feed("x", data[0]).feed("target", data[1]);
        double first = step.forward().output().item();
        for (int i = 0; i < steps; i++) {
            step.forward().backward();
            opt.step();
        }
        double last = step.forward().output().item();
        return first / last;
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void twoLayerNetBySgdWithMomentum(TensorMath m) {
        double fall = train(m, s -> new Sgd(s.parameters(), 0.05, 0.9, 0, m), 400);
        assertTrue(fall >= 10, "loss fell only " + fall + "x");
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void twoLayerNetByAdam(TensorMath m) {
        double fall = train(m, s -> new Adam(s.parameters(), 0.02, 0.9, 0.999, 1e-8, m), 400);
        assertTrue(fall >= 10, "loss fell only " + fall + "x");
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void sgdStepMatchesClosedForm(TensorMath m) {
        var p = new Parameter("p", Tensor.vector(1, 2));
        p.grad().setFlat(0, 0.5);
        p.grad().setFlat(1, -1);
        var opt = new Sgd(java.util.List.of(p), 0.1, 0.9, 0.01, m);
        p.markGradientWritten();
        opt.step();   // v = g + wd p; p -= lr v
        p.markGradientWritten();
        opt.step();   // v = 0.9 v + g + wd p; p -= lr v
        double p0 = 1, v0 = 0, p1 = 2, v1 = 0;
        for (int s = 0; s < 2; s++) {
            v0 = 0.9 * v0 + 0.5 + 0.01 * p0; p0 -= 0.1 * v0;
            v1 = 0.9 * v1 - 1 + 0.01 * p1; p1 -= 0.1 * v1;
        }
        assertEquals(p0, p.value().get(0), 1e-15);
        assertEquals(p1, p.value().get(1), 1e-15);
        assertEquals(v0, opt.state().get("p/momentum").get(0), 1e-15);
        assertEquals(2, opt.stepCount());
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void adamStepMatchesClosedForm(TensorMath m) {
        var p = new Parameter("p", Tensor.vector(1.0));
        var opt = new Adam(java.util.List.of(p), 0.1, 0.9, 0.999, 1e-8, m);
        double pv = 1, mv = 0, vv = 0;
        double[] grads = {0.5, -0.2, 0.3};
        for (int t = 1; t <= grads.length; t++) {
            p.grad().setFlat(0, grads[t - 1]);
            p.markGradientWritten();
            opt.step();
            mv = 0.9 * mv + 0.1 * grads[t - 1];
            vv = 0.999 * vv + 0.001 * grads[t - 1] * grads[t - 1];
            double lrT = 0.1 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            pv -= lrT * mv / (Math.sqrt(vv) + 1e-8);
        }
        assertEquals(pv, p.value().item(), 1e-14);
        assertEquals(mv, opt.state().get("p/m").item(), 1e-15);
        assertEquals(vv, opt.state().get("p/v").item(), 1e-15);
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void learningRateScheduleIsConsulted(TensorMath m) {
        var p = new Parameter("p", Tensor.vector(0.0));
        p.grad().setFlat(0, 1);
        var opt = new Sgd(java.util.List.of(p), 1.0, 0, 0, m);
        opt.schedule(LearningRateSchedule.stepDecay(1, 0.5));
        for (int s = 0; s < 3; s++) {           // rates 1, 0.5, 0.25
            p.markGradientWritten();
            opt.step();
        }
        assertEquals(-1.75, p.value().item(), 0);
    }
}
