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
 * PyTorch (CPU, through DJL, one thread) doing {@code LayerOpsBench}'s work with autograd: layer
 * normalisation over [32*128, 512] (DJL's {@code layerNorm}, i.e. {@code torch.layer_norm}) and
 * attention over [batch, 4, 128, 64] as DJL can express it: {@code softmax(q kᵀ / 8) v} with
 * eager matMul, softmax and matMul (DJL exposes no {@code scaled_dot_product_attention}, so this
 * is PyTorch's composed "math" path, not its fused CPU kernel). Loss sum(y); gradients for every
 * input. Run: {@code ./quiver bench -Ppytorch LayerOpsBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchLayerOpsBench {
    @Param({"1", "8"})
    public int batch;

    private NDManager manager;
    private NDArray x, gamma, beta, q, k, v;

    @Setup
    public void setup() {
        System.setProperty("ai.djl.offline", "true");
        manager = Engine.getEngine("PyTorch").newBaseManager();
        manager.getEngine().setRandomSeed(1);
        x = manager.randomNormal(new Shape(32 * 128, 512));
        gamma = manager.ones(new Shape(512));
        beta = manager.zeros(new Shape(512));
        q = manager.randomNormal(new Shape(batch, 4, 128, 64));
        k = manager.randomNormal(new Shape(batch, 4, 128, 64));
        v = manager.randomNormal(new Shape(batch, 4, 128, 64));
        for (NDArray p : new NDArray[] {x, gamma, beta, q, k, v}) p.setRequiresGradient(true);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public float layerNorm() {
        try (NDScope scope = new NDScope(); GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray y = x.getNDArrayInternal().layerNorm(x, new Shape(512), gamma, beta, 1e-5f).singletonOrThrow();
            NDArray loss = y.sum();
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    @Benchmark
    public float attention() {
        try (NDScope scope = new NDScope(); GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray p = q.matMul(k.transpose(0, 1, 3, 2)).mul(0.125f).softmax(-1);
            NDArray loss = p.matMul(v).sum();
            collector.backward(loss);
            return loss.getFloat();
        }
    }
}
