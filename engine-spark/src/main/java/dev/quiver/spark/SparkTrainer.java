package dev.quiver.spark;

import dev.quiver.graph.Parameter;
import dev.quiver.io.Checkpoint;
import dev.quiver.io.SafeTensors;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Data-parallel training of a Quiver model on Spark.
 *
 * <p>Every round the driver broadcasts the parameters (one safetensors image, bytes) and each
 * partition runs its share of the round on a compiled step kept per executor thread:
 * <ul>
 *   <li><b>synchronous</b> ({@code localSteps(1)}, the default): each of the P partitions computes
 *       the gradient of its {@code batchSize / P} examples, the results are summed in
 *       {@link PartialSum}'s fixed pairwise tree over the partitions (by {@code treeAggregate} in a
 *       job per round, by the driver in persistent tasks: the same bits), and the driver sets
 *       every gradient to the sum divided by P and steps its optimiser: the same update
 *       as one machine computing the global batch's mean loss (see {@link LocalDataParallel} for
 *       the bitwise statement);</li>
 *   <li><b>local SGD</b> ({@code localSteps(K)}, K &gt; 1): each partition takes K optimiser steps
 *       of its own from the broadcast parameters (and, by default, the broadcast optimiser state),
 *       and the driver sets parameters (and state) to the partitions' mean.</li>
 * </ul>
 * Which examples a partition reads at each step is a pure function of (seed, partition, step)
 * ({@link Batches}), so a retried task computes the same thing and a run resumed from a checkpoint
 * continues exactly where the saved one was.
 */
public final class SparkTrainer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final ModelDefinition<T> model;
    private final OptimizerConfig optimizer;
    private final int batchSize, microBatch, localSteps, treeDepth;
    private final long rounds;
    private final double epochs;
    private final boolean averageState, shuffle, persistentTasks;
    private final long seed;
    private final Path checkpoint;
    private final int checkpointEvery;
    private final Consumer<Progress> listener;

    private SparkTrainer(Builder<T> b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.batchSize = b.batchSize;
        this.microBatch = b.microBatch;
        this.localSteps = b.localSteps;
        this.treeDepth = b.treeDepth;
        this.rounds = b.rounds;
        this.epochs = b.epochs;
        this.averageState = b.averageState;
        this.shuffle = b.shuffle;
        this.persistentTasks = b.persistentTasks;
        this.seed = b.seed;
        this.checkpoint = b.checkpoint;
        this.checkpointEvery = b.checkpointEvery;
        this.listener = b.listener;
    }

    public static <T> Builder<T> builder(ModelDefinition<T> model) { return new Builder<>(model); }

    /**
     * The trained parameters and optimiser state (fresh tensors owned by the caller) and how the run
     * went: {@code roundJobs} rounds ran as a Spark job each, the others in {@code sessions}
     * barrier stages of persistent tasks ({@link Builder#persistentTasks}).
     */
    public record Result(SequencedMap<String, Tensor> parameters, SequencedMap<String, Tensor> optimizerState, long optimizerSteps,
                         long rounds, long startRound, double lastLoss, long roundJobs, long sessions) {}

    /** Trains on a Dataset's rows (see {@link #fit(JavaRDD)}). */
    public Result fit(org.apache.spark.sql.Dataset<T> data) { return fit(data.javaRDD()); }

    /**
     * Trains on {@code data}, partitioned as given (the global batch is split evenly over its
     * partitions). The data are copied once, through a shuffle that keeps every example in its
     * partition and order, into an RDD persisted for the run. With a checkpoint path whose file
     * exists, resumes from it.
     *
     * @throws SparkTrainingException naming the round and partition when a task reports bad input
     *         or a non-finite loss or gradient, or when the batch does not split over the partitions
     */
    public Result fit(JavaRDD<T> data) {
        int partitions = data.getNumPartitions();
        if (partitions == 0) throw new SparkTrainingException(0, -1, "the data has no partitions", null);
        if (batchSize % partitions != 0) {
            throw new SparkTrainingException(0, -1, "batch size " + batchSize + " does not split evenly over " + partitions
                    + " partitions: use a multiple of " + partitions + " or repartition", null);
        }
        int localBatch = batchSize / partitions;
        if (microBatch > 0 && localBatch % microBatch != 0) {
            throw new SparkTrainingException(0, -1, "micro-batch " + microBatch + " does not divide the batch of " + localBatch
                    + " examples per partition (global batch " + batchSize + " over " + partitions + " partitions)", null);
        }
        // The working copy: the same partitions, same order, persisted, behind one shuffle. Rounds
        // then ship tiny shuffle partitions instead of the user's (a parallelize()d RDD carries its
        // data in every task, even when cached), and a lost executor's share is recomputed from the
        // shuffle output, not from the user's lineage.
        JavaRDD<T> work = data.mapPartitionsWithIndex(SparkTrainer::keyByPartition, true)
                .mapToPair(t -> t)
                .partitionBy(new SamePartitions(partitions))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return run(work, partitions, localBatch);
        } finally {
            work.unpersist(false);
        }
    }

    private static <T> Iterator<Tuple2<Integer, T>> keyByPartition(Integer partition, Iterator<T> it) {
        return new Iterator<>() {
            @Override public boolean hasNext() { return it.hasNext(); }
            @Override public Tuple2<Integer, T> next() { return new Tuple2<>(partition, it.next()); }
        };
    }

    private Result run(JavaRDD<T> data, int partitions, int localBatch) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        long total = rounds;
        if (total <= 0) {
            long count = data.count();
            total = Math.max(1, (long) Math.ceil(epochs * count / ((double) batchSize * localSteps)));
        }
        // The driver's copy of the model: parameters, the optimiser for synchronous updates, state.
        LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.initialParameters().entrySet()) {
            params.put(e.getKey(), new Parameter(e.getKey(), e.getValue().copy()));
        }
        Optimizer opt = optimizer.create(new ArrayList<>(params.values()), TensorMath.get());
        boolean local = localSteps > 1;
        int chunk = microBatch > 0 ? microBatch : localBatch;
        long start = 0;
        if (checkpoint != null && Files.exists(checkpoint)) start = restore(params, opt, partitions);
        String runId = UUID.randomUUID().toString();
        LOG.info("quiver: training {} rounds from round {} on {} partitions, global batch {} ({} per partition), {}, {}",
                total, start, partitions, batchSize, localBatch, local ? "local SGD with " + localSteps + " local steps" : "synchronous", optimizer);
        double lastLoss = Double.NaN;
        RoundTask<T> plan = new RoundTask<>(runId, -1, null, model, partitions, localBatch, chunk, localSteps, local ? optimizer : null, averageState, seed, shuffle);
        Session session = null;
        int lost = 0;             // sessions lost since the last finished round
        int openFailures = 0;     // sessions that did not start, in the whole run
        boolean sessions = persistentTasks;
        long roundJobs = 0, sessionsStarted = 0;
        try {
            for (long round = start; round < total; round++) {
                long t0 = System.nanoTime();
                Map<String, Tensor> image = new LinkedHashMap<>();
                for (Parameter p : params.values()) image.put(Worker.PARAM + p.name(), p.value());
                if (local && averageState) for (Map.Entry<String, Tensor> e : opt.state().entrySet()) image.put(Worker.STATE + e.getKey(), e.getValue());
                long gc0 = gcMillis();
                byte[] bytes = SafeTensors.toBytes(image, Map.of(Worker.ROUND, Long.toString(round), Worker.STEPS, Long.toString(opt.stepCount()),
                        Worker.ORDER, String.join("\n", params.keySet())));
                long tEncoded = System.nanoTime();
                if (session == null && sessions && Session.fits(sc.sc(), partitions)) {
                    try {
                        session = Session.open(data, plan, partitions, "quiver rounds from " + round);
                        sessionsStarted++;
                    } catch (Session.Lost e) {
                        sessions = ++openFailures < 3;
                        LOG.warn("quiver: round {}: cannot start persistent tasks ({}); running the round as a job{}", round, e.getMessage(),
                                sessions ? "" : ", and every round from now on");
                    }
                }
                long t1, submitMicros;
                PartialSum sum;
                if (session != null) {
                    t1 = System.nanoTime();
                    submitMicros = RoundTask.epochMicros();
                    try {
                        sum = session.round(round, bytes);
                    } catch (Session.Lost e) {
                        session.close();
                        session = null;
                        sessions = ++lost < 3;
                        LOG.warn("quiver: round {}: persistent tasks lost ({}); running the round again {}", round, e.getMessage(),
                                sessions ? "(the driver holds the parameters): in a new session when the cluster runs all tasks at once, else as a job"
                                        : "as a Spark job, and every round from now on");
                        round--;
                        continue;
                    }
                } else {
                    Broadcast<byte[]> bc = sc.broadcast(bytes);
                    t1 = System.nanoTime();
                    submitMicros = RoundTask.epochMicros();
                    RoundTask<T> task = new RoundTask<>(runId, round, bc, model, partitions, localBatch, chunk, localSteps, local ? optimizer : null, averageState, seed, shuffle);
                    sc.setJobDescription("quiver round " + round);
                    try {
                        sum = data.mapPartitionsWithIndex(task, true).treeAggregate(new PartialSum(), PartialSum::add, PartialSum::add, treeDepth);
                        roundJobs++;
                    } catch (RuntimeException e) {
                        throw new SparkTrainingException(round, -1, "round " + round + ": the Spark job failed: " + e.getMessage(), e);
                    } finally {
                        bc.destroy();
                    }
                }
                lost = 0;
                long t2 = System.nanoTime(), jobEndMicros = RoundTask.epochMicros();
                if (sum.error != null) throw new SparkTrainingException(round, sum.errorPartition, sum.error, null);
                if (sum.partitions != partitions || sum.slots() == null) {
                    throw new SparkTrainingException(round, -1, "round " + round + ": " + sum.partitions + " of " + partitions + " partitions reported", null);
                }
                double inv = 1.0 / partitions;
                int i = 0;
                for (Parameter p : params.values()) {
                    if (local) sum.scaleInto(i++, inv, p.value());
                    else {
                        // Each partition returns the sum of its chunks' mean gradients.
                        sum.scaleInto(i++, 1.0 / ((double) partitions * (localBatch / chunk)), p.grad());
                        p.markGradientWritten();
                    }
                }
                if (local) {
                    if (averageState) for (Tensor s : opt.state().values()) sum.scaleInto(i++, inv, s);
                    opt.setStepCount(opt.stepCount() + localSteps);
                } else {
                    opt.step();
                }
                long t3 = System.nanoTime();
                lastLoss = sum.lossSum() / partitions;
                double seconds = (t3 - t0) / 1e9;
                java.util.SequencedMap<String, Double> phases = new LinkedHashMap<>();
                phases.put("encode", (tEncoded - t0) / 1e6);
                phases.put("broadcast", (t1 - tEncoded) / 1e6);
                phases.put("schedule", Math.max(0, sum.firstStartMicros - submitMicros) / 1e3);
                phases.put("tail", Math.max(0, jobEndMicros - sum.lastEndMicros) / 1e3);
                phases.put("update", (t3 - t2) / 1e6);
                phases.put("gc", (double) (gcMillis() - gc0));
                for (int q = 0; q < PartialSum.TASK_PHASES.size(); q++) phases.put(PartialSum.TASK_PHASES.get(q), sum.phaseNanos[q] / 1e6);
                double job = (t2 - t1) / 1e9, decode = sum.maxDecodeNanos / 1e9, compute = sum.maxComputeNanos / 1e9;
                Progress progress = new Progress(round + 1, total, lastLoss, sum.examples, seconds, sum.examples / seconds,
                        (t1 - t0) / 1e9, decode, compute, sum.maxComputeCpuNanos / 1e9, Math.max(0, job - decode - compute), (t3 - t2) / 1e9, bytes.length, phases);
                if (round == start || round + 1 == total || LOG.isDebugEnabled() || (round + 1) % Math.max(1, total / 10) == 0) LOG.info("quiver: {}", progress);
                if (listener != null) listener.accept(progress);
                if (checkpoint != null && ((round + 1) % checkpointEvery == 0 || round + 1 == total)) save(params, opt, round + 1, partitions);
            }
        } finally {
            // Idle tasks end on STOP (no failed-task noise after a bad-input exception); a broken session is just closed.
            if (session != null) session.finish();
        }
        SequencedMap<String, Tensor> values = new LinkedHashMap<>(), state = new LinkedHashMap<>();
        for (Parameter p : params.values()) values.put(p.name(), p.value());
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) state.put(e.getKey(), e.getValue());
        return new Result(values, state, opt.stepCount(), total, start, lastLoss, roundJobs, sessionsStarted);
    }

    /** Collection time of this JVM's garbage collectors so far (pauses and, for concurrent collectors, their cycles). */
    private static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) ms += Math.max(0, b.getCollectionTime());
        return ms;
    }

    private void save(Map<String, Parameter> params, Optimizer opt, long nextRound, int partitions) {
        Checkpoint.Builder b = Checkpoint.builder();
        for (Parameter p : params.values()) b.tensor("param." + p.name(), p.value());
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) b.tensor("state." + e.getKey(), e.getValue());
        b.put("round", nextRound).put("steps", opt.stepCount()).put("config", fingerprint(partitions));
        try {
            if (checkpoint.getParent() != null) Files.createDirectories(checkpoint.getParent());
            b.build().save(checkpoint);
        } catch (IOException e) {
            throw new SparkTrainingException(nextRound - 1, -1, "round " + (nextRound - 1) + ": cannot write checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        LOG.info("quiver: checkpoint {} after round {}", checkpoint, nextRound);
    }

    private long restore(Map<String, Parameter> params, Optimizer opt, int partitions) {
        Checkpoint c;
        try {
            c = Checkpoint.load(checkpoint);
        } catch (IOException e) {
            throw new SparkTrainingException(0, -1, "cannot resume from " + checkpoint + ": " + e.getMessage(), e);
        }
        String want = fingerprint(partitions);
        if (!want.equals(c.get("config"))) {
            throw new SparkTrainingException(0, -1, "cannot resume from " + checkpoint + ": it was written by a run with " + c.get("config")
                    + ", this run has " + want + " (the batches would differ)", null);
        }
        for (Parameter p : params.values()) c.copyInto("param." + p.name(), p.value());
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) c.copyInto("state." + e.getKey(), e.getValue());
        opt.setStepCount(c.getLong("steps"));
        long round = c.getLong("round");
        LOG.info("quiver: resumed from {} at round {}", checkpoint, round);
        return round;
    }

    private String fingerprint(int partitions) {
        return "partitions=" + partitions + " batch=" + batchSize + " localSteps=" + localSteps + " seed=" + seed + " shuffle=" + shuffle
                + " optimizer=" + optimizer.kind();
    }

    /** Settings of a {@link SparkTrainer}; {@link #optimizer}, {@link #batchSize} and rounds or epochs are required. */
    public static final class Builder<T> {
        private final ModelDefinition<T> model;
        private OptimizerConfig optimizer;
        private int batchSize, microBatch, localSteps = 1, treeDepth = 2, checkpointEvery = 10;
        private long rounds;
        private double epochs;
        private boolean averageState = true, shuffle = true, persistentTasks = true;
        private long seed = 1;
        private Path checkpoint;
        private Consumer<Progress> listener;

        private Builder(ModelDefinition<T> model) {
            if (model == null) throw new IllegalArgumentException("SparkTrainer: model must not be null");
            this.model = model;
        }

        public Builder<T> optimizer(OptimizerConfig o) { this.optimizer = o; return this; }

        /** The global batch: split evenly over the partitions (so a multiple of their number). */
        public Builder<T> batchSize(int b) {
            if (b <= 0) throw new IllegalArgumentException("SparkTrainer: batch size must be positive, got " + b);
            this.batchSize = b;
            return this;
        }

        /**
         * Gradient accumulation: each partition computes its {@code batchSize / P} examples in
         * chunks of {@code m} (which must divide it) and adds the chunks' gradients; the update is
         * the same within float rounding for a loss that is a mean over independent examples (not
         * for batch statistics such as batch norm). Large batches run faster in cache-sized chunks
         * (a step compiled for {@code m} rows). 0 (the default): one chunk, the whole local batch.
         */
        public Builder<T> microBatch(int m) {
            if (m < 0) throw new IllegalArgumentException("SparkTrainer: micro-batch must be positive (or 0: whole batch), got " + m);
            this.microBatch = m;
            return this;
        }

        /** Rounds to run (each: one synchronous step, or K local steps then averaging). */
        public Builder<T> rounds(long r) {
            if (r <= 0) throw new IllegalArgumentException("SparkTrainer: rounds must be positive, got " + r);
            this.rounds = r;
            this.epochs = 0;
            return this;
        }

        /** Rounds enough for {@code e} passes over the data (counted once). */
        public Builder<T> epochs(double e) {
            if (!(e > 0)) throw new IllegalArgumentException("SparkTrainer: epochs must be positive, got " + e);
            this.epochs = e;
            this.rounds = 0;
            return this;
        }

        /** K: 1 is synchronous data parallelism, more is local SGD with averaging every K steps. */
        public Builder<T> localSteps(int k) {
            if (k <= 0) throw new IllegalArgumentException("SparkTrainer: local steps must be positive, got " + k);
            this.localSteps = k;
            return this;
        }

        /** Local SGD: average optimiser state with the parameters (default) or restart it every round. */
        public Builder<T> averageOptimizerState(boolean on) { this.averageState = on; return this; }

        public Builder<T> seed(long s) { this.seed = s; return this; }

        /** Shuffle each partition every epoch (default) or read it in stored order. */
        public Builder<T> shuffle(boolean on) { this.shuffle = on; return this; }

        /**
         * Run rounds in persistent tasks (default): one barrier stage whose P tasks stay for many
         * rounds, receiving the parameters and returning their results over a socket to the driver,
         * instead of one Spark job per round (whose scheduling costs 20-30 ms a round). Used when
         * the cluster can run all P tasks at once (and dynamic allocation is off); otherwise rounds
         * run as jobs, and all of them once sessions failed to start three times in the run or were
         * lost three times in a row without a round finishing. The result is the same either way: the driver holds the
         * parameters and optimiser, and the partitions' results are summed in {@link PartialSum}'s
         * fixed tree (by the driver here, by a job's {@code treeAggregate} otherwise): the same bits
         * for any P, whatever order results arrive in. Executors must
         * reach the driver's {@code spark.driver.host} on an extra (ephemeral) port.
         */
        public Builder<T> persistentTasks(boolean on) { this.persistentTasks = on; return this; }

        /** {@code treeAggregate}'s depth (default 2). */
        public Builder<T> treeDepth(int d) {
            if (d < 1) throw new IllegalArgumentException("SparkTrainer: tree depth must be >= 1, got " + d);
            this.treeDepth = d;
            return this;
        }

        /** Save a crash-safe checkpoint to {@code file} every {@code everyRounds} rounds and at the end; resume from it if it exists. */
        public Builder<T> checkpoint(Path file, int everyRounds) {
            if (everyRounds <= 0) throw new IllegalArgumentException("SparkTrainer: checkpoint interval must be positive, got " + everyRounds);
            this.checkpoint = file;
            this.checkpointEvery = everyRounds;
            return this;
        }

        /** Called on the driver after every round. */
        public Builder<T> listener(Consumer<Progress> l) { this.listener = l; return this; }

        public SparkTrainer<T> build() {
            if (optimizer == null) throw new IllegalArgumentException("SparkTrainer: no optimizer given");
            if (batchSize == 0) throw new IllegalArgumentException("SparkTrainer: no batch size given");
            if (rounds == 0 && epochs == 0) throw new IllegalArgumentException("SparkTrainer: give rounds or epochs");
            return new SparkTrainer<>(this);
        }
    }
}
