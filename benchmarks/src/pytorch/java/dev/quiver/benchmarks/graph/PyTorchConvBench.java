package dev.quiver.benchmarks.graph;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * PyTorch (CPU, through DJL; one intra- and one inter-op thread) doing {@link ConvBench}'s work
 * with autograd: {@code loss = sum(conv2d(x, w, b) * r)}, backward to x, w and b. Same layers,
 * batches and float32 values' distributions. Run with the peer in one JMH session:
 * {@code ./quiver bench --pytorch '(PyTorch)?ConvBench' -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchConvBench {
    @Param({"lenet1", "lenet2", "resnet"})
    public String layer;

    @Param({"32", "1"})
    public int batch;

    private NDManager manager;
    private NDArray x, w, b, r;
    private Shape stride, padding, dilation;

    @Setup
    public void setup() {
        System.setProperty("ai.djl.offline", "true");
        manager = Engine.getEngine("PyTorch").newBaseManager();
        manager.getEngine().setRandomSeed(1);
        int[] d = ConvBench.geometry(layer);
        int in = d[0], out = d[1], k = d[2], pad = d[3], size = d[4];
        int outSize = size + 2 * pad - k + 1;
        float bound = (float) Math.sqrt(6.0 / (in * k * k + out * k * k));
        x = manager.randomNormal(new Shape(batch, in, size, size));
        w = manager.randomUniform(-bound, bound, new Shape(out, in, k, k), DataType.FLOAT32);
        b = manager.zeros(new Shape(out));
        r = manager.randomNormal(new Shape(batch, out, outSize, outSize));
        for (NDArray p : new NDArray[] {x, w, b}) p.setRequiresGradient(true);
        stride = new Shape(1, 1);
        padding = new Shape(pad, pad);
        dilation = new Shape(1, 1);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    /** One forward and backward pass (eager autograd; gradients of x, w and b). */
    @Benchmark
    public float forwardBackward() {
        try (NDScope scope = new NDScope()) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray y = Conv2d.conv2d(x, w, b, stride, padding, dilation, 1).singletonOrThrow();
                NDArray loss = y.mul(r).sum();
                collector.backward(loss);
                return loss.getFloat();
            }
        }
    }
}
