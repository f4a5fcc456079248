package dev.quiver.spark;

import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A driver that stops after a checkpoint and starts again finishes with the uninterrupted run's parameters. */
class CheckpointResumeTest {
    static final Mlp MODEL = new Mlp(2, 8, 3, 3);

    private static SparkTrainer.Builder<LabeledVector> trainer(int localSteps) {
        return SparkTrainer.builder(MODEL).optimizer(OptimizerConfig.adam(0.05)).batchSize(16).localSteps(localSteps).seed(9);
    }

    @Test
    void resumingFromTheLastCheckpointEqualsTheUninterruptedRun(@TempDir Path dir) {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(20, 3, 0.1, 2), 2);
        for (int k : new int[] {1, 3}) {
            SparkTrainer.Result whole = trainer(k).rounds(6).build().fit(rdd);

            Path ckpt = dir.resolve("k" + k + "/run.ckpt");
            SparkTrainer.Result first = trainer(k).rounds(4).checkpoint(ckpt, 2).build().fit(rdd);   // the driver "dies" after round 4
            assertTrue(Files.exists(ckpt));
            assertEquals(0, first.startRound());
            SparkTrainer.Result resumed = trainer(k).rounds(6).checkpoint(ckpt, 2).build().fit(rdd);
            assertEquals(4, resumed.startRound(), "resumed from the checkpoint after round 4");
            for (String name : whole.parameters().keySet()) {
                assertArrayEquals(whole.parameters().get(name).f32(), resumed.parameters().get(name).f32(), "K=" + k + ", " + name);
            }
            for (String key : whole.optimizerState().keySet()) {
                assertArrayEquals(whole.optimizerState().get(key).f32(), resumed.optimizerState().get(key).f32(), "K=" + k + ", " + key);
            }
            assertEquals(whole.optimizerSteps(), resumed.optimizerSteps());
        }
    }

    @Test
    void aCheckpointFromADifferentSetUpIsRefused(@TempDir Path dir) {
        JavaRDD<LabeledVector> rdd = LocalSpark.get().parallelize(Spirals.make(20, 3, 0.1, 2), 2);
        Path ckpt = dir.resolve("run.ckpt");
        trainer(1).rounds(2).checkpoint(ckpt, 1).build().fit(rdd);
        SparkTrainingException e = assertThrows(SparkTrainingException.class,
                () -> trainer(1).batchSize(32).rounds(4).checkpoint(ckpt, 1).build().fit(rdd));
        assertTrue(e.getMessage().contains("batch=16") && e.getMessage().contains("batch=32"), e.getMessage());
    }
}
