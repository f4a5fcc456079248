package dev.quiver.spark;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** local[2], K = 1: the Spark trainer computes what one machine computes on the same global batches. */
class SynchronousEqualityTest {
    static final Mlp MODEL = new Mlp(2, 16, 3, 7);
    static final int BATCH = 32, ROUNDS = 15;
    static final long SEED = 5;

    @Test
    void twoPartitionsEqualTheSingleMachineReplicaSumBitwise() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 3), 2);
        List<List<LabeledVector>> parts = rdd.glom().collect();
        int compiledBefore = Worker.compilations();
        List<Progress> seen = new ArrayList<>();
        SparkTrainer.Result spark = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.02)).batchSize(BATCH)
                .rounds(ROUNDS).seed(SEED).listener(seen::add).build().fit(rdd);
        SequencedMap<String, Tensor> local = new LocalDataParallel<>(MODEL, OptimizerConfig.adam(0.02), BATCH, SEED, true).train(parts, ROUNDS);

        Map<String, Tensor> initial = MODEL.initialParameters();
        for (String name : local.keySet()) {
            float[] s = spark.parameters().get(name).f32(), l = local.get(name).f32();
            assertArrayEquals(l, s, name + ": Spark and the single-machine replica sum differ");   // bit-for-bit (Float.equals)
            assertFalse(java.util.Arrays.equals(initial.get(name).f32(), s), name + " did not change");
        }
        assertEquals(ROUNDS, seen.size());
        assertEquals(BATCH, seen.getFirst().examples());
        assertTrue(seen.getLast().loss() < seen.getFirst().loss(), "loss went from " + seen.getFirst().loss() + " to " + seen.getLast().loss());
        int compiled = Worker.compilations() - compiledBefore;
        assertTrue(compiled >= 1 && compiled <= 6, compiled + " steps compiled for " + ROUNDS * 2 + " tasks: not reused across rounds");
        assertEquals(1, spark.sessions(), "all rounds in one session of persistent tasks");
        assertEquals(0, spark.roundJobs(), "no round ran as a job of its own");
    }

    /** The same run as a Spark job per round ({@code treeAggregate}): the same bits. */
    @Test
    void aJobPerRoundGivesTheSameBits() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 3), 2);
        List<List<LabeledVector>> parts = rdd.glom().collect();
        SparkTrainer.Result spark = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.02)).batchSize(BATCH)
                .rounds(ROUNDS).seed(SEED).persistentTasks(false).build().fit(rdd);
        SequencedMap<String, Tensor> local = new LocalDataParallel<>(MODEL, OptimizerConfig.adam(0.02), BATCH, SEED, true).train(parts, ROUNDS);
        for (String name : local.keySet()) {
            assertArrayEquals(local.get(name).f32(), spark.parameters().get(name).f32(), name + ": per-round jobs and the single-machine replica sum differ");
        }
        assertEquals(ROUNDS, spark.roundJobs());
        assertEquals(0, spark.sessions());
    }

    /**
     * Three and four partitions on local[2]: a barrier stage of 3 or 4 tasks cannot run on 2 slots,
     * so every round is a job (rather than Spark's slot check waiting minutes), its tasks two at a
     * time and their results merged by {@code treeAggregate} in whatever order they finish; the
     * sums go through {@link PartialSum}'s fixed tree, so the result is bit for bit the single
     * machine's (P = 4: (p0 + p1) + (p2 + p3), which a loop in partition order is not; P = 3:
     * (p0 + p1) + p2, which it is).
     */
    @Test
    void threeAndFourPartitionsOnTwoSlotsEqualTheSingleMachineBitwise() {
        assertTrue(Session.fits(LocalSpark.get().sc(), 2), "local[2] runs 2 tasks at once");
        assertFalse(Session.fits(LocalSpark.get().sc(), 3), "local[2] cannot run 3 tasks at once");
        for (int partitions : new int[] {3, 4}) {
            int batch = 12 * partitions;
            JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 3), partitions);
            List<List<LabeledVector>> parts = rdd.glom().collect();
            SparkTrainer.Result spark = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.02)).batchSize(batch)
                    .rounds(ROUNDS).seed(SEED).build().fit(rdd);
            SequencedMap<String, Tensor> local = new LocalDataParallel<>(MODEL, OptimizerConfig.adam(0.02), batch, SEED, true).train(parts, ROUNDS);
            for (String name : local.keySet()) {
                assertArrayEquals(local.get(name).f32(), spark.parameters().get(name).f32(),
                        partitions + " partitions, " + name + ": Spark and the single machine differ");
            }
            assertEquals(ROUNDS, spark.roundJobs());
            assertEquals(0, spark.sessions());
        }
    }

    /** Micro-batches of 4 (4 chunks per partition, gradients accumulated): bitwise the reference doing the same, near the unchunked run. */
    @Test
    void microBatchesEqualTheReferenceWithTheSameChunksBitwiseAndTheWholeBatchWithinRounding() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 6), 2);
        List<List<LabeledVector>> parts = rdd.glom().collect();
        SparkTrainer.Result spark = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.02)).batchSize(BATCH).microBatch(4)
                .rounds(ROUNDS).seed(SEED).build().fit(rdd);
        SequencedMap<String, Tensor> chunked = new LocalDataParallel<>(MODEL, OptimizerConfig.adam(0.02), BATCH, 4, SEED, true).train(parts, ROUNDS);
        SequencedMap<String, Tensor> whole = new LocalDataParallel<>(MODEL, OptimizerConfig.adam(0.02), BATCH, SEED, true).train(parts, ROUNDS);
        for (String name : chunked.keySet()) {
            float[] s = spark.parameters().get(name).f32(), c = chunked.get(name).f32(), w = whole.get(name).f32();
            assertArrayEquals(c, s, name + ": Spark and the single-machine reference with the same micro-batches differ");
            for (int i = 0; i < s.length; i++) assertEquals(w[i], s[i], 2e-4 * (1 + Math.abs(w[i])), name + "[" + i + "]");
        }
    }

    @Test
    void agreesWithOneStepOverTheWholeGlobalBatchWithinFloatRounding() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 4), 2);
        List<List<LabeledVector>> parts = rdd.glom().collect();
        SparkTrainer.Result spark = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.sgd(0.5, 0.9, 0)).batchSize(BATCH)
                .rounds(ROUNDS).seed(SEED).build().fit(rdd);

        // One machine, one step of batch 32 whose rows are partition 0's local batch then partition 1's.
        LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
        MODEL.initialParameters().forEach((k, v) -> params.put(k, new Parameter(k, v)));
        Graph g = new Graph();
        Step step = g.compile(MODEL.loss(g, params, BATCH), CompileOptions.training());
        Optimizer opt = OptimizerConfig.sgd(0.5, 0.9, 0).create(new ArrayList<>(params.values()), TensorMath.get());
        for (int round = 0; round < ROUNDS; round++) {
            List<LabeledVector> batch = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                for (int i : Batches.indices(parts.get(p).size(), p, round, BATCH / 2, SEED, true)) batch.add(parts.get(p).get(i));
            }
            MODEL.fill(step, batch);
            step.forward().backward();
            opt.step();
        }
        for (String name : params.keySet()) {
            float[] s = spark.parameters().get(name).f32(), one = params.get(name).value().f32();
            for (int i = 0; i < s.length; i++) {
                assertEquals(one[i], s[i], 2e-5 * (1 + Math.abs(one[i])), name + "[" + i + "]");
            }
        }
    }
}
