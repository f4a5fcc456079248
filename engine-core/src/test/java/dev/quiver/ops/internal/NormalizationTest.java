package dev.quiver.ops.internal;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Mode;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.ops.RunningStats;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layer, RMS and batch normalisation: values against the formulas, modes, running statistics, errors. */
class NormalizationTest {

    @Test
    void layerNormMatchesTheFormulaInBothDtypes() {
        for (DType dt : DType.FLOATING) {
            Tensor xv = Tensor.randn(dt, Seed.of(1), 3, 2, 7);
            Tensor gv = Tensor.randn(dt, Seed.of(2), 7), bv = Tensor.randn(dt, Seed.of(3), 7);
            Graph g = new Graph();
            Node x = g.input("x", dt, 3, 2, 7);
            Node y = g.named("y", g.layerNorm(x, g.constant(gv), g.constant(bv), 1e-5));
            Node r = g.named("r", g.rmsNorm(x, g.constant(gv), 1e-6));
            Step step = g.compile(y.sum().add(r.sum()), CompileOptions.inferenceOnly().withKeep(y, r));
            step.forward(Map.of("x", xv));
            double tol = dt == DType.F64 ? 1e-12 : 2e-5;
            for (int a = 0; a < 3; a++) for (int b = 0; b < 2; b++) {
                double mean = 0, sq = 0, ms = 0;
                for (int j = 0; j < 7; j++) mean += xv.get(a, b, j) / 7;
                for (int j = 0; j < 7; j++) sq += Math.pow(xv.get(a, b, j) - mean, 2) / 7;
                for (int j = 0; j < 7; j++) ms += Math.pow(xv.get(a, b, j), 2) / 7;
                for (int j = 0; j < 7; j++) {
                    double expect = (xv.get(a, b, j) - mean) / Math.sqrt(sq + 1e-5) * gv.get(j) + bv.get(j);
                    assertEquals(expect, step.value(y).get(a, b, j), tol, dt + " layerNorm");
                    assertEquals(xv.get(a, b, j) / Math.sqrt(ms + 1e-6) * gv.get(j), step.value(r).get(a, b, j), tol, dt + " rmsNorm");
                }
            }
        }
    }

    @Test
    void batchNormTrainsOnBatchStatisticsUpdatesRunningOnesAndEvaluatesWithThem() {
        int n = 4, c = 2, s = 3;
        Tensor xv = Tensor.randn(DType.F64, Seed.of(5), n, c, s);
        RunningStats stats = new RunningStats(DType.F64, c, 0.1);
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, n, c, s);
        Node gamma = g.param("gamma", Tensor.ones(DType.F64, c)), beta = g.param("beta", Tensor.zeros(DType.F64, c));
        Node y = g.named("y", g.batchNorm(x, gamma, beta, stats, 1e-5));
        Step train = g.compile(y.square().sum(), CompileOptions.training().withKeep(y));
        Step eval = g.compile(y.square().sum(), CompileOptions.inferenceOnly().withKeep(y));
        assertEquals(Mode.TRAIN, train.mode());
        assertEquals(Mode.EVAL, eval.mode());
        train.forward(Map.of("x", xv)).backward();
        for (int ch = 0; ch < c; ch++) {
            double mean = 0, var = 0;
            for (int b = 0; b < n; b++) for (int j = 0; j < s; j++) mean += xv.get(b, ch, j) / (n * s);
            for (int b = 0; b < n; b++) for (int j = 0; j < s; j++) var += Math.pow(xv.get(b, ch, j) - mean, 2);
            assertEquals(0.1 * mean, stats.mean().get(ch), 1e-14);
            assertEquals(0.9 + 0.1 * var / (n * s - 1), stats.var().get(ch), 1e-14);
            assertEquals((xv.get(1, ch, 2) - mean) / Math.sqrt(var / (n * s) + 1e-5), train.value(y).get(1, ch, 2), 1e-12);
        }
        Tensor before = stats.mean().copy();
        eval.forward(Map.of("x", xv));
        for (int ch = 0; ch < c; ch++) {
            assertEquals(before.get(ch), stats.mean().get(ch), "evaluation leaves the running statistics alone");
            double expect = (xv.get(3, ch, 0) - stats.mean().get(ch)) / Math.sqrt(stats.var().get(ch) + 1e-5);
            assertEquals(expect, eval.value(y).get(3, ch, 0), 1e-12);
        }
    }

    @Test
    void badShapesNameTheOpAndTheNodes() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, 4, 6);
        var e = assertThrows(IllegalArgumentException.class, () -> g.layerNorm(x, g.param("gamma", Tensor.ones(DType.F32, 5)), null, 1e-5));
        assertTrue(e.getMessage().startsWith("layer_norm") && e.getMessage().contains("'x' [4, 6]") && e.getMessage().contains("gamma must have shape [6]"),
                e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> g.batchNorm(x, g.param("g2", Tensor.ones(DType.F32, 6)),
                g.param("b2", Tensor.ones(DType.F32, 6)), new RunningStats(DType.F32, 5, 0.1), 1e-5));
        assertTrue(b.getMessage().startsWith("batch_norm") && b.getMessage().contains("running statistics have 5 channels"), b.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> g.batchNorm(x, g.param("g3", Tensor.ones(DType.F32, 4)),
                g.param("b3", Tensor.ones(DType.F32, 4)), new RunningStats(DType.F32, 6, 0.1), 1e-5));
        assertTrue(d.getMessage().contains("gamma must have shape [6]"), d.getMessage());
    }
}
