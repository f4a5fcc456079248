package dev.quiver.spark;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Tensor;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task of the persistent session dies mid-run (as with a lost executor): Spark aborts the barrier
 * stage, the driver runs the round again in a new session, and the run ends with the same bits as
 * the single-machine reference.
 */
class SessionRestartTest {
    static final AtomicInteger FILLS = new AtomicInteger();
    static final int DIE_AT_FILL = 13;   // round 6's batch on one of the two partitions

    /** Not caught by the trainer's bad-input handling (that catches RuntimeExceptions): the task fails. */
    static final class TaskDied extends Error {
        private static final long serialVersionUID = 1L;
        TaskDied() { super("simulated executor loss"); }
    }

    /** The Mlp, except that the 13th batch filled in this JVM kills its task once. */
    record DiesOnce(Mlp mlp) implements ModelDefinition<LabeledVector> {
        @Override public SequencedMap<String, Tensor> initialParameters() { return mlp.initialParameters(); }
        @Override public Node loss(Graph g, Map<String, Parameter> p, int batchSize) { return mlp.loss(g, p, batchSize); }
        @Override public void fill(Step step, List<LabeledVector> batch) {
            if (FILLS.incrementAndGet() == DIE_AT_FILL) throw new TaskDied();
            mlp.fill(step, batch);
        }
    }

    @Test
    void aLostSessionTaskReRunsTheRoundAndTheResultIsUnchanged() {
        Mlp mlp = new Mlp(2, 16, 3, 7);
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 8), 2);
        List<List<LabeledVector>> parts = rdd.glom().collect();
        FILLS.set(0);
        List<Progress> seen = new ArrayList<>();
        SparkTrainer.Result spark = SparkTrainer.builder(new DiesOnce(mlp)).optimizer(OptimizerConfig.adam(0.02)).batchSize(32)
                .rounds(12).seed(5).listener(seen::add).build().fit(rdd);
        assertTrue(FILLS.get() >= DIE_AT_FILL, "the task never died: " + FILLS.get() + " fills");
        assertEquals(2, spark.sessions(), "a second session after the lost one");
        assertEquals(12, seen.size(), "each round reported once");
        SequencedMap<String, Tensor> local = new LocalDataParallel<>(mlp, OptimizerConfig.adam(0.02), 32, 5, true).train(parts, 12);
        for (String name : local.keySet()) {
            assertArrayEquals(local.get(name).f32(), spark.parameters().get(name).f32(), name + ": the restarted run differs from the reference");
        }
    }
}
