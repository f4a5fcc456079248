package dev.quiver.benchmarks.peers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * PyTorch (CPU, through DJL) doing the graph benchmarks' work with autograd, as a Java user of
 * DJL would write it: the two-layer step 784-256-10 (batch 64) and 4-8-1 (batch 1) with softmax
 * cross-entropy / MSE and an SGD update,.
 * One PyTorch thread (intra- and inter-op), like the single-thread Quiver figures. Run offline from the native jar: {@code ./quiver bench -Ppytorch PyTorchBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchBench {
    @Param({"784-256-10x64", "4-8-1x1"})
    public String shape;

    private NDManager manager;
    private NDArray x, target, w1, b1, w2, b2;
    private int classes;
    private float lr = 0.05f;

    @Setup
    public void setup() {
        System.setProperty("ai.djl.offline", "true");
        manager = Engine.getEngine("PyTorch").newBaseManager();
        String[] dims = shape.split("[-x]");
        int in = Integer.parseInt(dims[0]), hidden = Integer.parseInt(dims[1]);
        classes = Integer.parseInt(dims[2]);
        int batch = Integer.parseInt(dims[3]);
        manager.getEngine().setRandomSeed(1);
        x = manager.randomNormal(new Shape(batch, in));
        target = classes == 1 ? manager.randomNormal(new Shape(batch, 1))
                : manager.randomInteger(0, classes, new Shape(batch), DataType.INT64).oneHot(classes);
        w1 = manager.randomNormal(0, (float) Math.sqrt(1.0 / in), new Shape(in, hidden), DataType.FLOAT32);
        b1 = manager.zeros(new Shape(hidden));
        w2 = manager.randomNormal(0, (float) Math.sqrt(1.0 / hidden), new Shape(hidden, classes), DataType.FLOAT32);
        b2 = manager.zeros(new Shape(classes));
        for (NDArray p : new NDArray[] {w1, b1, w2, b2}) p.setRequiresGradient(true);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    /** One training step: forward, loss, backward, SGD update (PyTorch eager autograd). */
    @Benchmark
    public float mlpStep() {
        // NDScope closes every temporary created in the step, as a careful DJL user does.
        try (NDScope scope = new NDScope()) {
            float value;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray h = x.matMul(w1).add(b1).tanh();
                NDArray y = h.matMul(w2).add(b2);
                NDArray loss = classes == 1
                        ? y.sub(target).square().mean()
                        : y.logSoftmax(1).mul(target).sum().neg().div(x.getShape().get(0));
                collector.backward(loss);
                value = loss.getFloat();
            }
            // The update runs with autograd off (the collector is closed), in place; then zero_grad,
            // since PyTorch (and DJL's collector) accumulate into .grad across backward calls.
            for (NDArray p : new NDArray[] {w1, b1, w2, b2}) {
                NDArray g = p.getGradient();
                p.subi(g.mul(lr));
                g.subi(g);
            }
            return value;
        }
    }
}
