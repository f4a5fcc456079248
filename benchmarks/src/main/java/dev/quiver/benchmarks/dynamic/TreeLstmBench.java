package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.Sst;
import dev.quiver.examples.dynamic.TreeLstm;
import dev.quiver.examples.dynamic.TreeNN;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.graph.StepPipeline;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One training step of the {@code treenn} example's binary TreeLSTM (embedding 128, hidden 128,
 * float32, per-node softmax cross-entropy summed, Adam 0.001) per op, one SST tree per step from a
 * fixed rotating set: reset the graph, build it for the tree, compile, forward, backward, update.
 * The plan cache (16 entries, fewer than the trees) never hits: every step is a new structure, as
 * in an epoch over the 8,544 training trees.
 * ops/s = sentences/s; {@code -prof gc} gives bytes per sentence. Same trees as
 * {@code PyTorchTreeLstmBench} (-Ppytorch). Issue 12's target: >= 250 sentences/s on one thread.
 *
 * <p>With {@code batch} > 1 a step trains a minibatch of that many trees: their losses summed in
 * one graph, compiled with autobatching ({@code autobatch=true}) or as built; ops/s times
 * {@code batch} is sentences/s. Issue 13's target: autobatched >= 1,500 sentences/s on one thread
 * and >= 4x the unbatched figure. {@code pipeline=true} builds and compiles the next step on a
 * second thread ({@link StepPipeline}) while one runs: the 2-thread figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 5)   // the JIT needs ~20 s on these models
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TreeLstmBench {
    @Param({"200"})
    public int sentences;
    @Param({"1"})
    public int threads;
    @Param({"1"})
    public int batch;
    @Param({"true"})
    public boolean autobatch;
    @Param({"false"})
    public boolean pipeline;

    private List<Sst.Tree> trees;
    private TreeLstm model;
    private Adam adam;
    private Graph g;
    private CompileOptions training;
    private int next;

    @Setup
    public void setup() {
        var data = Workloads.trees("TreeLstmBench", sentences);
        trees = data.trees();
        TensorMath math = TensorMath.of(Backends.create(Backends.current().name(), threads));
        model = new TreeLstm(data.vocab().size(), TreeNN.EMBED, TreeNN.HIDDEN, 1);
        adam = new Adam(model.parameters(), 0.001, 0.9, 0.999, 1e-8, math);   // one optimiser: it skips parameters absent from the step
        training = CompileOptions.training().withMath(math).withAutobatch(autobatch && batch > 1);
        g = new Graph(new PlanCache(16, PlanCache.DEFAULT_MAX_BYTES));   // fewer entries than trees: every step compiles anew
        if (pipeline) {
            steps = new StepPipeline<>(this::loss, training, g, new Graph(new PlanCache(16, PlanCache.DEFAULT_MAX_BYTES)));
            steps.submit(nextBatch());
        }
    }

    @TearDown
    public void tearDown() {
        if (steps != null) steps.close();
    }

    private StepPipeline<int[]> steps;

    /** The next {@code batch} trees of the rotation, by index. */
    private int[] nextBatch() {
        int[] batchOf = new int[batch];
        for (int j = 0; j < batch; j++) {
            batchOf[j] = next;
            next = (next + 1) % trees.size();
        }
        return batchOf;
    }

    private Node loss(Graph graph, int[] batchOf) {
        Node[] losses = new Node[batchOf.length];
        for (int j = 0; j < batchOf.length; j++) losses[j] = model.loss(graph, trees.get(batchOf[j]));
        return batchOf.length == 1 ? losses[0] : graph.addN(losses);
    }

    @Benchmark
    public double trainStep() {
        Step step;
        if (pipeline) {
            step = steps.take();
            steps.submit(nextBatch());   // built and compiled while this step runs
        } else {
            g.reset();
            step = g.compile(loss(g, nextBatch()), training);
        }
        double value = step.forward().output().item();
        step.backward();
        adam.step();
        return value;
    }
}
