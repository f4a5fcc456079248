package dev.quiver.spark;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad data stops the run with a message naming the round and the partition (and is not retried). */
class BadInputTest {
    static final Mlp MODEL = new Mlp(2, 8, 3, 1);

    /** 24 good examples, two partitions of 12 (parallelize splits a list in order). */
    private static List<LabeledVector> good() { return new ArrayList<>(Spirals.make(8, 3, 0.1, 1)); }

    private static SparkTrainingException train(List<LabeledVector> data, int partitions) {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(data, partitions);
        return assertThrows(SparkTrainingException.class, () -> SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.sgd(0.1))
                .batchSize(8).rounds(5).shuffle(false).build().fit(rdd));
    }

    @Test
    void aMisshapenExampleNamesRoundPartitionAndShapes() {
        List<LabeledVector> data = good();
        data.set(12 + 5, new LabeledVector(new float[] {1, 2, 3}, 0));   // partition 1, position 5: round 1 (local batch 4)
        SparkTrainingException e = train(data, 2);
        assertTrue(e.getMessage().startsWith("round 1, partition 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("3 features, the model's input is [4, 2]"), e.getMessage());
        assertEquals(1, e.round());
        assertEquals(1, e.partition());
    }

    @Test
    void anEmptyPartitionIsNamed() {
        SparkTrainingException e = train(good().subList(0, 2), 4);     // 2 examples over 4 partitions: two are empty
        assertTrue(e.getMessage().matches("round 0, partition [0-3]: the partition is empty.*"), e.getMessage());
    }

    @Test
    void aNonFiniteGradientNamesRoundPartitionAndParameter() {
        List<LabeledVector> data = good();
        data.set(9, new LabeledVector(new float[] {Float.NaN, 0}, 1));  // partition 0, position 9: round 2
        SparkTrainingException e = train(data, 2);
        assertTrue(e.getMessage().startsWith("round 2, partition 0: "), e.getMessage());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("[8, 9, 10, 11]"), "names the batch's positions: " + e.getMessage());
    }

    /** loss = mean(sqrt(w * x)) over a batch of 4 scalars, w = 1: finite at x = 0, but d/dw there is 0 * inf = NaN. */
    record SqrtModel() implements ModelDefinition<Float> {
        @Override public SequencedMap<String, Tensor> initialParameters() {
            SequencedMap<String, Tensor> p = new LinkedHashMap<>();
            p.put("w", Tensor.ones(DType.F32, 4));
            return p;
        }
        @Override public Node loss(Graph g, Map<String, Parameter> parameters, int batchSize) {
            return g.mean(g.sqrt(g.mul(g.param(parameters.get("w")), g.input("x", DType.F32, batchSize))));
        }
        @Override public void fill(Step step, List<Float> batch) {
            for (int i = 0; i < batch.size(); i++) step.input("x").setFlat(i, batch.get(i));
        }
    }

    @Test
    void aNonFiniteGradientWithAFiniteLossNamesTheParameterAndElement() {
        List<Float> data = new ArrayList<>(List.of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f));
        data.set(8 + 6, 0f);   // partition 1, position 6: round 1, element 2 of its batch
        JavaRDD<Float> rdd = LocalSpark.get().parallelize(data, 2);
        SparkTrainingException e = assertThrows(SparkTrainingException.class, () -> SparkTrainer.builder(new SqrtModel())
                .optimizer(OptimizerConfig.sgd(0.01)).batchSize(8).rounds(3).shuffle(false).build().fit(rdd));
        assertTrue(e.getMessage().startsWith("round 1, partition 1: NaN in the gradient of parameter 'w' [4] at flat element 2"), e.getMessage());
        assertEquals(1, e.partition());
    }

    @Test
    void aBatchThatDoesNotSplitOverThePartitionsIsRefusedBeforeTraining() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(good(), 3);
        SparkTrainingException e = assertThrows(SparkTrainingException.class, () -> SparkTrainer.builder(MODEL)
                .optimizer(OptimizerConfig.sgd(0.1)).batchSize(8).rounds(1).build().fit(rdd));
        assertEquals("batch size 8 does not split evenly over 3 partitions: use a multiple of 3 or repartition", e.getMessage());
    }

    @Test
    void aMicroBatchThatDoesNotDivideTheLocalBatchIsRefusedBeforeTraining() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(good(), 2);
        SparkTrainingException e = assertThrows(SparkTrainingException.class, () -> SparkTrainer.builder(MODEL)
                .optimizer(OptimizerConfig.sgd(0.1)).batchSize(8).microBatch(3).rounds(1).build().fit(rdd));
        assertEquals("micro-batch 3 does not divide the batch of 4 examples per partition (global batch 8 over 2 partitions)", e.getMessage());
    }

    @Test
    void aNaNInAMicroBatchNamesThatChunksPositions() {
        List<LabeledVector> data = good();
        data.set(9, new LabeledVector(new float[] {Float.NaN, 0}, 1));  // partition 0, position 9: round 2, second chunk of 2
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(data, 2);
        SparkTrainingException e = assertThrows(SparkTrainingException.class, () -> SparkTrainer.builder(MODEL)
                .optimizer(OptimizerConfig.sgd(0.1)).batchSize(8).microBatch(2).rounds(5).shuffle(false).build().fit(rdd));
        assertEquals("round 2, partition 0: the loss is NaN (batch of 2 examples at partition positions [8, 9])", e.getMessage());
    }
}
