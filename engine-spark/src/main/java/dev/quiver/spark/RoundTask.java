package dev.quiver.spark;

import dev.quiver.io.TensorSet;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * One round on one partition: load the broadcast parameters into this thread's compiled step, run
 * {@code localSteps} batches, return the gradient (synchronous, one step) or the locally updated
 * parameters and optimiser state (local SGD). Bad input does not throw (Spark would retry a
 * deterministic failure): the task returns a {@link PartialSum#failure} naming the round and the
 * partition, and the driver stops with it.
 */
final class RoundTask<T> implements Function2<Integer, Iterator<T>, Iterator<PartialSum>> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final long round;
    private final Broadcast<byte[]> parameters;
    private final ModelDefinition<T> model;
    private final int localBatch, localSteps;
    private final OptimizerConfig localOptimizer;   // null: synchronous
    private final boolean averageState;
    private final long seed;
    private final boolean shuffle;

    RoundTask(String runId, long round, Broadcast<byte[]> parameters, ModelDefinition<T> model, int localBatch, int localSteps,
              OptimizerConfig localOptimizer, boolean averageState, long seed, boolean shuffle) {
        this.runId = runId;
        this.round = round;
        this.parameters = parameters;
        this.model = model;
        this.localBatch = localBatch;
        this.localSteps = localSteps;
        this.localOptimizer = localOptimizer;
        this.averageState = averageState;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    @Override
    public Iterator<PartialSum> call(Integer partitionIndex, Iterator<T> examples) {
        int partition = partitionIndex;
        String where = "round " + round + ", partition " + partition;
        List<T> data = new ArrayList<>();
        examples.forEachRemaining(data::add);
        if (data.isEmpty()) {
            return one(PartialSum.failure(partition, where + ": the partition is empty; every partition needs examples"
                    + " (repartition the data into fewer partitions)"));
        }
        int k = -1;
        try {
            long start = System.nanoTime();
            TensorSet set = Worker.decode(runId, round, parameters);
            Worker w = Worker.forThread(runId, model, set, localBatch, localOptimizer);
            w.load(set, averageState);
            long decoded = System.nanoTime();
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            double loss = 0;
            List<T> batch = new ArrayList<>(localBatch);
            for (k = 0; k < localSteps; k++) {
                int[] idx = Batches.indices(data.size(), partition, round * localSteps + k, localBatch, seed, shuffle);
                batch.clear();
                for (int i : idx) batch.add(data.get(i));
                model.fill(w.step, batch);
                double l = w.step.forward().output().item();
                if (!Double.isFinite(l)) {
                    return one(PartialSum.failure(partition, where + (localSteps > 1 ? ", local step " + k : "")
                            + ": the loss is " + l + " (batch of " + localBatch + " examples at partition positions " + head(idx) + ")"));
                }
                w.step.backward();
                String bad = w.nonFiniteGradient();
                if (bad != null) {
                    return one(PartialSum.failure(partition, where + (localSteps > 1 ? ", local step " + k : "") + ": " + bad
                            + " (loss " + l + ", batch at partition positions " + head(idx) + ")"));
                }
                if (w.optimizer != null) w.optimizer.step();
                loss += l;
            }
            PartialSum out = PartialSum.of(w.results(localOptimizer == null, averageState));
            out.partitions = 1;
            out.examples = (long) localSteps * localBatch;
            out.lossSum = loss / localSteps;
            out.maxDecodeNanos = decoded - start;
            out.maxComputeNanos = System.nanoTime() - decoded;
            out.maxComputeCpuNanos = threads.getCurrentThreadCpuTime() - cpu0;
            return one(out);
        } catch (RuntimeException e) {
            String msg = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return one(PartialSum.failure(partition, where + (k > 0 ? ", local step " + k : "") + ": " + msg));
        }
    }

    private static String head(int[] idx) {
        return idx.length <= 8 ? Arrays.toString(idx) : Arrays.toString(Arrays.copyOf(idx, 8)).replace("]", ", ...]");
    }

    private static Iterator<PartialSum> one(PartialSum s) { return List.of(s).iterator(); }
}
