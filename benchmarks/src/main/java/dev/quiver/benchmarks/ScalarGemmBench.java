package dev.quiver.benchmarks;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The scalar backend's GEMM, C = A B for square n x n row-major matrices, in GFLOP/s (the
 * {@code gflop} counter; 2n³ flop per call). The bar is twice EJML single-threaded (~6 GFLOP/s
 * here, so 12.5 GFLOP/s for SGEMM at n = 1024). Run:
 * {@code ./quiver bench ScalarGemmBench -f 1 -wi 3 -i 3}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ScalarGemmBench {
    @Param({"256", "1024"})
    public int n;

    /** "f32" (SGEMM) or "f64" (DGEMM). */
    @Param({"f32", "f64"})
    public String dtype;

    @Param({"1"})
    public int threads;

    private Backend backend;
    private float[] af, bf, cf;
    private double[] ad, bd, cd;

    /** Floating-point work done, reported by JMH as a rate: GFLOP/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;
    }

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.create("scalar", threads);
        SplittableRandom random = new SplittableRandom(1);
        int size = n * n;
        af = new float[size]; bf = new float[size]; cf = new float[size];
        ad = new double[size]; bd = new double[size]; cd = new double[size];
        for (int i = 0; i < size; i++) {
            ad[i] = random.nextDouble() - 0.5;
            bd[i] = random.nextDouble() - 0.5;
            af[i] = (float) ad[i];
            bf[i] = (float) bd[i];
        }
    }

    @Benchmark
    public Object gemm(Flops flops) {
        flops.gflop += 2e-9 * n * n * n;
        if (dtype.equals("f32")) {
            backend.f32().gemm(1, n, n, n, 1f, af, 0, 0, n, 1, bf, 0, 0, n, 1, 0f, cf, 0, 0, n, 1);
            return cf;
        }
        backend.f64().gemm(1, n, n, n, 1, ad, 0, 0, n, 1, bd, 0, 0, n, 1, 0, cd, 0, 0, n, 1);
        return cd;
    }
}
