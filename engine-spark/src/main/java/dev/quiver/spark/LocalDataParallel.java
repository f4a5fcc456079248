package dev.quiver.spark;

import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.graph.Graph;
import dev.quiver.graph.CompileOptions;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Synchronous data-parallel training on one machine, without Spark: the reference the Spark
 * trainer is tested against. The data are given as the same P partitions; every round each
 * partition's step (built over {@link Parameter#replica() replicas} of the driver's parameters)
 * computes its local batch's gradient, {@link PartialSum} adds them in its fixed pairwise tree over
 * the partitions, and the sum divided by P is the optimiser's gradient.
 *
 * <p><b>Equality with {@link SparkTrainer}</b> (same model, optimiser, batch, seed and partitions,
 * same backend; steps run on one kernel thread, as a Spark task with {@code spark.task.cpus=1}):
 * <i>bitwise</i> for any number of partitions, in persistent tasks and in a job per round alike:
 * both sum with {@link PartialSum}, whose tree fixes which values are added whatever order Spark
 * delivers the partitions' results in. Against one step over the whole global batch (one matrix
 * product over all examples instead of per-partition sums) the agreement is within float rounding.
 */
public final class LocalDataParallel<T> {
    private final ModelDefinition<T> model;
    private final OptimizerConfig optimizer;
    private final int batchSize, microBatch;
    private final long seed;
    private final boolean shuffle;

    public LocalDataParallel(ModelDefinition<T> model, OptimizerConfig optimizer, int batchSize, long seed, boolean shuffle) {
        this(model, optimizer, batchSize, 0, seed, shuffle);
    }

    /** With gradient accumulation over chunks of {@code microBatch} examples, as {@link SparkTrainer.Builder#microBatch}. */
    public LocalDataParallel(ModelDefinition<T> model, OptimizerConfig optimizer, int batchSize, int microBatch, long seed, boolean shuffle) {
        this.microBatch = microBatch;
        this.model = model;
        this.optimizer = optimizer;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /** Trains {@code rounds} synchronous rounds on {@code partitions}; returns the parameters. */
    public SequencedMap<String, Tensor> train(List<List<T>> partitions, long rounds) {
        int p = partitions.size();
        if (batchSize % p != 0) throw new IllegalArgumentException("batch size " + batchSize + " does not split over " + p + " partitions");
        int localBatch = batchSize / p;
        int chunk = microBatch > 0 ? microBatch : localBatch, chunks = localBatch / chunk;
        if (localBatch % chunk != 0) throw new IllegalArgumentException("micro-batch " + chunk + " does not divide the local batch " + localBatch);
        LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.initialParameters().entrySet()) {
            params.put(e.getKey(), new Parameter(e.getKey(), e.getValue().copy()));
        }
        Optimizer opt = optimizer.create(new ArrayList<>(params.values()), TensorMath.get());
        List<Step> steps = new ArrayList<>();
        List<Map<String, Parameter>> replicas = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            LinkedHashMap<String, Parameter> mine = new LinkedHashMap<>();
            for (Parameter q : params.values()) mine.put(q.name(), q.replica());
            Graph g = new Graph();
            steps.add(g.compile(model.loss(g, Collections.unmodifiableMap(mine), chunk), CompileOptions.training().withMath(Worker.math(1)))
                    .accumulateGradients(chunks > 1));
            replicas.add(mine);
        }
        List<T> batch = new ArrayList<>(chunk);
        for (long round = 0; round < rounds; round++) {
            for (int i = 0; i < p; i++) {
                int[] idx = Batches.indices(partitions.get(i).size(), i, round, localBatch, seed, shuffle);
                Step step = steps.get(i);
                if (chunks > 1) step.zeroGradients();
                for (int c = 0; c < chunks; c++) {
                    Batches.fill(model, step, partitions.get(i), idx, c * chunk, chunk, batch);
                    step.forward().backward();
                }
            }
            // The same fixed pairwise tree over partitions as the Spark trainer's sum (PartialSum).
            PartialSum sum = new PartialSum();
            for (int i = 0; i < p; i++) {
                List<Tensor> grads = new ArrayList<>();
                for (Parameter q : replicas.get(i).values()) grads.add(q.grad());
                sum.add(PartialSum.of(i, p, grads, 0));
            }
            int slot = 0;
            for (Parameter q : params.values()) {
                sum.scaleInto(slot++, 1.0 / ((double) p * chunks), q.grad());
                q.markGradientWritten();
            }
            opt.step();
        }
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter q : params.values()) out.put(q.name(), q.value());
        return out;
    }
}
