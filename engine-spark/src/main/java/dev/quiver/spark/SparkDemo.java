package dev.quiver.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./quiver spark-demo}: the demo network (2-32-3, tanh, softmax cross-entropy) trained on
 * the three spirals by the {@link SparkTrainer}, on {@code local[2]} by default or on the master
 * spark-submit gives. Prints a line every tenth of the run and the accuracy before and after.
 */
public final class SparkDemo {
    static final String USAGE = """
            usage: ./quiver spark-demo [options]     (or spark-submit --class dev.quiver.spark.SparkDemo quiver-spark.jar [options])
              --master URL        Spark master when not set by spark-submit (default local[2])
              --partitions N      data partitions = parallel tasks per round (default 2)
              --rounds N          rounds (default 300)
              --batch N           global batch, split over the partitions (default 64)
              --local-steps K     1: synchronous data parallelism; K > 1: local SGD, averaging every K steps (default 1)
              --lr X              Adam learning rate (default 0.05)
              --hidden N          hidden units (default 32)
              --checkpoint FILE   save a checkpoint every --every rounds; resume from it if it exists
              --every N           checkpoint interval in rounds (default 10)
              --seed N            data order seed (default 1)
              --save FILE         write the trained parameters to FILE (safetensors)
            """;

    public static void main(String[] args) {
        String master = "local[2]";
        int partitions = 2, rounds = 300, batch = 64, localSteps = 1, hidden = 32, every = 10;
        double lr = 0.05;
        long seed = 1;
        Path checkpoint = null, save = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.print(USAGE);
                    return;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--master" -> master = v;
                    case "--partitions" -> partitions = Integer.parseInt(v);
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--batch" -> batch = Integer.parseInt(v);
                    case "--local-steps" -> localSteps = Integer.parseInt(v);
                    case "--lr" -> lr = Double.parseDouble(v);
                    case "--hidden" -> hidden = Integer.parseInt(v);
                    case "--checkpoint" -> checkpoint = Path.of(v);
                    case "--every" -> every = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--save" -> save = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("spark-demo: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        SparkConf conf = new SparkConf().setAppName("quiver-spark-demo").setIfMissing("spark.master", master)
                .setIfMissing("spark.ui.enabled", "false");
        if (conf.get("spark.master").startsWith("local")) conf.setIfMissing("spark.driver.host", "127.0.0.1").setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<LabeledVector> data = Spirals.make(150, 3, 0.1, 8);
            JavaRDD<LabeledVector> rdd = sc.parallelize(data, partitions);
            Mlp model = new Mlp(2, hidden, 3, 11);
            System.out.printf(Locale.ROOT, "spark:    %s, Spark %s, %d partitions%n", sc.master(), sc.version(), partitions);
            System.out.printf(Locale.ROOT, "model:    2-%d-3 tanh MLP, Adam lr %s, global batch %d (%d per partition), %s%n", hidden, lr, batch,
                    batch / Math.max(1, partitions), localSteps == 1 ? "synchronous" : "local SGD, " + localSteps + " local steps per round");
            SparkTrainer.Builder<LabeledVector> b = SparkTrainer.builder(model).optimizer(OptimizerConfig.adam(lr)).batchSize(batch)
                    .rounds(rounds).localSteps(localSteps).seed(seed);    // progress: logged by dev.quiver.spark.SparkTrainer
            if (checkpoint != null) b.checkpoint(checkpoint, every);
            long start = System.nanoTime();
            SparkTrainer.Result r = b.build().fit(rdd);
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "done:     rounds %d-%d in %.1f s; train accuracy %.1f%% (%.1f%% before); final loss %.4f;"
                            + " %d rounds as Spark jobs, the rest in %d session(s) of persistent tasks%n",
                    r.startRound() + 1, r.rounds(), s, 100 * model.accuracy(r.parameters(), data),
                    100 * model.accuracy(model.initialParameters(), data), r.lastLoss(), r.roundJobs(), r.sessions());
            if (save != null) dev.quiver.io.SafeTensors.write(save, r.parameters());
        } catch (java.io.IOException e) {
            System.err.println("spark-demo: cannot write " + save + ": " + e.getMessage());
            System.exit(1);
        } catch (SparkTrainingException e) {
            System.err.println("spark-demo: " + e.getMessage());
            System.exit(1);
        }
    }
}
