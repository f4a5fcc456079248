package dev.quiver.benchmarks.gemm;

import dev.quiver.backend.Workers;
import dev.quiver.simd.gemm.GemmF32;
import dev.quiver.simd.gemm.GemmF64;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * Single-thread GEMM and mode-n figures in GFLOP per CPU-second of the calling thread, ours against
 * OpenBLAS (set to one thread, so it runs on the caller). On a shared machine JMH's wall-clock
 * figures move with other processes' load (we saw +-50% at load 13 on 2 cores); thread CPU time
 * does not count the time the thread is descheduled, so these ratios stay stable. It does not
 * replace JMH (no forks, no blackholes) and says nothing about multi-thread scaling.
 * Each case: 2 s warm-up, then the median of 5 windows of 0.4 s; also bytes allocated per call.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.quiver.benchmarks.gemm.GemmCpuTime [shapes, default: the GemmBench shapes]
 * </pre>
 */
public final class GemmCpuTime {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private GemmCpuTime() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args[0].split(",")
                : new String[]{"16", "64", "256", "1024", "2048", "64x784x256", "256x64x784", "64x256x10"};
        openblas.blas_set_num_threads(1);
        var workers = new Workers(1);
        var g32 = new GemmF32(workers);
        var g64 = new GemmF64(workers);
        var rng = new Random(1);
        System.out.printf("%-12s %-4s %10s %10s %10s %8s %8s %10s%n", "shape", "type", "quiver", "oblasNat", "oblasArr",
                "%nat", "%arr", "quiver B/call");
        for (String shape : shapes) {
            int[] mkn = GemmBench.parse(shape);
            int m = mkn[0], k = mkn[1], n = mkn[2];
            long flops = 2L * m * n * k;
            float[] af = GemmBench.randomFloats(rng, m * k), bf = GemmBench.randomFloats(rng, k * n), cf = new float[m * n];
            try (var ap = new FloatPointer(af); var bp = new FloatPointer(bf); var cp = new FloatPointer(cf)) {
                double[] ours = rate(flops, () -> g32.gemm(1, m, n, k, 1f, af, 0, 0, k, 1, bf, 0, 0, n, 1, 0f, cf, 0, 0, n, 1));
                double nat = rate(flops, () -> openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                        openblas.CblasNoTrans, m, n, k, 1f, ap, k, bp, n, 0f, cp, n))[0];
                double arr = rate(flops, () -> openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                        openblas.CblasNoTrans, m, n, k, 1f, af, k, bf, n, 0f, cf, n))[0];
                row(shape, "f32", ours, nat, arr);
            }
            double[] ad = GemmBench.randomDoubles(rng, m * k), bd = GemmBench.randomDoubles(rng, k * n), cd = new double[m * n];
            try (var ap = new DoublePointer(ad); var bp = new DoublePointer(bd); var cp = new DoublePointer(cd)) {
                double[] ours = rate(flops, () -> g64.gemm(1, m, n, k, 1.0, ad, 0, 0, k, 1, bd, 0, 0, n, 1, 0.0, cd, 0, 0, n, 1));
                double nat = rate(flops, () -> openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                        openblas.CblasNoTrans, m, n, k, 1.0, ap, k, bp, n, 0.0, cp, n))[0];
                double arr = rate(flops, () -> openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                        openblas.CblasNoTrans, m, n, k, 1.0, ad, k, bd, n, 0.0, cd, n))[0];
                row(shape, "f64", ours, nat, arr);
            }
        }
        modeN(g32);
    }

    /** The ModeNBench mappings (f32, 0.537 GFLOP each) against our plain GEMM of the same size. */
    private static void modeN(GemmF32 gemm) {
        int big = ModeNBench.BIG, small = ModeNBench.SMALL, j = ModeNBench.J;
        var rng = new Random(7);
        float[] x = GemmBench.randomFloats(rng, big * small * small), u = GemmBench.randomFloats(rng, j * big);
        float[] y = new float[j * small * small];
        double[] plain = rate(ModeNBench.FLOPS, () -> gemm.gemm(1, j, small * small, big, 1f, u, 0, 0, big, 1,
                x, 0, 0, small * small, 1, 0f, y, 0, 0, small * small, 1));
        System.out.printf("mode-n f32: plain GEMM 256x256x4096 %.1f GFLOP/cpu-s%n", plain[0]);
        for (int mode = 0; mode < 3; mode++) {
            final int md = mode;
            double[] r = rate(ModeNBench.FLOPS, () -> {
                switch (md) {
                    case 0 -> gemm.gemm(1, j, small * small, big, 1f, u, 0, 0, big, 1,
                            x, 0, 0, small * small, 1, 0f, y, 0, 0, small * small, 1);
                    case 1 -> gemm.gemm(small, j, small, big, 1f, u, 0, 0, big, 1,
                            x, 0, big * small, small, 1, 0f, y, 0, j * small, small, 1);
                    default -> gemm.gemm(1, small * small, j, big, 1f, x, 0, 0, big, 1,
                            u, 0, 0, 1, big, 0f, y, 0, 0, j, 1);
                }
            });
            System.out.printf("mode-n f32: mode %d %.1f GFLOP/cpu-s (%.0f%% of plain GEMM), %d B/call%n",
                    mode, r[0], 100 * r[0] / plain[0], (long) r[1]);
        }
    }

    private static void row(String shape, String type, double[] ours, double nat, double arr) {
        System.out.printf("%-12s %-4s %10.1f %10.1f %10.1f %7.0f%% %7.0f%% %10d%n", shape, type, ours[0], nat, arr,
                100 * ours[0] / nat, 100 * ours[0] / arr, (long) ours[1]);
    }

    /** {median GFLOP per CPU-second, bytes allocated per call}. */
    private static double[] rate(long flopsPerCall, Runnable body) {
        long tid = Thread.currentThread().threadId();
        long start = System.nanoTime();
        while (System.nanoTime() - start < 2_000_000_000L) body.run();
        double[] windows = new double[5];
        for (int w = 0; w < windows.length; w++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime(), wall0 = System.nanoTime(), calls = 0;
            while (System.nanoTime() - wall0 < 400_000_000L) {
                body.run();
                calls++;
            }
            windows[w] = (double) flopsPerCall * calls / (THREADS.getCurrentThreadCpuTime() - cpu0);
        }
        Arrays.sort(windows);
        long bytes0 = THREADS.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100; i++) body.run();
        double perCall = (THREADS.getThreadAllocatedBytes(tid) - bytes0) / 100.0;
        return new double[]{windows[windows.length / 2], perCall};
    }
}
