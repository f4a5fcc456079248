package dev.quiver.benchmarks.peers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/** PyTorch through DJL on the lecture's tiny exercise f(x) = x^3 - log x: per-op overhead. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchTinyBench {
    private NDManager manager;
    private NDArray scalar;

    @Setup
    public void setup() {
        manager = Engine.getEngine("PyTorch").newBaseManager();
        scalar = manager.create(new float[] {1.7f});
        scalar.setRequiresGradient(true);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    /** f(x) = x^3 - log x on a scalar, forward and backward. */
    @Benchmark
    public float cubeMinusLog() {
        try (NDScope scope = new NDScope();
             GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray f = scalar.pow(3).sub(scalar.log());
            collector.backward(f);
            return scalar.getGradient().getFloat();
        }
    }
}
