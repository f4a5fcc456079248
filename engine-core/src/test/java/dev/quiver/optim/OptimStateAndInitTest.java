package dev.quiver.optim;

import dev.quiver.backend.Backends;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.graph.Graph;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Initialisers, optimiser state round trips, and thread-count independence of training. */
class OptimStateAndInitTest {
    @Test
    void initialisersAreSeededAndScaled() {
        Tensor a = Init.xavierUniform(F64, Seed.of(7), 200, 100), b = Init.xavierUniform(F64, Seed.of(7), 200, 100);
        assertTrue(a.bitwiseEquals(b), "same seed, same values");
        double bound = Math.sqrt(6.0 / 300), sum = 0, sq = 0;
        for (int i = 0; i < a.size(); i++) {
            double v = a.getFlat(i);
            assertTrue(Math.abs(v) <= bound);
            sum += v;
            sq += v * v;
        }
        int n = a.size();
        assertEquals(0, sum / n, 0.01 * bound);
        assertEquals(bound * bound / 3, sq / n, 0.03 * bound * bound / 3);   // variance of U(-a, a) is a^2 / 3
        Tensor he = Init.heNormal(F32, Seed.of(3), 400, 50);
        double var = 0;
        for (int i = 0; i < he.size(); i++) var += he.getFlat(i) * he.getFlat(i);
        assertEquals(2.0 / 400, var / he.size(), 0.05 * 2.0 / 400);
        Tensor normal = Init.normal(F64, Seed.of(5), new int[] {20000}, 3, 0.5);
        double mean = 0;
        for (int i = 0; i < normal.size(); i++) mean += normal.getFlat(i);
        assertEquals(3, mean / normal.size(), 0.02);
        assertTrue(!Init.xavierNormal(F64, Seed.of(1), 4, 4).bitwiseEquals(Init.xavierNormal(F64, Seed.of(2), 4, 4)), "different seeds differ");
    }

    @Test
    void convolutionKernelsTakeFanInFromInputChannelsAndKernelSize() {
        // A kernel [out, in, kh, kw] = [64, 3, 5, 5] (PyTorch's layout): fan-in 3*5*5 = 75, not out*25.
        Tensor w = Init.heUniform(F64, Seed.of(11), 64, 3, 5, 5);
        double bound = Math.sqrt(6.0 / 75), max = 0, sq = 0;
        for (int i = 0; i < w.size(); i++) {
            max = Math.max(max, Math.abs(w.getFlat(i)));
            sq += w.getFlat(i) * w.getFlat(i);
        }
        assertTrue(max <= bound && max > 0.99 * bound, "max |w| " + max + " against the bound " + bound);
        assertEquals(bound * bound / 3, sq / w.size(), 0.05 * bound * bound / 3);
        Tensor n = Init.heNormal(F64, Seed.of(12), 16, 8, 3);   // conv1d [out, in, k]: fan-in 8*3
        double var = 0;
        for (int i = 0; i < n.size(); i++) var += n.getFlat(i) * n.getFlat(i);
        assertEquals(2.0 / 24, var / n.size(), 0.15 * 2.0 / 24);
        // Xavier is symmetric in the two fans; the layer's initialiser is Init's.
        assertTrue(dev.quiver.layers.Conv2d.KERNEL_INIT.create(F64, Seed.of(11), new int[] {64, 3, 5, 5}).bitwiseEquals(w));
    }

    private static void steps(Optimizer opt, Parameter p, int from, int count) {
        for (int s = from; s < from + count; s++) {
            for (int i = 0; i < p.grad().size(); i++) p.grad().setFlat(i, Math.sin(s + i));
            p.markGradientWritten();
            opt.step();
        }
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void adamStateRestoresBitExactly(TensorMath m) {
        var p = new Parameter("w", Tensor.vector(1, -2, 3));
        var adam = new Adam(List.of(p), 0.05, 0.9, 0.999, 1e-8, m);
        steps(adam, p, 0, 3);
        Map<String, Tensor> saved = Map.of("w/m", adam.state().get("w/m").copy(), "w/v", adam.state().get("w/v").copy());
        Tensor savedW = p.value().copy();
        long savedSteps = adam.stepCount();
        steps(adam, p, 3, 2);

        var q = new Parameter("w", savedW.copy());
        var restored = new Adam(List.of(q), 0.05, 0.9, 0.999, 1e-8, m);
        for (var e : saved.entrySet()) m.copy(e.getValue(), restored.state().get(e.getKey()));
        restored.setStepCount(savedSteps);
        steps(restored, q, 3, 2);
        assertTrue(p.value().bitwiseEquals(q.value()), p.value() + " vs " + q.value());
        assertEquals(List.of("w/m", "w/v"), List.copyOf(adam.state().keySet()));
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void trainingIsBitwiseIdenticalWhateverTheThreadCount(TensorMath one) {
        TensorMath two = TensorMath.of(Backends.create(one.backend().name(), 2));
        Tensor a = trainTwoLayer(one), b = trainTwoLayer(two);
        assertTrue(a.bitwiseEquals(b), "weights after training differ between 1 and 2 threads");
    }

    private static Tensor trainTwoLayer(TensorMath m) {
        Tensor[] data = TrainingTest.teacherData();
        Step step = TrainingTest.twoLayerNet(m, new Graph());
        var opt = new Adam(step.parameters(), 0.01, 0.9, 0.999, 1e-8, m);
        step.feed("x", data[0]).feed("target", data[1]);
        for (int i = 0; i < 20; i++) {
            step.forward().backward();
            opt.step();
        }
        return step.parameters().getFirst().value().copy();
    }
}
