package dev.quiver.spark;

import dev.quiver.io.TensorSet;
import dev.quiver.tensor.Tensor;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * One round on one partition: load the broadcast parameters into this thread's compiled step, run
 * {@code localSteps} batches (each as {@code localBatch / chunk} chunks whose gradients add up),
 * return the gradient (synchronous, one step) or the locally updated parameters and optimiser
 * state (local SGD). Bad input does not throw (Spark would retry a
 * deterministic failure): the task returns a {@link PartialSum#failure} naming the round and the
 * partition, and the driver stops with it.
 */
final class RoundTask<T> implements Function2<Integer, Iterator<T>, Iterator<PartialSum>> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final long round;
    private final Broadcast<byte[]> parameters;
    private final ModelDefinition<T> model;
    private final int partitions, localBatch, chunk, localSteps;
    private final OptimizerConfig localOptimizer;   // null: synchronous
    private final boolean averageState;
    private final long seed;
    private final boolean shuffle;

    RoundTask(String runId, long round, Broadcast<byte[]> parameters, ModelDefinition<T> model, int partitions, int localBatch, int chunk, int localSteps,
              OptimizerConfig localOptimizer, boolean averageState, long seed, boolean shuffle) {
        this.runId = runId;
        this.round = round;
        this.parameters = parameters;
        this.model = model;
        this.partitions = partitions;
        this.localBatch = localBatch;
        this.chunk = chunk;
        this.localSteps = localSteps;
        this.localOptimizer = localOptimizer;
        this.averageState = averageState;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    @Override
    public Iterator<PartialSum> call(Integer partitionIndex, Iterator<T> examples) {
        long startMicros = epochMicros(), t = System.nanoTime();
        List<T> data = new ArrayList<>();
        examples.forEachRemaining(data::add);
        return List.of(compute(partitionIndex, data, round, () -> Worker.decode(runId, round, parameters), startMicros, System.nanoTime() - t)).iterator();
    }

    /**
     * Round {@code round} on one partition's examples, the parameters (and state) from
     * {@code image}: the gradient, or the local-SGD result, or a failure naming round and
     * partition. Shared by the per-round job and the persistent session task ({@link SessionTask}).
     */
    PartialSum compute(int partition, List<T> data, long round, Supplier<TensorSet> image, long startMicros, long collectNanos) {
        long t;
        long[] phase = new long[PartialSum.TASK_PHASES.size()];
        String where = "round " + round + ", partition " + partition;
        phase[PartialSum.COLLECT] = collectNanos;
        if (data.isEmpty()) {
            return PartialSum.failure(partition, where + ": the partition is empty; every partition needs examples"
                    + " (repartition the data into fewer partitions)");
        }
        int k = -1;
        try {
            long start = System.nanoTime();
            TensorSet set = image.get();
            Worker w = Worker.forThread(runId, model, set, chunk, localOptimizer);
            w.load(set, averageState);
            long decoded = System.nanoTime();
            phase[PartialSum.DECODE] = decoded - start;
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            double loss = 0;
            int chunks = localBatch / chunk;
            w.step.accumulateGradients(chunks > 1);
            List<T> batch = new ArrayList<>(chunk);
            for (k = 0; k < localSteps; k++) {
                int[] idx = Batches.indices(data.size(), partition, round * localSteps + k, localBatch, seed, shuffle);
                double stepLoss = 0;
                for (int c = 0; c < chunks; c++) {
                    t = System.nanoTime();
                    Batches.fill(model, w.step, data, idx, c * chunk, chunk, batch);
                    phase[PartialSum.FILL] += System.nanoTime() - t;
                    t = System.nanoTime();
                    double l = w.step.forward().output().item();
                    phase[PartialSum.FORWARD] += System.nanoTime() - t;
                    if (!Double.isFinite(l)) {
                        return PartialSum.failure(partition, where + (localSteps > 1 ? ", local step " + k : "")
                                + ": the loss is " + l + " (batch of " + chunk + " examples at partition positions "
                                + head(Arrays.copyOfRange(idx, c * chunk, c * chunk + chunk)) + ")");
                    }
                    t = System.nanoTime();
                    if (c == 0 && chunks > 1) w.step.zeroGradients();
                    w.step.backward();
                    phase[PartialSum.BACKWARD] += System.nanoTime() - t;
                    stepLoss += l;
                }
                t = System.nanoTime();
                String bad = w.nonFiniteGradient();
                phase[PartialSum.CHECK] += System.nanoTime() - t;
                if (bad != null) {
                    return PartialSum.failure(partition, where + (localSteps > 1 ? ", local step " + k : "") + ": " + bad
                            + " (loss " + stepLoss / chunks + ", batch at partition positions " + head(idx) + ")");
                }
                if (w.optimizer != null) {
                    // The chunks' gradients add up to chunks times the mean gradient of the local batch.
                    if (chunks > 1) for (Tensor g : w.results(true, false)) PartialSum.scaleInto(g.data(), 1.0 / chunks, g);
                    w.optimizer.step();
                }
                loss += stepLoss / chunks;
            }
            t = System.nanoTime();
            PartialSum out = PartialSum.of(partition, partitions, w.results(localOptimizer == null, averageState), loss / localSteps);
            phase[PartialSum.RESULTS] = System.nanoTime() - t;
            System.arraycopy(phase, 0, out.phaseNanos, 0, phase.length);
            out.firstStartMicros = startMicros;
            out.lastEndMicros = epochMicros();
            out.examples = (long) localSteps * localBatch;
            out.maxDecodeNanos = decoded - start;
            out.maxComputeNanos = System.nanoTime() - decoded;
            out.maxComputeCpuNanos = threads.getCurrentThreadCpuTime() - cpu0;
            return out;
        } catch (RuntimeException e) {
            String msg = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return PartialSum.failure(partition, where + (k > 0 ? ", local step " + k : "") + ": " + msg);
        }
    }

    private static String head(int[] idx) {
        return idx.length <= 8 ? Arrays.toString(idx) : Arrays.toString(Arrays.copyOf(idx, 8)).replace("]", ", ...]");
    }

    /** Wall clock in µs: comparable between the driver and executors on one machine, unlike nanoTime across JVMs. */
    static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
