package dev.quiver.spark;

import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local SGD (K local steps, then averaging) on local[2] learns the spirals. */
class LocalSgdTest {
    static final Mlp MODEL = new Mlp(2, 32, 3, 11);

    @Test
    void eightLocalStepsPerRoundLearnTheSpirals() {
        List<LabeledVector> data = Spirals.make(150, 3, 0.1, 8);
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(data, 2);
        double before = MODEL.accuracy(MODEL.initialParameters(), data);
        List<Progress> seen = new ArrayList<>();
        SparkTrainer.Result r = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.05)).batchSize(64).localSteps(8)
                .rounds(40).seed(2).listener(seen::add).build().fit(rdd);
        double after = MODEL.accuracy(r.parameters(), data);
        assertTrue(after > 0.9, "train accuracy " + after + " after 320 local steps (" + before + " before)");
        assertTrue(seen.getLast().loss() < 0.5 * seen.getFirst().loss(), "loss " + seen.getFirst().loss() + " -> " + seen.getLast().loss());
        assertEquals(8 * 64, seen.getFirst().examples(), "examples per round: K times the global batch");
        assertEquals(320, r.optimizerSteps(), "the averaged Adam state counts every local step");
    }

    /** Each local step's gradient is the mean over its chunks: micro-batches of 8 agree with the whole local batch of 32. */
    @Test
    void microBatchesGiveTheSameLocalStepsWithinRounding() {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(100, 3, 0.1, 9), 2);
        SparkTrainer.Builder<LabeledVector> b = SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.sgd(0.3, 0.9, 0)).batchSize(64)
                .localSteps(3).rounds(4).seed(3);
        SparkTrainer.Result whole = b.build().fit(rdd), chunked = b.microBatch(8).build().fit(rdd);
        for (String name : whole.parameters().keySet()) {
            float[] w = whole.parameters().get(name).f32(), c = chunked.parameters().get(name).f32();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], c[i], 1e-4 * (1 + Math.abs(w[i])), name + "[" + i + "]");
        }
    }
}
