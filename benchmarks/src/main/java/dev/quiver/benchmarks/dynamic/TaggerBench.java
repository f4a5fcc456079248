package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.BiLstmTagger;
import dev.quiver.examples.dynamic.Tagger;
import dev.quiver.examples.dynamic.TreeLstm;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One training step of the {@code tagger} example's BiLSTM tagger (embedding 128, forward and
 * backward LSTM 128, per-token softmax over the 5 sentiment labels, float32, Adam) per op, on the
 * leaves of SST trees from a fixed rotating set: {@code batch} sentences per step, their summed
 * losses in one graph, compiled with autobatching ({@code autobatch=true}) or as built
 * ({@code batch=1} is one sentence per step, its plan cached per sentence length as the example
 * does). ops/s times {@code batch} is sentences/s. Minibatch plans never repeat (a cache of 4
 * entries, fewer than the rotation's distinct minibatches). Issue 13's target:
 * autobatched at 32 >= 4x the unbatched figure (DyNet's BiLSTM tagger: 17 -> 156 sentences/s).
 * {@code bucket=true} forms each minibatch from sentences of one length, as the example does: one
 * minibatch per length for the set's 8 most frequent lengths, its sentences taken cyclically to
 * fill {@code batch} (at {@code batch=1}: the same sentences one per step, the baseline); the
 * rotation's structures then recur and their plans are found in the cache, so the figure is the
 * steady state of a long run, without compiles. {@code model=layers} is the example's model, built
 * from {@code dev.quiver.layers}; {@code model=hand} is the same network wired by hand
 * ({@link HandWrittenTagger}), for the cost of the layer API.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TaggerBench {
    @Param({"200"})
    public int sentences;
    @Param({"1"})
    public int threads;
    @Param({"1"})
    public int batch;
    @Param({"true"})
    public boolean autobatch;
    @Param({"false"})
    public boolean bucket;
    @Param({"layers"})
    public String model;

    private List<Tagger.Sentence> data;
    /** A sentence's loss in a graph: the layer-built model's or the hand-wired one's. */
    private interface Loss { Node of(Graph g, int[] words, int[] tags); }

    private Loss loss;
    private Adam adam;
    private Graph g;
    private CompileOptions training;
    private int next;

    @Setup
    public void setup() {
        var trees = Workloads.trees("TaggerBench", sentences);
        data = Tagger.leaves(trees.trees());
        TensorMath math = TensorMath.of(Backends.create(Backends.current().name(), threads));
        List<dev.quiver.graph.Parameter> parameters;
        switch (model) {
            case "layers" -> {
                var m = new BiLstmTagger(trees.vocab().size(), Tagger.EMBED, Tagger.HIDDEN, TreeLstm.CLASSES, 1);
                loss = m::loss;
                parameters = m.parameters();
            }
            case "hand" -> {
                var m = new HandWrittenTagger(trees.vocab().size(), Tagger.EMBED, Tagger.HIDDEN, TreeLstm.CLASSES, 1);
                loss = m::loss;
                parameters = m.parameters();
            }
            default -> throw new IllegalArgumentException("model: layers or hand, not " + model);
        }
        adam = new Adam(parameters, 0.001, 0.9, 0.999, 1e-8, math);
        training = CompileOptions.training().withMath(math).withAutobatch(autobatch && batch > 1);
        g = batch == 1 ? new Graph() : bucket ? new Graph(new PlanCache(256, 1L << 30)) : new Graph(new PlanCache(4, PlanCache.DEFAULT_MAX_BYTES));
        if (bucket) {   // one minibatch per length: the rotation holds batch sentences of each length in turn
            // The set's 8 most frequent lengths, as RnnLmBench (a plan per length of all ~40 lengths
            // at batch 32 overflowed the cache, so every step recompiled and measured compiles).
            data = Workloads.buckets(data, sentence -> sentence.words().length, 8, batch);
            double words = 0;
            for (Tagger.Sentence s : data) words += s.words().length;
            System.out.printf("TaggerBench bucket rotation: %d sentences, mean %.2f words%n", data.size(), words / data.size());
        }
    }

    /** The plan cache's hits, misses and evictions: a recompile per step shows here before it shows in the score. */
    @TearDown
    public void tearDown() {
        System.out.println("TaggerBench " + model + " batch=" + batch + ": " + g.planCache());
    }

    @Benchmark
    public double trainStep() {
        g.reset();
        Node[] losses = new Node[batch];
        for (int j = 0; j < batch; j++) {
            Tagger.Sentence s = data.get(next);
            losses[j] = loss.of(g, s.words(), s.tags());
            next = (next + 1) % data.size();
        }
        Step step = g.compile(batch == 1 ? losses[0] : g.addN(losses), training);
        double value = step.forward().output().item();
        step.backward();
        adam.step();
        return value;
    }
}
