package dev.quiver.io;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end: the lecture's two-layer network trained by Adam on minibatches drawn with
 * {@link Rng}; checkpoint, continue; restore into a freshly built graph and optimiser, continue;
 * the parameters must be bitwise equal.
 */
class CheckpointTrainingTest {
    static final int EXAMPLES = 48, BATCH = 8, IN = 4, HID = 6, OUT = 2;

    /** A graph, its optimiser and data feeder, built from scratch; {@code initSeed} sets the initial weights. */
    static final class Trainer {
        final Tensor data = Tensor.randn(F64, Seed.of(77), EXAMPLES, IN);
        final Tensor targets = Tensor.randn(F64, Seed.of(78), EXAMPLES, OUT);
        final int[] order = new int[EXAMPLES];
        final Rng rng = new Rng(31337);
        final Step step;
        final Adam adam;

        Trainer(long initSeed) {
            Graph g = new Graph();
            Node xs = g.input("x", F64, BATCH, IN);
            Node ys = g.input("target", F64, BATCH, OUT);
            Node W = g.param("W", Init.xavierUniform(F64, Seed.of(initSeed), IN, HID));
            Node b = g.param("b", Tensor.zeros(F64, HID));
            Node V = g.param("V", Init.xavierUniform(F64, Seed.of(initSeed + 1), HID, OUT));
            Node a = g.param("a", Tensor.zeros(F64, OUT));
            Node h = xs.matmul(W).add(b).tanh();
            step = g.compile(Losses.mse(h.matmul(V).add(a), ys));
            adam = new Adam(step.parameters(), 0.01);
        }

        Map<String, Tensor> parameters() {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Parameter p : step.parameters()) named.put(p.name(), p.value());
            return named;
        }

        void train(int steps) {
            for (int s = 0; s < steps; s++) {
                // A fresh random minibatch every step, a function of the RNG state alone.
                for (int i = 0; i < EXAMPLES; i++) order[i] = i;
                rng.shuffle(order);
                Tensor x = step.input("x"), y = step.input("target");
                for (int r = 0; r < BATCH; r++) {
                    for (int c = 0; c < IN; c++) x.set(data.get(order[r], c), r, c);
                    for (int c = 0; c < OUT; c++) y.set(targets.get(order[r], c), r, c);
                }
                step.forward().backward();
                adam.step();
            }
        }

        Checkpoint checkpoint() {
            return Checkpoint.builder()
                    .tensors("param/", parameters())
                    .tensors("adam/", adam.state())
                    .put("adam.steps", adam.stepCount())
                    .put("adam.lr", adam.learningRate())
                    .rng("rng", rng)
                    .build();
        }

        void restore(Checkpoint c) {
            c.copyAllInto("param/", parameters());
            c.copyAllInto("adam/", adam.state());
            adam.setStepCount(c.getLong("adam.steps"));
            adam.setLearningRate(c.getDouble("adam.lr"));
            c.restoreRng("rng", rng);
        }
    }

    @Test
    void adamTrainingResumedFromACheckpointMatchesTheUninterruptedRunBitForBit(@TempDir Path dir) throws Exception {
        Trainer uninterrupted = new Trainer(1);
        uninterrupted.train(5);
        Path file = dir.resolve("mlp.ckpt");
        uninterrupted.checkpoint().save(file);
        Tensor atCheckpoint = uninterrupted.parameters().get("W").copy();
        uninterrupted.train(12);
        assertFalse(atCheckpoint.bitwiseEquals(uninterrupted.parameters().get("W")), "training did not move the weights");

        Trainer resumed = new Trainer(999); // different initial weights: only the checkpoint can make it agree
        resumed.restore(Checkpoint.load(file));
        resumed.train(12);

        Map<String, Tensor> expected = uninterrupted.parameters(), actual = resumed.parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertTrue(expected.get(name).bitwiseEquals(actual.get(name)), name + ": " + expected.get(name) + " vs " + actual.get(name));
        }
        for (String name : uninterrupted.adam.state().keySet()) {
            assertTrue(uninterrupted.adam.state().get(name).bitwiseEquals(resumed.adam.state().get(name)), name);
        }
        assertEquals(17, resumed.adam.stepCount());

        // Without the optimiser's moments the continuation differs: the comparison has teeth.
        Trainer partial = new Trainer(999);
        Checkpoint c = Checkpoint.load(file);
        c.copyAllInto("param/", partial.parameters());
        c.restoreRng("rng", partial.rng);
        partial.adam.setStepCount(c.getLong("adam.steps"));
        partial.train(12);
        assertFalse(expected.get("W").bitwiseEquals(partial.parameters().get("W")));
    }
}
