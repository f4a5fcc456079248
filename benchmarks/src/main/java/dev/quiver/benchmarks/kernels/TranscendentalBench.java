package dev.quiver.benchmarks.kernels;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * float32 exp, log, tanh and sigmoid in L2 (64K floats in, 64K out: 512 KiB), elements per ns,
 * four implementations in the same run:
 * <ul>
 * <li>{@code quiver}: the SIMD backend's kernels (Quiver's own formulas, MathF32, reproducible);
 * <li>{@code quiver-scalar}: the scalar backend (the same formulas, one element at a time);
 * <li>{@code jdk-vector}: the SIMD backend's previous loops, lanewise VectorOperators.EXP/LOG/TANH
 *     (SVML after C2; not reproducible), copied here as the baseline;
 * <li>{@code math}: a plain loop over java.lang.Math, rounded to float.
 * </ul>
 * Run: {@code ./quiver bench 'kernels.TranscendentalBench' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TranscendentalBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    @Param({"65536"})
    public int size;

    @Param({"quiver", "jdk-vector", "math", "quiver-scalar"})
    public String impl;

    private KernelsF32 k;
    private float[] x, positive, out;

    @Setup
    public void setUp() {
        k = Backends.create(impl.equals("quiver-scalar") ? "scalar" : "simd", 1).f32();
        SplittableRandom random = new SplittableRandom(42);
        x = new float[size];
        positive = new float[size];
        out = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextDouble(-5, 5);
            positive[i] = (float) random.nextDouble(1e-3, 1e3);
        }
    }

    @Benchmark
    public void exp(Elements e) {
        switch (impl) {
            case "jdk-vector" -> jdkExp(size, x, out);
            case "math" -> { for (int i = 0; i < size; i++) out[i] = (float) Math.exp(x[i]); }
            default -> k.unary(UnaryOp.EXP, size, x, 0, 1, out, 0, 1, false);
        }
        e.elements += size;
    }

    @Benchmark
    public void log(Elements e) {
        switch (impl) {
            case "jdk-vector" -> jdkLog(size, positive, out);
            case "math" -> { for (int i = 0; i < size; i++) out[i] = (float) Math.log(positive[i]); }
            default -> k.unary(UnaryOp.LOG, size, positive, 0, 1, out, 0, 1, false);
        }
        e.elements += size;
    }

    @Benchmark
    public void tanh(Elements e) {
        switch (impl) {
            case "jdk-vector" -> jdkTanh(size, x, out);
            case "math" -> { for (int i = 0; i < size; i++) out[i] = (float) Math.tanh(x[i]); }
            default -> k.unary(UnaryOp.TANH, size, x, 0, 1, out, 0, 1, false);
        }
        e.elements += size;
    }

    @Benchmark
    public void sigmoid(Elements e) {
        switch (impl) {
            case "jdk-vector" -> jdkSigmoid(size, x, out);
            case "math" -> {
                for (int i = 0; i < size; i++) {
                    float v = (float) Math.exp(-Math.abs(x[i]));
                    out[i] = (x[i] < 0 ? v : 1) / (1 + v);
                }
            }
            default -> k.unary(UnaryOp.SIGMOID, size, x, 0, 1, out, 0, 1, false);
        }
        e.elements += size;
    }

    // The previous SIMD kernels (before Quiver's own formulas), as they were.

    static void jdkExp(int n, float[] x, float[] y) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.EXP).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, i, m).lanewise(VectorOperators.EXP).intoArray(y, i, m);
        }
    }

    static void jdkLog(int n, float[] x, float[] y) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.LOG).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, i, m).lanewise(VectorOperators.LOG).intoArray(y, i, m);
        }
    }

    static void jdkTanh(int n, float[] x, float[] y) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.TANH).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, i, m).lanewise(VectorOperators.TANH).intoArray(y, i, m);
        }
    }

    static void jdkSigmoid(int n, float[] x, float[] y) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
            one.blend(e, v.compare(VectorOperators.LT, 0f)).div(one.add(e)).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, i, m);
            FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
            one.blend(e, v.compare(VectorOperators.LT, 0f)).div(one.add(e)).intoArray(y, i, m);
        }
    }
}
