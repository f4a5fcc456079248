package dev.quiver.benchmarks.graph;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * {@link MlpStepBench}'s one-thread steps timed in CPU time of the calling thread, for a shared
 * machine: JMH's wall-clock figures move with other processes' load, thread CPU time much less
 * (it does not count time the thread is descheduled; caches are still shared). Not a JMH
 * replacement (no forks, no blackholes); use it to compare two builds or two variants back to
 * back. Each case: 3 s warm-up per variant, then 15 alternating windows of 0.3 s per variant; the
 * fastest window counts (load from other processes only ever adds time), as do the fewest bytes
 * allocated per step in a window.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.quiver.benchmarks.graph.MlpStepCpuTime [backends, default simd,scalar] [shapes, default 784-256-10x64,4-8-1x1]
 * </pre>
 */
public final class MlpStepCpuTime {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private MlpStepCpuTime() {}

    public static void main(String[] args) {
        String[] backends = (args.length > 0 ? args[0] : "simd,scalar").split(",");
        String[] shapes = (args.length > 1 ? args[1] : "784-256-10x64,4-8-1x1").split(",");
        System.out.printf("%-8s %-14s %14s %14s %8s %10s%n", "backend", "shape", "static us", "dynamic us", "dyn/st", "B/step");
        for (String backend : backends) {
            for (String shape : shapes) {
                MlpStepBench b = new MlpStepBench();
                b.backend = backend;
                b.shape = shape;
                b.threads = 1;
                b.setup();
                warm(b::staticGraph);
                warm(b::dynamicGraph);
                double[] st = new double[WINDOWS], dy = new double[WINDOWS];
                double[] bytes = {Double.MAX_VALUE, Double.MAX_VALUE};
                for (int w = 0; w < WINDOWS; w++) {   // alternating windows: load changes hit both alike
                    st[w] = window(b::staticGraph, bytes, 0);
                    dy[w] = window(b::dynamicGraph, bytes, 1);
                }
                Arrays.sort(st);
                Arrays.sort(dy);
                st = new double[] {st[0], bytes[0]};   // the fastest window: other processes only ever add time
                dy = new double[] {dy[0], bytes[1]};
                System.out.printf("%-8s %-14s %14.3f %14.3f %8.2f %10.1f%n", backend, shape, st[0], dy[0], dy[0] / st[0],
                        Math.max(st[1], dy[1]));
                java.util.function.DoubleSupplier gemms = gemmsOfTheStep(b);
                warm(gemms);
                double[] g = new double[WINDOWS];
                double[] unused = {0};
                for (int w = 0; w < WINDOWS; w++) g[w] = window(gemms, unused, 0);
                Arrays.sort(g);
                System.out.printf("%-8s %-14s %14.3f  (its five GEMMs alone, same shapes and transposes)%n", backend, shape,
                        g[0]);
            }
        }
    }

    /**
     * The step's GEMMs on the same backend, as the graph runs them: h = x W, y = h V (forward);
     * dV = hᵀ dY, dh = dY Vᵀ, dW = xᵀ dH (backward; transposes as strides). What is left of the
     * step's time is everything else (elementwise passes, loss, copies, SGD, dispatch).
     */
    private static java.util.function.DoubleSupplier gemmsOfTheStep(MlpStepBench b) {
        dev.quiver.kernel.KernelsF32 k = dev.quiver.tensor.TensorMath.of(dev.quiver.backend.Backends.create(b.backend, 1))
                .backend().f32();
        String[] d = b.shape.split("[-x]");
        int in = Integer.parseInt(d[0]), hid = Integer.parseInt(d[1]), out = Integer.parseInt(d[2]), n = Integer.parseInt(d[3]);
        float[] x = new float[n * in], w = new float[in * hid], h = new float[n * hid], v = new float[hid * out];
        float[] y = new float[n * out], dw = new float[in * hid], dv = new float[hid * out], dh = new float[n * hid];
        java.util.Random r = new java.util.Random(1);
        for (float[] a : new float[][] {x, w, v, y}) for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return () -> {
            k.gemm(1, n, hid, in, 1f, x, 0, 0, in, 1, w, 0, 0, hid, 1, 0f, h, 0, 0, hid, 1);
            k.gemm(1, n, out, hid, 1f, h, 0, 0, hid, 1, v, 0, 0, out, 1, 0f, y, 0, 0, out, 1);
            k.gemm(1, hid, out, n, 1f, h, 0, 0, 1, hid, y, 0, 0, out, 1, 0f, dv, 0, 0, out, 1);
            k.gemm(1, n, hid, out, 1f, y, 0, 0, out, 1, v, 0, 0, 1, out, 0f, dh, 0, 0, hid, 1);
            k.gemm(1, in, hid, n, 1f, x, 0, 0, 1, in, dh, 0, 0, hid, 1, 0f, dw, 0, 0, hid, 1);
            return dw[0];
        };
    }

    private static final int WINDOWS = 15;
    private static double sink;

    private static void warm(java.util.function.DoubleSupplier step) {
        long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end) sink += step.getAsDouble();
    }

    /** CPU microseconds per call over one 0.3 s window; keeps the smallest bytes per call in bytes[slot]. */
    private static double window(java.util.function.DoubleSupplier step, double[] bytes, int slot) {
        long calls = 0;
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        long c0 = THREADS.getCurrentThreadCpuTime();
        long stop = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < stop) {
            for (int i = 0; i < 16; i++) sink += step.getAsDouble();
            calls += 16;
        }
        double us = (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / calls;
        bytes[slot] = Math.min(bytes[slot], (double) (THREADS.getCurrentThreadAllocatedBytes() - a0) / calls);
        return us;
    }
}
