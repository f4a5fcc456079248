package dev.quiver.simd;

import dev.quiver.backend.Workers;
import dev.quiver.backend.scalar.ScalarKernelsF64;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The fused {@code adam} kernel, on the SIMD and on the scalar backend, gives the bits of the
 * update as the optimiser ran it before the kernel existed (separate axpby, binary and unary
 * passes of the same backend): lengths 0..70 around every vector width and one long run, offsets,
 * beta1 or beta2 of 0 (the moment not read), AdamW's decay, and gradients holding ±0, subnormals,
 * huge values, infinities and NaN. Elements outside the range stay untouched, and the gradient is
 * not modified. CI runs it at the preferred width, 256 and 128 bits (engine-simd/pom.xml).
 */
class TestSimdAdamF64 {
    static final double[][] BETAS = {{(double) 0.9, (double) 0.999}, {0, (double) 0.999}, {(double) 0.9, 0}, {(double) 0.5, (double) 0.75}};

    @Test
    void fusedKernelMatchesThePasses() {
        for (KernelsF64 k : new KernelsF64[] {new SimdKernelsF64(new Workers(1)), new ScalarKernelsF64(new Workers(1))}) {
            SplittableRandom random = new SplittableRandom(41);
            for (int n : lengths()) {
                for (double[] betas : BETAS) {
                    for (double decay : new double[] {1, (double) 0.999}) {
                        int off = random.nextInt(0, 4), len = off + n + 3;
                        double[] w = values(random, len, false), g = values(random, len, true), m = values(random, len, false);
                        double[] v = values(random, len, false);
                        for (int i = 0; i < len; i++) v[i] = Math.abs(v[i]);
                        double[] w2 = w.clone(), g2 = g.clone(), m2 = m.clone(), v2 = v.clone();
                        double lrT = (double) (0.001 * random.nextDouble(0.5, 2)), eps = (double) 1e-8;
                        passes(k, n, lrT, betas[0], betas[1], eps, decay, w, g, m, v, off);
                        k.adam(n, lrT, betas[0], betas[1], eps, decay, w2, off, g2, off, m2, off, v2, off);
                        String what = k.getClass().getSimpleName() + " n=" + n + " betas " + betas[0] + ", " + betas[1] + " decay " + decay;
                        assertArrayEquals(w, w2, what + ": w");
                        assertArrayEquals(m, m2, what + ": m");
                        assertArrayEquals(v, v2, what + ": v");
                        assertArrayEquals(g, g2, what + ": g");
                    }
                }
            }
        }
    }

    private static int[] lengths() {
        int[] n = new int[72];
        for (int i = 0; i <= 70; i++) n[i] = i;
        n[71] = 5003;
        return n;
    }

    /** Mostly ordinary values; in a gradient, now and then a special one. */
    private static double[] values(SplittableRandom random, int len, boolean specials) {
        double[] special = {0, (double) -0.0, Double.MIN_VALUE, (double) 1e-39, (double) 1e30, (double) -1e30,
                Double.POSITIVE_INFINITY, Double.NaN};
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = specials && random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : (double) random.nextDouble(-2, 2);
        }
        return x;
    }

    /** The optimiser's update before the fused kernel: one kernel pass per operation, through a scratch array. */
    private static void passes(KernelsF64 k, int n, double lrT, double beta1, double beta2, double eps, double decay,
                               double[] w, double[] g, double[] m, double[] v, int o) {
        double[] s = new double[w.length], e = {eps}, d = {decay};
        if (decay != 1) k.binary(BinaryOp.MUL, n, w, o, 1, d, 0, 0, w, o, 1, false);
        k.axpby(n, 1 - beta1, g, o, 1, beta1, m, o, 1);
        k.binary(BinaryOp.MUL, n, g, o, 1, g, o, 1, s, o, 1, false);
        k.axpby(n, 1 - beta2, s, o, 1, beta2, v, o, 1);
        k.unary(UnaryOp.SQRT, n, v, o, 1, s, o, 1, false);
        k.binary(BinaryOp.ADD, n, s, o, 1, e, 0, 0, s, o, 1, false);
        k.binary(BinaryOp.DIV, n, m, o, 1, s, o, 1, s, o, 1, false);
        k.axpby(n, -lrT, s, o, 1, 1, w, o, 1);
    }
}
