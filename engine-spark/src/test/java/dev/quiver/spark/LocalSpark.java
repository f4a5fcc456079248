package dev.quiver.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context for all test classes of the fork (starting one costs seconds). */
final class LocalSpark {
    private static JavaSparkContext sc;

    private LocalSpark() {}

    static synchronized JavaSparkContext get() {
        if (sc == null) {
            sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("quiver-engine-spark-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1"));
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return sc;
    }
}
