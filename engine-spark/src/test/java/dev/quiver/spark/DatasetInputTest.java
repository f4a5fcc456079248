package dev.quiver.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A Dataset trains exactly as its RDD of rows does. */
class DatasetInputTest {
    @Test
    void aDatasetTrainsLikeItsRdd() {
        SparkSession spark = SparkSession.builder().sparkContext(LocalSpark.get().sc()).getOrCreate();
        List<LabeledVector> data = Spirals.make(20, 3, 0.1, 5);
        Dataset<LabeledVector> ds = spark.createDataset(data, Encoders.javaSerialization(LabeledVector.class)).repartition(2).cache();
        Mlp model = new Mlp(2, 8, 3, 4);
        SparkTrainer<LabeledVector> trainer = SparkTrainer.builder(model).optimizer(OptimizerConfig.adam(0.05)).batchSize(8).rounds(5).build();
        SparkTrainer.Result fromDataset = trainer.fit(ds);
        SparkTrainer.Result fromRdd = trainer.fit(ds.javaRDD());
        for (String name : fromRdd.parameters().keySet()) {
            assertArrayEquals(fromRdd.parameters().get(name).f32(), fromDataset.parameters().get(name).f32(), name);
        }
    }
}
