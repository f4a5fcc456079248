package dev.quiver.kernel.internal;

import dev.quiver.kernel.Formula;
import dev.quiver.kernel.KernelsF64;

/**
 * Runs a composite map's {@link Formula} with a backend's own primitive kernels: y = f(x) (or
 * y += f(x)) over any strides. The elements go in blocks of {@link #BLOCK}; each step is one
 * primitive kernel call over the block, from x, constants or the registers of earlier steps (a
 * per-thread scratch array) into the next register, the last step straight into y. So
 * the SIMD backend evaluates a composite with its vector kernels, each step rounds in this dtype
 * exactly as the primitive does, and every backend gets the same bits. Allocates only when a
 * thread first meets a longer formula than before.
 */
public final class FormulaF64 {
    /** Elements per block: a register of 256 doubles is 2 KB, so a dozen registers stay in L1. */
    public static final int BLOCK = 256;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[1][0]);

    private FormulaF64() {
    }

    /** y = f(x), or y += f(x) when accumulate, for n elements. */
    public static void run(KernelsF64 k, Formula f, int n,
                           double[] x, int xOff, int xStride,
                           double[] y, int yOff, int yStride, boolean accumulate) {
        if (n <= 0) return;
        int steps = f.steps();
        double[] c = f.constantsF64();
        // Scratch: registers 1 .. steps - 1, then one block per constant, filled once per call.
        // Constants are passed as full blocks (stride 1), not as stride-0 operands: the kernels'
        // broadcast branch inside their vector loops made C2 box vectors in the SIMD kernels
        // (SimdNoAllocationTest: 0.4 MB per round), and a filled block costs one pass per call.
        int constants = (steps - 1) * BLOCK;
        double[][] holder = SCRATCH.get();
        double[] s = holder[0];
        if (s.length < constants + c.length * BLOCK) holder[0] = s = new double[constants + c.length * BLOCK];
        int first = Math.min(BLOCK, n);
        for (int i = 0; i < c.length; i++) java.util.Arrays.fill(s, constants + i * BLOCK, constants + i * BLOCK + first, c[i]);
        for (int base = 0; base < n; base += BLOCK) {
            int len = Math.min(BLOCK, n - base);
            int xo = xOff + base * xStride;
            for (int j = 0; j < steps; j++) {
                boolean last = j == steps - 1;
                double[] t = last ? y : s;
                int to = last ? yOff + base * yStride : j * BLOCK, ts = last ? yStride : 1;
                int a = f.a(j);
                double[] av = a == 0 ? x : s;
                int ao = a == 0 ? xo : a > 0 ? (a - 1) * BLOCK : constants + (-1 - a) * BLOCK, as = a == 0 ? xStride : 1;
                if (f.isUnary(j)) {
                    k.unary(f.unary(j), len, av, ao, as, t, to, ts, last && accumulate);
                } else {
                    int b = f.b(j);
                    double[] bv = b == 0 ? x : s;
                    int bo = b == 0 ? xo : b > 0 ? (b - 1) * BLOCK : constants + (-1 - b) * BLOCK, bs = b == 0 ? xStride : 1;
                    k.binary(f.binary(j), len, av, ao, as, bv, bo, bs, t, to, ts, last && accumulate);
                }
            }
        }
    }
}
