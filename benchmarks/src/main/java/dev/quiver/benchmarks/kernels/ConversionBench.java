package dev.quiver.benchmarks.kernels;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.internal.HalfPrecision;
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
 * float32 ↔ F16 / BF16 conversion kernels, one thread, in the same run: {@code scalar}
 * ({@link HalfPrecision}'s loops, the engine-core path), {@code simd} (engine-simd's kernels, bit
 * for bit the same results: BF16 on the Vector API, F16 through the JDK's intrinsics plus a NaN
 * scan), and {@code jdk}: plain loops over {@code Float.float16ToFloat} /
 * {@code Float.floatToFloat16}, which C2 intrinsifies (F16C on x86) and vectorises, without the
 * NaN fix-up (the JDK leaves NaN bits to the platform), to show what the fix-up costs. BF16 has no
 * JDK method, so {@code jdk} runs the scalar loops for it. The secondary metric "elements" is
 * elements per nanosecond. Inputs are normal values of both signs (1 in 64 subnormal-range for
 * F16), as weights are.
 *
 * <p>Run: {@code ./quiver bench 'kernels.ConversionBench' -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConversionBench {
    /** 64K elements sit in L2 (256 KiB of float32, 128 KiB of halves); 1M in L3. */
    @Param({"65536", "1048576"})
    public int size;

    @Param({"scalar", "simd", "jdk"})
    public String kernels;

    private ConversionKernels k;
    private float[] f32;
    private short[] f16, bf16;

    /** The JDK's intrinsified scalar methods in plain loops (F16 only). */
    static final ConversionKernels JDK = new ConversionKernels() {
        @Override public void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
        }
        @Override public void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) dst[dstOff + i] = Float.floatToFloat16(src[srcOff + i]);
        }
        @Override public void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
            HalfPrecision.bf16ToF32(src, srcOff, dst, dstOff, n);
        }
        @Override public void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
            HalfPrecision.f32ToBf16(src, srcOff, dst, dstOff, n);
        }
    };

    @Setup
    public void setUp() {
        k = switch (kernels) {
            case "scalar" -> HalfPrecision.SCALAR;
            case "simd" -> Backends.create("simd", 1).conversions();
            case "jdk" -> JDK;
            default -> throw new IllegalArgumentException("kernels: scalar, simd or jdk, not " + kernels);
        };
        SplittableRandom random = new SplittableRandom(42);
        f32 = new float[size];
        f16 = new short[size];
        bf16 = new short[size];
        for (int i = 0; i < size; i++) {
            f32[i] = (float) (random.nextDouble(-4, 4) * (i % 64 == 0 ? 1e-6 : 1));
            f16[i] = HalfPrecision.f32ToF16(f32[i]);
            bf16[i] = HalfPrecision.f32ToBf16(f32[i]);
        }
    }

    @Benchmark
    public short[] f32ToF16(Elements e) {
        k.f32ToF16(f32, 0, f16, 0, size);
        e.elements += size;
        return f16;
    }

    @Benchmark
    public float[] f16ToF32(Elements e) {
        k.f16ToF32(f16, 0, f32, 0, size);
        e.elements += size;
        return f32;
    }

    @Benchmark
    public short[] f32ToBf16(Elements e) {
        k.f32ToBf16(f32, 0, bf16, 0, size);
        e.elements += size;
        return bf16;
    }

    @Benchmark
    public float[] bf16ToF32(Elements e) {
        k.bf16ToF32(bf16, 0, f32, 0, size);
        e.elements += size;
        return f32;
    }
}
