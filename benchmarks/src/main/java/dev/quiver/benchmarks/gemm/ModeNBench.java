package dev.quiver.benchmarks.gemm;

import dev.quiver.backend.Workers;
import dev.quiver.simd.gemm.GemmF32;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Mode-n product Y = X x_mode U (f32): a 3-way tensor whose mode {@code mode} has 256 entries and
 * the other two 64 (256x64x64, 64x256x64, 64x64x256), times a 256x256 matrix U, so every mode costs
 * the same 0.537 GFLOP. Each runs as GEMM calls over strides, with no transposed copy:
 * mode 0 is one GEMM U (256x256) X (256x4096); mode 1 is a batch of 64 GEMMs U X[i] with U shared
 * (batch stride 0, packed once); mode 2 is one GEMM X (4096x256) U^T, the transpose a swap of U's
 * strides. {@code gemmSameFlops} is a plain 256x256x4096 GEMM for the ratio; OpenBLAS runs the same
 * mapping (64 sgemm calls for the middle mode). Read the {@code flop} row: flop/ns = GFLOP/s.
 *
 * <pre>
 * ./quiver bench 'gemm.ModeNBench' -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ModeNBench {
    static final int BIG = 256, SMALL = 64, J = 256;
    static final long FLOPS = 2L * J * BIG * SMALL * SMALL;

    @Param({"0", "1", "2"})
    public int mode;
    @Param({"1", "2"})
    public int threads;

    GemmF32 gemm;
    float[] x, u, y;
    FloatPointer xp, up, yp;
    FloatPointer[] xSlices, ySlices;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = new GemmF32(new Workers(threads));
        openblas.blas_set_num_threads(threads);
        var rng = new Random(7);
        x = GemmBench.randomFloats(rng, BIG * SMALL * SMALL);
        u = GemmBench.randomFloats(rng, J * BIG);
        y = new float[J * SMALL * SMALL];
        xp = new FloatPointer(x);
        up = new FloatPointer(u);
        yp = new FloatPointer(y);
        xSlices = new FloatPointer[SMALL];
        ySlices = new FloatPointer[SMALL];
        for (int p = 0; p < SMALL; p++) {
            xSlices[p] = new FloatPointer(xp).position((long) p * BIG * SMALL);
            ySlices[p] = new FloatPointer(yp).position((long) p * J * SMALL);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        xp.close();
        up.close();
        yp.close();
    }

    @Benchmark
    public void quiver(Flops flops) {
        switch (mode) {
            // Y (J x 64*64) = U (J x 256) X (256 x 64*64)
            case 0 -> gemm.gemm(1, J, SMALL * SMALL, BIG, 1f, u, 0, 0, BIG, 1,
                    x, 0, 0, SMALL * SMALL, 1, 0f, y, 0, 0, SMALL * SMALL, 1);
            // Y[i] (J x 64) = U (J x 256) X[i] (256 x 64), i < 64; U shared across the batch
            case 1 -> gemm.gemm(SMALL, J, SMALL, BIG, 1f, u, 0, 0, BIG, 1,
                    x, 0, BIG * SMALL, SMALL, 1, 0f, y, 0, J * SMALL, SMALL, 1);
            // Y (64*64 x J) = X (64*64 x 256) U^T (256 x J): U^T is U with its strides swapped
            default -> gemm.gemm(1, SMALL * SMALL, J, BIG, 1f, x, 0, 0, BIG, 1,
                    u, 0, 0, 1, BIG, 0f, y, 0, 0, J, 1);
        }
        flops.flop += FLOPS;
    }

    /** Our plain GEMM with the same flop count (256x256 times 256x4096), for the ratio. */
    @Benchmark
    public void gemmSameFlops(Flops flops) {
        gemm.gemm(1, J, SMALL * SMALL, BIG, 1f, u, 0, 0, BIG, 1,
                x, 0, 0, SMALL * SMALL, 1, 0f, y, 0, 0, SMALL * SMALL, 1);
        flops.flop += FLOPS;
    }

    @Benchmark
    public void openblasNative(Flops flops) {
        int row = openblas.CblasRowMajor, no = openblas.CblasNoTrans;
        switch (mode) {
            case 0 -> openblas.cblas_sgemm(row, no, no, J, SMALL * SMALL, BIG, 1f, up, BIG, xp, SMALL * SMALL,
                    0f, yp, SMALL * SMALL);
            case 1 -> {
                for (int p = 0; p < SMALL; p++) {
                    openblas.cblas_sgemm(row, no, no, J, SMALL, BIG, 1f, up, BIG, xSlices[p], SMALL,
                            0f, ySlices[p], SMALL);
                }
            }
            default -> openblas.cblas_sgemm(row, no, openblas.CblasTrans, SMALL * SMALL, J, BIG, 1f, xp, BIG,
                    up, BIG, 0f, yp, J);
        }
        flops.flop += FLOPS;
    }
}
