package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.LstmLm;
import dev.quiver.examples.dynamic.RnnLm;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
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
        training = CompileOptions.training().withMath(math);
        g = RnnLm.graph();
    }

    @Benchmark
    public double trainStep() {
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
}
