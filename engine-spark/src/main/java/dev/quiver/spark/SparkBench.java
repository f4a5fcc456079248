package dev.quiver.spark;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * {@code ./quiver spark-bench}: the figures of engine-spark's README, printed as tables.
 * <ul>
 *   <li>{@code overhead}: per-round time split (broadcast, decode, compute, aggregate, update) for
 *       a model that is one parameter vector of 10^4 .. 10^7 floats and a trivial loss, so the
 *       round is all overhead;</li>
 *   <li>{@code speedup}: examples/s of the 784-256-10 MLP with a large global batch on one worker
 *       (local[1], 1 partition) and two (local[2], 2 partitions), synchronous and local SGD, the
 *       configurations interleaved repetition by repetition so that load from other processes
 *       hits both alike, plus Quiver alone (no Spark) on one thread as the baseline.</li>
 * </ul>
 * Medians over the measured rounds, after warm-up rounds. A master given with --master (e.g. a
 * standalone cluster) replaces local[N] in {@code overhead}.
 */
public final class SparkBench {
    static final String USAGE = """
            usage: ./quiver spark-bench overhead [--master URL] [--sizes 10000,100000,1000000,10000000] [--rounds 15] [--warmup 5] [--persistent true]
                   ./quiver spark-bench speedup  [--batch 2048] [--steps 1,4,16] [--rounds 8] [--warmup 3] [--reps 2] [--micro 0] [--persistent true|false|both]
                                                 [--threads false] [--alone true] [--data max(4*batch, 8192)]
                   ./quiver spark-bench threads  [--batch 32768] [--rounds 10] [--warmup 3] [--reps 3] [--micro 0]
            """;

    /** Rounds in persistent session tasks (the default) or, with {@code --persistent false}, a Spark job per round. */
    static boolean persistent = true;
    /** The modes {@code speedup} runs, each rep in turn ({@code --persistent both}: persistent tasks, then a job per round). */
    static boolean[] modes = {true};

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help")) {
            System.out.print(USAGE);
            return;
        }
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) o.put(args[i], args[i + 1]);
        String mode = o.getOrDefault("--persistent", "true");
        modes = mode.equals("both") ? new boolean[] {true, false} : new boolean[] {flag("--persistent", mode, "true, false or both")};
        persistent = modes[0];
        switch (args[0]) {
            case "overhead" -> overhead(o.getOrDefault("--master", "local[2]"),
                    Arrays.stream(o.getOrDefault("--sizes", "10000,100000,1000000,10000000").split(",")).mapToInt(Integer::parseInt).toArray(),
                    Integer.parseInt(o.getOrDefault("--rounds", "15")), Integer.parseInt(o.getOrDefault("--warmup", "5")));
            case "speedup" -> {
                int batch = Integer.parseInt(o.getOrDefault("--batch", "2048"));
                speedup(batch, Arrays.stream(o.getOrDefault("--steps", "1,4,16").split(",")).mapToInt(Integer::parseInt).toArray(),
                        Integer.parseInt(o.getOrDefault("--rounds", "8")), Integer.parseInt(o.getOrDefault("--warmup", "3")),
                        Integer.parseInt(o.getOrDefault("--reps", "2")), Integer.parseInt(o.getOrDefault("--micro", "0")),
                        flag("--threads", o.getOrDefault("--threads", "false"), "true or false"), flag("--alone", o.getOrDefault("--alone", "true"), "true or false"),
                        Integer.parseInt(o.getOrDefault("--data", Integer.toString(Math.max(4 * batch, 8192)))));
            }
            case "threads" -> threads(Integer.parseInt(o.getOrDefault("--batch", "32768")), Integer.parseInt(o.getOrDefault("--rounds", "10")),
                    Integer.parseInt(o.getOrDefault("--warmup", "3")), Integer.parseInt(o.getOrDefault("--reps", "3")),
                    Integer.parseInt(o.getOrDefault("--micro", "0")));
            default -> {
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }

    // ------------------------------------------------------------------ overhead

    /** One parameter vector of n floats; loss = mean(w): the round's cost is all moving parameters and gradients. */
    record Flat(int n) implements ModelDefinition<Integer> {
        @Override public SequencedMap<String, Tensor> initialParameters() {
            SequencedMap<String, Tensor> p = new LinkedHashMap<>();
            p.put("w", Tensor.zeros(DType.F32, n));
            return p;
        }
        @Override public Node loss(Graph g, Map<String, Parameter> parameters, int batchSize) { return g.mean(g.param(parameters.get("w"))); }
        @Override public void fill(Step step, List<Integer> batch) {}
    }

    static JavaSparkContext context(String master) {
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("quiver-spark-bench").setIfMissing("spark.master", master)
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
        sc.setLogLevel("WARN");
        return sc;
    }

    static void overhead(String master, int[] sizes, int rounds, int warmup) {
        try (JavaSparkContext sc = context(master)) {
            JavaRDD<Integer> rdd = sc.parallelize(List.of(1, 2, 3, 4), 2);
            System.out.printf(Locale.ROOT, "per-round overhead on %s, Spark %s, 2 partitions, synchronous, SGD, %s; median of %d rounds after %d warm-up (ms)%n",
                    sc.master(), sc.version(), persistent ? "persistent tasks" : "a job per round", rounds, warmup);
            System.out.printf(Locale.ROOT, "%12s %10s %9s %9s %9s %9s %9s %9s%n", "floats", "MB", "round", "bcast", "decode", "compute", "aggreg", "update");
            for (int n : sizes) {
                List<Progress> seen = new ArrayList<>();
                SparkTrainer.builder(new Flat(n)).optimizer(OptimizerConfig.sgd(0.01)).batchSize(2).rounds(warmup + rounds).persistentTasks(persistent)
                        .listener(seen::add).build().fit(rdd);
                List<Progress> m = seen.subList(warmup, seen.size());
                System.out.printf(Locale.ROOT, "%,12d %10.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f%n", n, n * 4 / 1e6,
                        median(m, Progress::seconds), median(m, Progress::broadcastSeconds), median(m, Progress::decodeSeconds),
                        median(m, Progress::computeSeconds), median(m, Progress::aggregateSeconds), median(m, Progress::updateSeconds));
            }
        }
    }

    /** Medians of every phase of {@link Progress#phasesMs}, e.g. "encode 0.4 broadcast 1.2 ...". */
    static String phases(List<Progress> ps) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "round %.1f", median(ps, Progress::seconds)));
        for (String name : ps.getFirst().phasesMs().keySet()) {
            b.append(String.format(Locale.ROOT, "  %s %.1f", name, median(ps, p -> p.phasesMs().get(name) / 1e3)));
        }
        return b.toString();
    }

    static double median(List<Progress> ps, java.util.function.ToDoubleFunction<Progress> f) {
        double[] v = ps.stream().mapToDouble(f).sorted().toArray();
        return 1e3 * (v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    }

    // ------------------------------------------------------------------ speed-up

    /** 784 random features in [0, 1), labels from a fixed random linear teacher over 10 classes. */
    static List<LabeledVector> synthetic(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] teacher = new float[10][784];
        for (float[] row : teacher) for (int i = 0; i < row.length; i++) row[i] = (float) (r.nextDouble() - 0.5);
        List<LabeledVector> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            float[] x = new float[784];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 10; c++) {
                double s = 0;
                for (int i = 0; i < 784; i++) s += teacher[c][i] * x[i];
                if (s > bestScore) { bestScore = s; best = c; }
            }
            out.add(new LabeledVector(x, best));
        }
        return out;
    }

    /**
     * One interleaved pair per repetition and K: 1 worker then 2, in each mode asked for; with
     * {@code threads}, first the bare-threads bound of the same pair ({@link #threads}: the compute
     * alone on one thread and on two), so that every Spark ratio has its ceiling measured next to it.
     */
    static void speedup(int batch, int[] localSteps, int rounds, int warmup, int reps, int micro, boolean withThreads, boolean withAlone, int examples) {
        Mlp model = new Mlp(784, 256, 10, 1);
        List<LabeledVector> data = synthetic(examples, 7);
        System.out.printf(Locale.ROOT, "speed-up: 784-256-10 MLP (%,d parameters), global batch %d, %,d examples, Adam; examples/s, median of %d rounds after %d warm-up;"
                + " each task on one kernel thread; micro-batch %s; %s; configurations interleaved, %d repetitions%n", 784 * 256 + 256 + 2570, batch, examples,
                rounds, warmup, micro > 0 ? Integer.toString(micro) : "off", modes.length > 1 ? "persistent tasks and a job per round"
                        : modes[0] ? "persistent tasks" : "a job per round", reps);
        System.out.printf(Locale.ROOT, "%4s %4s %-11s %13s %13s %13s %7s   %-26s %-26s %s%n", "K", "rep", "mode", "Quiver alone", "1 worker", "2 workers", "2 vs 1",
                "1-worker round ms:", "2-worker round ms:", "2 vs 1 on CPU time");
        System.out.printf(Locale.ROOT, "%73s   %-26s %-26s %s%n", "", "compute wall (CPU) / rest", "compute wall (CPU) / rest", "(dedicated cores)");
        if (withThreads) {
            // The first code in a fresh JVM runs before the JIT has compiled the kernels: warm them unmeasured.
            runThreads(model, data, batch, 1, 1, warmup, micro);
            runThreads(model, data, batch, 2, 1, warmup, micro);
        }
        for (int rep = 0; rep < reps; rep++) {
            for (int k : localSteps) {
                if (withThreads) {
                    // Bare threads have no K: each local step is one round of theirs.
                    double[][] one = runThreads(model, data, batch, 1, rounds, warmup, micro);
                    double[][] two = runThreads(model, data, batch, 2, rounds, warmup, micro);
                    System.out.printf(Locale.ROOT, "%4d %4d %-11s %13s %,13.0f %,13.0f %6.2fx   fill / f+b ms: %.1f / %.1f, %.1f / %.1f%n", k, rep + 1, "threads", "",
                            batch / (one[2][0] / 1e3), batch / (two[2][0] / 1e3), one[2][0] / two[2][0], one[0][0], one[1][0], two[0][0], two[1][0]);
                }
                String alone = "";
                if (withAlone) {
                    // Quiver alone, one thread, no Spark: the same number of steps of the global batch.
                    new LocalDataParallel<>(model, OptimizerConfig.adam(0.001), batch, micro, 1, true).train(List.of(data), warmup);
                    long t = System.nanoTime();
                    new LocalDataParallel<>(model, OptimizerConfig.adam(0.001), batch, micro, 1, true).train(List.of(data), rounds);
                    alone = String.format(Locale.ROOT, "%,.0f", (double) rounds * batch / ((System.nanoTime() - t) / 1e9));
                }
                for (boolean mode : modes) {
                    double[] rate = new double[3];
                    double[][] split = new double[3][3];
                    String[] phases = new String[3];
                    for (int workers = 1; workers <= 2; workers++) {
                        try (JavaSparkContext sc = context("local[" + workers + "]")) {
                            JavaRDD<LabeledVector> rdd = sc.parallelize(data, workers);
                            List<Progress> seen = new ArrayList<>();
                            SparkTrainer.Result r = SparkTrainer.builder(model).optimizer(OptimizerConfig.adam(0.001)).batchSize(batch).microBatch(micro).localSteps(k)
                                    .rounds(warmup + rounds).persistentTasks(mode).listener(seen::add).build().fit(rdd);
                            if (mode != (r.sessions() > 0) || (mode && r.roundJobs() > 0)) {
                                throw new IllegalStateException("asked for " + (mode ? "persistent tasks" : "a job per round") + ", ran " + r.sessions()
                                        + " sessions and " + r.roundJobs() + " round jobs");
                            }
                            List<Progress> m = seen.subList(warmup, seen.size());
                            double roundMs = median(m, Progress::seconds);
                            rate[workers] = (double) batch * k / (roundMs / 1e3);
                            split[workers][0] = median(m, Progress::computeSeconds);
                            split[workers][1] = median(m, Progress::computeCpuSeconds);
                            split[workers][2] = roundMs - split[workers][0];
                            phases[workers] = phases(m);
                        }
                    }
                    // If each worker had a core: the round's compute is its CPU time; the rest as measured.
                    double projected = (split[1][1] + split[1][2]) / (split[2][1] + split[2][2]);
                    System.out.printf(Locale.ROOT, "%4d %4d %-11s %13s %,13.0f %,13.0f %6.2fx   %-26s %-26s %.2fx%n", k, rep + 1, mode ? "persistent" : "job/round",
                            alone, rate[1], rate[2], rate[2] / rate[1], String.format(Locale.ROOT, "%.0f (%.0f) / %.0f", split[1][0], split[1][1], split[1][2]),
                            String.format(Locale.ROOT, "%.0f (%.0f) / %.0f", split[2][0], split[2][1], split[2][2]), projected);
                    System.out.printf(Locale.ROOT, "           1 worker  ms: %s%n           2 workers ms: %s%n", phases[1], phases[2]);
                    alone = "";
                }
            }
        }
    }

    // ------------------------------------------------------------------ compute-only scaling

    /**
     * The ceiling for synchronous speed-up on this machine, without Spark: one thread runs fill,
     * forward and backward of the MLP on the global batch; then two threads each run their own
     * compiled step on half of it, meeting at a barrier every round as synchronous workers do (no
     * gradient sum, no optimiser, no Spark). Medians of per-round times; fill and compute apart.
     */
    static void threads(int batch, int rounds, int warmup, int reps, int micro) {
        Mlp model = new Mlp(784, 256, 10, 1);
        List<LabeledVector> data = synthetic(Math.max(2 * batch, 8192), 7);
        System.out.printf(Locale.ROOT, "compute-only scaling: 784-256-10 MLP, global batch %d; per round ms (median of %d after %d warm-up):"
                + " fill, forward+backward; 1 thread on the batch, 2 threads on half each; micro-batch %s%n", batch, rounds, warmup,
                micro > 0 ? Integer.toString(micro) : "off");
        System.out.printf(Locale.ROOT, "%4s %22s %22s %13s %13s %7s %7s%n", "rep", "1 thread fill / f+b", "2 threads fill / f+b", "1 thread ex/s", "2 threads ex/s",
                "2 vs 1", "f+b only");
        for (int rep = 0; rep < reps; rep++) {
            double[][] one = runThreads(model, data, batch, 1, rounds, warmup, micro);
            double[][] two = runThreads(model, data, batch, 2, rounds, warmup, micro);
            double r1 = batch / (one[2][0] / 1e3), r2 = batch / (two[2][0] / 1e3);
            System.out.printf(Locale.ROOT, "%4d %22s %22s %,13.0f %,13.0f %6.2fx %6.2fx%n", rep + 1,
                    String.format(Locale.ROOT, "%.1f / %.1f", one[0][0], one[1][0]), String.format(Locale.ROOT, "%.1f / %.1f", two[0][0], two[1][0]),
                    r1, r2, r2 / r1, one[1][0] / two[1][0]);
        }
    }

    /** Per round medians (ms) of [fill, forward+backward, whole round], the slowest thread's. */
    static double[][] runThreads(Mlp model, List<LabeledVector> data, int batch, int threads, int rounds, int warmup, int micro) {
        int local = batch / threads, chunk = micro > 0 ? micro : local;
        double[][][] times = new double[threads][3][rounds];
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int me = w;
            ts.add(new Thread(() -> {
                LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
                model.initialParameters().forEach((k, v) -> params.put(k, new Parameter(k, v)));
                Graph g = new Graph();
                Step step = g.compile(model.loss(g, params, chunk), dev.quiver.graph.CompileOptions.training().withMath(Worker.math(1)))
                        .accumulateGradients(true);
                List<LabeledVector> b = new ArrayList<>(chunk);
                List<LabeledVector> part = data.subList(me * (data.size() / threads), (me + 1) * (data.size() / threads));
                try {
                    for (int r = -warmup; r < rounds; r++) {
                        barrier.await();
                        long t0 = System.nanoTime(), fill = 0;
                        int[] idx = Batches.indices(part.size(), me, r + warmup, local, 1, true);
                        step.zeroGradients();
                        for (int c = 0; c < local / chunk; c++) {
                            long f = System.nanoTime();
                            Batches.fill(model, step, part, idx, c * chunk, chunk, b);
                            fill += System.nanoTime() - f;
                            step.forward().backward();
                        }
                        long t2 = System.nanoTime(), t1 = t0 + fill;
                        barrier.await();
                        long t3 = System.nanoTime();
                        if (r >= 0) {
                            times[me][0][r] = (t1 - t0) / 1e6;
                            times[me][1][r] = (t2 - t1) / 1e6;
                            times[me][2][r] = (t3 - t0) / 1e6;
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        ts.forEach(Thread::start);
        for (Thread t : ts) {
            try { t.join(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
        }
        double[][] out = new double[3][1];
        for (int k = 0; k < 3; k++) {
            double[] slowest = new double[rounds];
            for (int r = 0; r < rounds; r++) for (int w = 0; w < threads; w++) slowest[r] = Math.max(slowest[r], times[w][k][r]);
            Arrays.sort(slowest);
            out[k][0] = slowest[rounds / 2];
        }
        return out;
    }

    /** A true/false option, refusing anything else (Boolean.parseBoolean would read a typo as false). */
    private static boolean flag(String option, String value, String allowed) {
        if (value.equals("true")) return true;
        if (value.equals("false")) return false;
        throw new IllegalArgumentException("spark-bench: " + option + " is " + allowed + ", not '" + value + "'");
    }
}
