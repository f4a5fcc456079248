package dev.quiver.simd;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF32;
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
 * not modified.
 */
class AdamKernelAgreementTest {
    static final double[][] BETAS = {{0.9, 0.999}, {0, 0.999}, {0.9, 0}, {0.5, 0.75}};

    @Test
    void fusedF64MatchesThePasses() {
        for (String backend : new String[] {"simd", "scalar"}) {
            KernelsF64 k = Backends.create(backend, 1).f64();
            SplittableRandom random = new SplittableRandom(41);
            for (int n : lengths()) {
                for (double[] betas : BETAS) {
                    for (double decay : new double[] {1, 0.999}) {
                        int off = random.nextInt(0, 4), len = off + n + 3;
                        double[] w = values(random, len, false), g = values(random, len, true), m = values(random, len, false);
                        double[] v = values(random, len, false);
                        for (int i = 0; i < len; i++) v[i] = Math.abs(v[i]);
                        double[] w2 = w.clone(), g2 = g.clone(), m2 = m.clone(), v2 = v.clone();
                        double lrT = 0.001 * random.nextDouble(0.5, 2), eps = 1e-8;
                        passes(k, n, lrT, betas[0], betas[1], eps, decay, w, g, m, v, off);
                        k.adam(n, lrT, betas[0], betas[1], eps, decay, w2, off, g2, off, m2, off, v2, off);
                        String what = backend + " f64 n=" + n + " betas " + betas[0] + ", " + betas[1] + " decay " + decay;
                        assertArrayEquals(w, w2, what + ": w");
                        assertArrayEquals(m, m2, what + ": m");
                        assertArrayEquals(v, v2, what + ": v");
                        assertArrayEquals(g, g2, what + ": g");
                    }
                }
            }
        }
    }

    @Test
    void fusedF32MatchesThePasses() {
        for (String backend : new String[] {"simd", "scalar"}) {
            KernelsF32 k = Backends.create(backend, 1).f32();
            SplittableRandom random = new SplittableRandom(42);
            for (int n : lengths()) {
                for (double[] betas : BETAS) {
                    for (float decay : new float[] {1, 0.999f}) {
                        int off = random.nextInt(0, 4), len = off + n + 3;
                        float[] w = floats(values(random, len, false)), g = floats(values(random, len, true));
                        float[] m = floats(values(random, len, false)), v = floats(values(random, len, false));
                        for (int i = 0; i < len; i++) v[i] = Math.abs(v[i]);
                        float[] w2 = w.clone(), g2 = g.clone(), m2 = m.clone(), v2 = v.clone();
                        float lrT = (float) (0.001 * random.nextDouble(0.5, 2)), eps = 1e-8f, b1 = (float) betas[0], b2 = (float) betas[1];
                        passes(k, n, lrT, b1, b2, eps, decay, w, g, m, v, off);
                        k.adam(n, lrT, b1, b2, eps, decay, w2, off, g2, off, m2, off, v2, off);
                        String what = backend + " f32 n=" + n + " betas " + b1 + ", " + b2 + " decay " + decay;
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
        double[] special = {0.0, -0.0, Double.MIN_VALUE, 1e-39, 1e30, -1e30, Double.POSITIVE_INFINITY, Double.NaN};
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = specials && random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : random.nextDouble(-2, 2);
        }
        return x;
    }

    private static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
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

    private static void passes(KernelsF32 k, int n, float lrT, float beta1, float beta2, float eps, float decay,
                               float[] w, float[] g, float[] m, float[] v, int o) {
        float[] s = new float[w.length], e = {eps}, d = {decay};
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
