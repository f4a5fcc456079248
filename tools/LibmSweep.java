import dev.quiver.kernel.internal.Libm;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Exhaustive float32 check of dev.quiver.kernel.internal.Libm: all 2^32 inputs of exp, log, tanh and
 * sigmoid against the float64 StrictMath value (error below 2^-29 float32 ulps, so the reported
 * errors are exact to ~1e-8 ulp). Prints, per function, the max error in ulps, where it occurs,
 * and how many results are not correctly rounded; special results (NaN, inf) must match exactly.
 * Run by tools/libm-sweep. Arguments: threads (default: all processors), stride (default 1: every
 * bit pattern; a stride s checks patterns 0, s, 2s, ...: with s a power of two below 2^23 every
 * exponent of both signs gets 2^23/s mantissas), and the functions to run (default all four).
 */
public class LibmSweep {
    interface F { float apply(float x); }
    interface R { double apply(double x); }

    static double sigmoid64(double x) {
        return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        long stride = args.length > 1 ? Long.parseLong(args[1]) : 1;
        java.util.List<String> only = args.length > 2 ? java.util.List.of(args).subList(2, args.length) : null;
        String[] names = {"exp", "log", "tanh", "sigmoid"};
        F[] fs = {Libm::exp, Libm::log, Libm::tanh, Libm::sigmoid};
        R[] rs = {StrictMath::exp, StrictMath::log, StrictMath::tanh, LibmSweep::sigmoid64};
        long inputs = ((1L << 32) + stride - 1) / stride;
        System.out.println("float32 inputs: " + inputs + (stride == 1 ? " (all)" : " (every " + stride + "th bit pattern)"));
        System.out.println("| function | max error (ulp) | at x | not correctly rounded | special mismatches |");
        System.out.println("|---|---|---|---|---|");
        for (int f = 0; f < 4; f++) {
            if (only != null && !only.contains(names[f])) continue;
            F fn = fs[f];
            R ref = rs[f];
            double[] worst = new double[threads];
            float[] worstX = new float[threads];
            long[] inexact = new long[threads], bad = new long[threads];
            Thread[] ts = new Thread[threads];
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts[t] = new Thread(() -> {
                    long chunk = inputs / threads;
                    long lo = id * chunk, hi = id == threads - 1 ? inputs : lo + chunk;
                    for (long index = lo; index < hi; index++) {
                        long b = index * stride;
                        float x = Float.intBitsToFloat((int) b);
                        double r = ref.apply(x);
                        float got = fn.apply(x);
                        float rounded = (float) r;
                        if (Float.isNaN(rounded) || Float.isInfinite(rounded) || Float.isNaN(got) || Float.isInfinite(got)) {
                            if (Float.compare(rounded, got) != 0) bad[id]++;
                            continue;
                        }
                        if (got != rounded) inexact[id]++;
                        double e = Math.abs(got - r) / Math.ulp(rounded);
                        if (e > worst[id]) {
                            worst[id] = e;
                            worstX[id] = x;
                        }
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) t.join();
            double w = 0;
            float wx = 0;
            long ni = 0, nb = 0;
            for (int t = 0; t < threads; t++) {
                if (worst[t] > w) {
                    w = worst[t];
                    wx = worstX[t];
                }
                ni += inexact[t];
                nb += bad[t];
            }
            System.out.printf("| %s | %.3f | %s | %d (%.4f%%) | %d |%n", names[f], w, wx, ni, 100.0 * ni / inputs, nb);
            System.err.printf("%s done in %.0f s%n", names[f], (System.nanoTime() - start) / 1e9);
        }
    }
}
