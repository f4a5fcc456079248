package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.ElementwiseF32;
import dev.quiver.kernel.ElementwiseF64;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * exp, log, tanh and sigmoid give the same bits on the SIMD backend as the scalar formulas
 * ({@code MathF64}/{@code MathF32}, which the scalar backend runs), for both dtypes, on sizes
 * that hit the main loop, the masked tail and both, with offsets, in place and accumulating:
 * first on the very first calls of the process (the Vector API then runs per lane in Java, as in
 * the interpreter), then again once the kernels have run thousands of times (C2-compiled
 * intrinsics). CI runs this class at the preferred width and at 128 and 256 bits
 * (engine-simd/pom.xml, the {@code Simd*AgreementTest} executions), so all widths agree with
 * the scalar backend, hence with each other. Compared bit for bit, except that any NaN equals any
 * NaN: Java leaves NaN payloads unspecified (C2 may swap the operands of a commutative add).
 */
class SimdMathAgreementTest {
    static final UnaryOp[] OPS = {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.SIGMOID};
    static final int[] SIZES = {1, 13, 207, 4098, 0, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 67, 97};
    static final double[] SPECIALS = {0.0, -0.0, 1.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE,
            -Double.MAX_VALUE, 1e-310, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 0.625, -0.625,
            88.72283935546875, 89, -87.33654, -103.97208, -104, 709.782712893384, 710, -745.1332191019412, -746,
            0.6931471805599453, 20, -20, 9.01, 1e-8, -1e-8};

    final Backend simd = Backends.create("simd", 1);
    final Backend scalar = Backends.create("scalar", 1);

    static double[] inputs(UnaryOp op, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (random.nextInt(6)) {
                case 0 -> SPECIALS[random.nextInt(SPECIALS.length)];
                case 1 -> Double.longBitsToDouble(random.nextLong());               // anything, NaNs too
                case 2 -> Float.intBitsToFloat(random.nextInt());
                case 3 -> random.nextDouble(-1, 1) * Math.pow(2, -random.nextInt(0, 1100));
                case 4 -> op == UnaryOp.LOG ? Math.exp(random.nextDouble(-750, 710)) : random.nextDouble(-120, 120);
                default -> random.nextDouble(-1, 1);
            };
        }
        return x;
    }

    @Test
    void coldThenWarmSameBitsAsScalar() {
        check("cold (first calls)");
        for (UnaryOp op : OPS) {
            double[] x = inputs(op, 4098, 7);
            double[] y = new double[x.length];
            float[] xf = f32(x), yf = new float[x.length];
            for (int round = 0; round < 1500; round++) {
                simd.f64().unary(op, x.length, x, 0, 1, y, 0, 1, false);
                simd.f32().unary(op, xf.length, xf, 0, 1, yf, 0, 1, false);
            }
        }
        check("warm (after 1500 calls)");
    }

    void check(String phase) {
        long seed = 1;
        for (UnaryOp op : OPS) {
            for (int n : SIZES) {
                for (int off : new int[] {0, 3}) {
                    double[] src = inputs(op, n, seed++);
                    // float64
                    double[] x = new double[n + off];
                    System.arraycopy(src, 0, x, off, n);
                    double[] expected = new double[n + off], simdOut = new double[n + off], scalarOut = new double[n + off];
                    for (int i = 0; i < n; i++) expected[off + i] = ElementwiseF64.apply(op, x[off + i]);
                    simd.f64().unary(op, n, x, off, 1, simdOut, off, 1, false);
                    scalar.f64().unary(op, n, x, off, 1, scalarOut, off, 1, false);
                    same(phase + " f64 " + op + " n=" + n + " off=" + off, x, expected, simdOut, scalarOut);
                    double[] inPlace = x.clone();
                    simd.f64().unary(op, n, inPlace, off, 1, inPlace, off, 1, false);
                    same(phase + " f64 in place " + op + " n=" + n, x, expected, inPlace, expected);
                    double[] acc = x.clone(), accScalar = x.clone();
                    simd.f64().unary(op, n, x, off, 1, acc, off, 1, true);
                    scalar.f64().unary(op, n, x, off, 1, accScalar, off, 1, true);
                    same(phase + " f64 accumulate " + op + " n=" + n, x, accScalar, acc, accScalar);
                    // float32
                    float[] xf = f32(x);
                    float[] ef = new float[n + off], sf = new float[n + off], cf = new float[n + off];
                    for (int i = 0; i < n; i++) ef[off + i] = ElementwiseF32.apply(op, xf[off + i]);
                    simd.f32().unary(op, n, xf, off, 1, sf, off, 1, false);
                    scalar.f32().unary(op, n, xf, off, 1, cf, off, 1, false);
                    same(phase + " f32 " + op + " n=" + n + " off=" + off, xf, ef, sf, cf);
                    float[] inPlaceF = xf.clone();
                    simd.f32().unary(op, n, inPlaceF, off, 1, inPlaceF, off, 1, false);
                    same(phase + " f32 in place " + op + " n=" + n, xf, ef, inPlaceF, ef);
                }
            }
        }
    }

    static float[] f32(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    static void same(String what, double[] x, double[] expected, double[] simdOut, double[] scalarOut) {
        for (int i = 0; i < x.length; i++) {
            long e = Double.doubleToLongBits(expected[i]);
            if (e != Double.doubleToLongBits(simdOut[i]) || e != Double.doubleToLongBits(scalarOut[i])) {
                fail(what + " at " + i + ": f(" + x[i] + ") formula " + expected[i] + ", simd " + simdOut[i]
                        + ", scalar backend " + scalarOut[i]);
            }
        }
    }

    static void same(String what, float[] x, float[] expected, float[] simdOut, float[] scalarOut) {
        for (int i = 0; i < x.length; i++) {
            int e = Float.floatToIntBits(expected[i]);
            if (e != Float.floatToIntBits(simdOut[i]) || e != Float.floatToIntBits(scalarOut[i])) {
                fail(what + " at " + i + ": f(" + x[i] + ") formula " + expected[i] + ", simd " + simdOut[i]
                        + ", scalar backend " + scalarOut[i]);
            }
        }
    }
}
