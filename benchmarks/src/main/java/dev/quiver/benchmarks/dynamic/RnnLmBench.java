package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.LstmLm;
import dev.quiver.examples.dynamic.RnnLm;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One training step of the {@code rnnlm} example's LSTM language model (embedding 128, hidden
 * 256, softmax over the 7,596-word vocabulary, float32, Adam 0.001) per op, one PTB sentence per step
 * from a fixed rotating set (the first N of valid.txt): rebuild the sentence's graph, compile (a
 * plan per sentence length, in a cache of 512 MiB, as the example does), feed,
 * forward, backward, update. ops/s = sentences/s; words/s = ops/s x the mean words per sentence
 * printed at setup. Same sentences as {@code PyTorchRnnLmBench} (-Ppytorch).
 *
 * <p>With {@code batch} > 1 a step trains a minibatch of that many sentences: their summed
 * cross-entropies per word in one graph, compiled with autobatching ({@code autobatch=true}) or as
 * built, in a plan cache of 4 entries (a real epoch never sees a minibatch's structure twice);
 * ops/s times {@code batch} is sentences/s. Issue 13's target: >= 4x the unbatched figure at 32.
 * {@code bucket=true}: one minibatch per sentence length, for the set's 8 most frequent lengths (its
 * sentences taken cyclically to fill {@code batch}), as the example's bucketing makes them; their
 * plans (about 60 MB each at 32 sentences: the logits are words x vocabulary) are all cached, so the
 * figure is a long run's steady state, without compiles.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 5)   // the JIT needs ~20 s on these models
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class RnnLmBench {
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

    private List<int[]> inputs, targets;
    private LstmLm model;
    private Adam adam;
    private Graph g;
    private CompileOptions training;
    private int next;

    @Setup
    public void setup() {
        var data = Workloads.sentences("RnnLmBench", sentences);
        inputs = data.inputs();
        targets = data.targets();
        TensorMath math = TensorMath.of(Backends.create(Backends.current().name(), threads));
        model = new LstmLm(data.vocab().size(), RnnLm.EMBED, RnnLm.HIDDEN, 1);
        adam = new Adam(model.parameters(), 0.001, 0.9, 0.999, 1e-8, math);
        training = CompileOptions.training().withMath(math).withAutobatch(autobatch && batch > 1);
        g = batch == 1 ? RnnLm.graph() : new Graph(new PlanCache(bucket ? 256 : 4, bucket ? 1L << 30 : 256L << 20));
        if (bucket) {   // one minibatch per length: the rotation holds batch sentences of each length in turn
            List<Integer> all = new java.util.ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) all.add(i);
            List<int[]> in = new java.util.ArrayList<>(), out = new java.util.ArrayList<>();
            for (int i : Workloads.buckets(all, k -> inputs.get(k).length, 8, batch)) {
                in.add(inputs.get(i));
                out.add(targets.get(i));
            }
            inputs = in;
            targets = out;
        }
    }

    @Benchmark
    public double trainStep() {
        if (batch > 1) return trainBatch();
        int[] in = inputs.get(next), out = targets.get(next);
        next = (next + 1) % inputs.size();
        g.reset();
        Node loss = model.loss(g, in.length);
        Step step = g.compile(loss, training);
        model.feed(step, in, out);
        double value = step.forward().output().item();
        step.backward();
        adam.step();
        return value;
    }

    private double trainBatch() {
        g.reset();
        Node[] sums = new Node[batch];
        int words = 0;
        for (int j = 0; j < batch; j++) {
            sums[j] = model.sentenceNll(g, inputs.get(next), targets.get(next));
            words += inputs.get(next).length;
            next = (next + 1) % inputs.size();
        }
        Step step = g.compile(g.addN(sums).mul(1.0 / words), training);
        double value = step.forward().output().item();
        step.backward();
        adam.step();
        return value;
    }
}
