package dev.quiver.benchmarks.kernels;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Float32 elementwise maps and reductions, scalar vs SIMD backend in the same run, one thread,
 * called through the kernel interface exactly as the engine calls them. The secondary metric
 * "elements" is elements per nanosecond. {@link CopyBaselineBench} gives the bandwidth baseline
 * for add/mul (which move 12 bytes per element; a copy moves 8).
 *
 * <p>Run: {@code ./quiver bench 'kernels.(Elementwise|CopyBaseline)Bench' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ElementwiseBench {
    /** 4K and 64K floats sit in L2 (1 MiB per core here); 1M in L3; 16M in DRAM. */
    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    @Param({"scalar", "simd"})
    public String backend;

    private KernelsF32 k;
    private float[] x, positive, b, out;

    @Setup
    public void setUp() {
        k = Backends.create(backend, 1).f32();
        SplittableRandom random = new SplittableRandom(42);
        x = new float[size];
        positive = new float[size];
        b = new float[size];
        out = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextDouble(-5, 5);
            positive[i] = (float) random.nextDouble(1e-3, 1e3);
            b[i] = (float) random.nextDouble(-5, 5);
        }
    }

    @Benchmark
    public void add(Elements e) {
        k.binary(BinaryOp.ADD, size, x, 0, 1, b, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void mul(Elements e) {
        k.binary(BinaryOp.MUL, size, x, 0, 1, b, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void tanh(Elements e) {
        k.unary(UnaryOp.TANH, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void relu(Elements e) {
        k.unary(UnaryOp.RELU, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    /** A composite (x sigmoid(2u), 7 primitive kernel passes per block of 256): compare with tanh. */
    @Benchmark
    public void gelu(Elements e) {
        k.unary(UnaryOp.GELU, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    /** A composite of two passes (sigmoid, multiply). */
    @Benchmark
    public void silu(Elements e) {
        k.unary(UnaryOp.SILU, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void exp(Elements e) {
        k.unary(UnaryOp.EXP, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void log(Elements e) {
        k.unary(UnaryOp.LOG, size, positive, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public void sigmoid(Elements e) {
        k.unary(UnaryOp.SIGMOID, size, x, 0, 1, out, 0, 1, false);
        e.elements += size;
    }

    @Benchmark
    public float sum(Elements e) {
        e.elements += size;
        return k.reduce(ReduceOp.SUM, size, x, 0, 1);
    }

    @Benchmark
    public float max(Elements e) {
        e.elements += size;
        return k.reduce(ReduceOp.MAX, size, x, 0, 1);
    }
}
