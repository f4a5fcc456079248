package dev.quiver.benchmarks.kernels;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.UnaryOp;
import jdk.incubator.vector.FloatVector;
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
 * Float32 exp, log, tanh and sigmoid in L2, three implementations in the same run: {@code quiver}
 * (the SIMD backend's kernel: Libm's formulas, reproducible to the bit), {@code jdk} (the kernel as
 * it was before: lanewise VectorOperators EXP/LOG/TANH at the preferred species, SVML once C2 has
 * compiled it) and {@code math} (a scalar loop over java.lang.Math in float64, rounded to float).
 * The secondary metric "elements" is elements per nanosecond. Inputs as ElementwiseBench: x
 * uniform in [-5, 5], log's argument uniform in [1e-3, 1e3].
 *
 * <p>Run: {@code ./quiver bench 'kernels.TranscendentalBench' -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TranscendentalBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** 4K and 64K floats sit in L2. */
    @Param({"4096", "65536"})
    public int size;

    @Param({"quiver", "jdk", "math"})
    public String impl;

    private KernelsF32 k;
    private float[] x, positive, out;

    @Setup
    public void setUp() {
        k = Backends.create("simd", 1).f32();
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
            case "quiver" -> k.unary(UnaryOp.EXP, size, x, 0, 1, out, 0, 1, false);
            case "jdk" -> jdkExp(x, out, size);
            default -> {
                for (int i = 0; i < size; i++) out[i] = (float) Math.exp(x[i]);
            }
        }
        e.elements += size;
    }

    @Benchmark
    public void log(Elements e) {
        switch (impl) {
            case "quiver" -> k.unary(UnaryOp.LOG, size, positive, 0, 1, out, 0, 1, false);
            case "jdk" -> jdkLog(positive, out, size);
            default -> {
                for (int i = 0; i < size; i++) out[i] = (float) Math.log(positive[i]);
            }
        }
        e.elements += size;
    }

    @Benchmark
    public void tanh(Elements e) {
        switch (impl) {
            case "quiver" -> k.unary(UnaryOp.TANH, size, x, 0, 1, out, 0, 1, false);
            case "jdk" -> jdkTanh(x, out, size);
            default -> {
                for (int i = 0; i < size; i++) out[i] = (float) Math.tanh(x[i]);
            }
        }
        e.elements += size;
    }

    @Benchmark
    public void sigmoid(Elements e) {
        switch (impl) {
            case "quiver" -> k.unary(UnaryOp.SIGMOID, size, x, 0, 1, out, 0, 1, false);
            case "jdk" -> jdkSigmoid(x, out, size);
            default -> {
                for (int i = 0; i < size; i++) {
                    double v = x[i], ex = Math.exp(-Math.abs(v));
                    out[i] = (float) ((v < 0 ? ex : 1) / (1 + ex));
                }
            }
        }
        e.elements += size;
    }

    // The previous SIMD kernels (size is a multiple of every species length here).

    private static void jdkExp(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.EXP).intoArray(y, i);
        }
    }

    private static void jdkLog(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.LOG).intoArray(y, i);
        }
    }

    private static void jdkTanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.TANH).intoArray(y, i);
        }
    }

    private static void jdkSigmoid(float[] x, float[] y, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
            one.blend(e, v.compare(VectorOperators.LT, 0f)).div(one.add(e)).intoArray(y, i);
        }
    }
}
