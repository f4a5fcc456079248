package dev.quiver.benchmarks.graph;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * A full training step of the lecture's two-layer network h = tanh(x W + b), y = h V + a
 * (forward, backward, SGD update), float32: 784-256-10 at batch 64 with softmax cross-entropy
 * (52.4 MFLOP), and 4-8-1 at batch 1 with MSE. {@code static}: compiled once; {@code dynamic}: the
 * graph is rebuilt every step and its plan comes from the plan cache. Both variants feed x and the
 * target by name on every step, as a training loop that draws a new batch each step does, so the
 * dynamic/static ratio measures the rebuild alone (the OpenBLAS and PyTorch peers read their
 * inputs in place and feed nothing). Targets (issue 6): 0 B/op with -prof gc, also at 2 threads;
 * 784-256-10 no slower than the hand-written OpenBLAS step and at most 0.6x PyTorch's time;
 * 4-8-1 under 0.6 µs; dynamic within 1.3x of static. The {@code *Adam} variants run the same step
 * with Adam in place of SGD (eight elementwise passes per parameter instead of one or three), the
 * update whose kernels issue 14 saw allocating in some forks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class MlpStepBench {
    @Param({"scalar", "simd"})
    public String backend;

    @Param({"784-256-10x64", "4-8-1x1"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private TensorMath math;
    private int in, hidden, out, batch;
    private Parameter W, b, V, a;
    private Tensor x, target;
    private Step step;
    private Sgd sgd;
    private Graph dynamicGraph;
    private Sgd dynamicSgd;
    private Step adamStep;
    private Adam adam;
    private Graph adamGraph;
    private Adam dynamicAdam;
    /**
     * Built once: it names no nodes (the default targets, every parameter the loss depends on,
     * are W, b, V, a), so a rebuilt graph compiles with it unchanged and a step allocates nothing.
     */
    private CompileOptions options;
    /** Input shapes, built once: a varargs call would allocate them on every rebuild. */
    private int[] xShape, targetShape;

    @Setup
    public void setup() {
        math = TensorMath.of(Backends.create(backend, threads));
        String[] d = shape.split("[-x]");
        in = Integer.parseInt(d[0]);
        hidden = Integer.parseInt(d[1]);
        out = Integer.parseInt(d[2]);
        batch = Integer.parseInt(d[3]);
        options = CompileOptions.training().withMath(math);
        xShape = new int[] {batch, in};
        targetShape = new int[] {batch, out};
        W = new Parameter("W", Init.xavierUniform(DType.F32, Seed.of(1), in, hidden));
        b = new Parameter("b", Tensor.zeros(DType.F32, hidden));
        V = new Parameter("V", Init.xavierUniform(DType.F32, Seed.of(2), hidden, out));
        a = new Parameter("a", Tensor.zeros(DType.F32, out));
        x = Tensor.randn(DType.F32, Seed.of(3), batch, in);
        target = Tensor.zeros(DType.F32, batch, out);
        for (int i = 0; i < batch; i++) target.set(out == 1 ? 0.5 : 1, i, out == 1 ? 0 : i % out);

        step = build(new Graph());
        sgd = new Sgd(step.parameters(), 0.01, 0, 0, math);

        dynamicGraph = new Graph();
        Step first = build(dynamicGraph);
        dynamicSgd = new Sgd(first.parameters(), 0.01, 0, 0, math);

        adamStep = build(new Graph());
        adam = new Adam(adamStep.parameters(), 0.001, 0.9, 0.999, 1e-8, math);
        adamGraph = new Graph();
        dynamicAdam = new Adam(build(adamGraph).parameters(), 0.001, 0.9, 0.999, 1e-8, math);
    }

    private Step build(Graph g) {
        Node xs = g.input("x", DType.F32, xShape);
        Node t = g.input("target", DType.F32, targetShape);
        Node w = g.param(W), bb = g.param(b), v = g.param(V), aa = g.param(a);
        Node h = xs.matmul(w).add(bb).tanh();
        Node y = h.matmul(v).add(aa);
        Node loss = out == 1 ? Losses.mse(y, t) : Losses.softmaxCrossEntropy(y, t);
        return g.compile(loss, options);
    }

    /** One training step of s: feed, forward, backward, update. */
    private double train(Step s, Optimizer optimizer) {
        s.feed("x", x).feed("target", target);
        s.forward().backward();
        optimizer.step();
        return s.output().item();
    }

    @Benchmark
    public double staticGraph() {
        return train(step, sgd);
    }

    @Benchmark
    public double dynamicGraph() {
        dynamicGraph.reset();
        return train(build(dynamicGraph), dynamicSgd);
    }

    @Benchmark
    public double staticGraphAdam() {
        return train(adamStep, adam);
    }

    @Benchmark
    public double dynamicGraphAdam() {
        adamGraph.reset();
        return train(build(adamGraph), dynamicAdam);
    }
}
