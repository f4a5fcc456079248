package dev.quiver.benchmarks.kernels;

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

import java.util.concurrent.TimeUnit;

/**
 * The memory-bandwidth baseline for {@link ElementwiseBench}'s add and mul: a plain Java copy
 * loop (which C2 vectorises) and System.arraycopy over float arrays of the same sizes, in the same
 * JVM settings. A copy moves 8 bytes per element (read + write), add/mul 12 (two reads + write):
 * compare bytes per ns, i.e. add's elements/ns * 12 against copy's elements/ns * 8.
 * {@code addLoop} is a plain Java {@code out[i] = x[i] + y[i]} loop (C2 vectorises it and aligns
 * its stores): the JVM's own ceiling for add's access pattern of two read streams and one write
 * stream, which in L3 runs below the copy's bytes per ns (see docs/bench/elementwise-bandwidth.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CopyBaselineBench {
    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    private float[] x, y, out;

    @Setup
    public void setUp() {
        x = new float[size];
        y = new float[size];
        out = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = i * 0.5f;
            y[i] = i * 0.25f;
        }
    }

    @Benchmark
    public void copyLoop(Elements e) {
        float[] src = x, dst = out;
        for (int i = 0; i < src.length; i++) dst[i] = src[i];
        e.elements += size;
    }

    @Benchmark
    public void addLoop(Elements e) {
        float[] a = x, b = y, dst = out;
        for (int i = 0; i < dst.length; i++) dst[i] = a[i] + b[i];
        e.elements += size;
    }

    @Benchmark
    public void arraycopy(Elements e) {
        System.arraycopy(x, 0, out, 0, size);
        e.elements += size;
    }
}
