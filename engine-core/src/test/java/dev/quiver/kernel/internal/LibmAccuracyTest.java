package dev.quiver.kernel.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Libm}'s error bounds. float32: every 4099th float bit pattern (1,047,804 inputs per
 * function, all signs and exponents) against the float64 StrictMath value, whose own error is
 * below 2^-29 float32 ulps, so the measured error is exact to that; tools/libm-sweep runs all
 * 2^32. float64: a dense sample of each function's working range, random bit patterns and tiny
 * values against a 40-digit BigDecimal reference. Special values must be exactly java.lang.Math's.
 *
 * <p>Bounds asserted (measured maxima in the README's table; the worst float32 inputs of the
 * sweeps over all or every 4th/16th bit pattern are included here, e.g. exp's 0.976 ulps at
 * x = -48.865902, and the inputs where the previous exp formula exceeded 1 ulp):
 * <pre>
 *              float32  float64
 *   exp          1        1
 *   log          1        1
 *   tanh         2.5      2.5
 *   sigmoid      2.5      2.5
 * </pre>
 */
class LibmAccuracyTest {
    static final MathContext MC = new MathContext(40, RoundingMode.HALF_EVEN);
    static final BigDecimal LN2 = new BigDecimal("0.69314718055994530941723212145817656807550013436026");

    // ------------------------------------------------------------------ float32

    static double sigmoid64(double x) {
        return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    /**
     * Max ulp error of f over the sampled floats and the given inputs (the worst ones
     * tools/libm-sweep found, which the sample misses), against the float64 reference.
     */
    static double sweep32(Function<Float, Float> f, DoubleUnaryOperator reference, float... worstKnown) {
        double worst = 0;
        float worstX = 0;
        long samples = (1L << 32) / 4099 + 1;
        for (long s = 0; s < samples + worstKnown.length; s++) {
            float x = s < samples ? Float.intBitsToFloat((int) (s * 4099)) : worstKnown[(int) (s - samples)];
            double ref = reference.applyAsDouble(x);
            float got = f.apply(x);
            float rounded = (float) ref;
            if (Float.isNaN(rounded) || Float.isInfinite(rounded)) {
                if (Float.compare(rounded, got) != 0) fail("f32 at x=" + x + ": expected " + rounded + " but got " + got);
                continue;
            }
            double ulps = Math.abs(got - ref) / Math.ulp(rounded);
            if (ulps > worst) {
                worst = ulps;
                worstX = x;
            }
        }
        System.out.printf("float32 max error %.4f ulp at x=%s%n", worst, worstX);
        return worst;
    }

    @Test
    void float32Bounds() {
        // The sweeps' worst inputs: exp over all 2^32 floats (now; and the previous formula's 1.095
        // at 5.198865 and 1.080 at -27.378662), log every 4th bit pattern, tanh and sigmoid every 16th.
        assertTrue(sweep32(Libm::exp, StrictMath::exp, -48.865902f, 16.29069f, 5.198865f, -27.378662f, -16.287966f) < 1, "exp");
        assertTrue(sweep32(Libm::log, StrictMath::log, 1.5662851f) < 1, "log");
        assertTrue(sweep32(Libm::tanh, StrictMath::tanh, 0.20616555f) < 2.5, "tanh");
        assertTrue(sweep32(Libm::sigmoid, LibmAccuracyTest::sigmoid64, -5.542755f) < 2.5, "sigmoid");
    }

    // ------------------------------------------------------------------ float64 reference

    static BigDecimal pow2(int k) {
        return k >= 0 ? BigDecimal.valueOf(2).pow(k) : BigDecimal.ONE.divide(BigDecimal.valueOf(2).pow(-k), MC);
    }

    static BigDecimal exp(BigDecimal x) {
        int k = x.divide(LN2, MC).setScale(0, RoundingMode.HALF_EVEN).intValueExact();
        BigDecimal r = x.subtract(LN2.multiply(BigDecimal.valueOf(k)), MC);
        BigDecimal sum = BigDecimal.ONE, term = BigDecimal.ONE;
        for (int i = 1; i < 60; i++) {
            term = term.multiply(r, MC).divide(BigDecimal.valueOf(i), MC);
            sum = sum.add(term, MC);
        }
        return sum.multiply(pow2(k), MC);
    }

    static BigDecimal log(double x) {
        int e = Math.getExponent(x);
        double m;
        if (e < Double.MIN_EXPONENT) { // subnormal
            e = Math.getExponent(x * 0x1p60) - 60;
            m = x * 0x1p60 / Math.scalb(1.0, e + 60);
        } else {
            m = x / Math.scalb(1.0, e);
        }
        BigDecimal bm = new BigDecimal(m);
        BigDecimal s = bm.subtract(BigDecimal.ONE).divide(bm.add(BigDecimal.ONE), MC), s2 = s.multiply(s, MC);
        BigDecimal sum = BigDecimal.ZERO, power = s;
        for (int i = 0; i < 50; i++) {
            sum = sum.add(power.divide(BigDecimal.valueOf(2 * i + 1), MC), MC);
            power = power.multiply(s2, MC);
        }
        return sum.multiply(BigDecimal.valueOf(2)).add(LN2.multiply(BigDecimal.valueOf(e)), MC);
    }

    static BigDecimal tanh(double x) {
        if (Math.abs(x) > 50) return BigDecimal.valueOf(Math.signum(x));
        BigDecimal bx = new BigDecimal(x);
        if (Math.abs(x) < 1e-3) {
            BigDecimal x2 = bx.multiply(bx, MC);
            // x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835
            BigDecimal p = new BigDecimal(62).divide(new BigDecimal(2835), MC).multiply(x2, MC)
                    .subtract(new BigDecimal(17).divide(new BigDecimal(315), MC), MC).multiply(x2, MC)
                    .add(new BigDecimal(2).divide(new BigDecimal(15), MC), MC).multiply(x2, MC)
                    .subtract(BigDecimal.ONE.divide(new BigDecimal(3), MC), MC).multiply(x2, MC).add(BigDecimal.ONE, MC);
            return bx.multiply(p, MC);
        }
        BigDecimal e = exp(bx.add(bx));
        return e.subtract(BigDecimal.ONE, MC).divide(e.add(BigDecimal.ONE, MC), MC);
    }

    static BigDecimal sigmoid(double x) {
        if (x > 800) return BigDecimal.ONE;
        if (x < -800) return BigDecimal.ZERO;
        return BigDecimal.ONE.divide(BigDecimal.ONE.add(exp(new BigDecimal(-x)), MC), MC);
    }

    /** Error of got in ulps of the reference; infinities, NaN and zero results must match exactly. */
    static double ulps64(double x, double got, BigDecimal ref) {
        double rounded = ref.doubleValue();
        if (Double.isInfinite(rounded) || Double.isInfinite(got)) {
            if (Double.compare(rounded, got) != 0) fail("f64 at x=" + x + ": expected " + rounded + " but got " + got);
            return 0;
        }
        return new BigDecimal(got).subtract(ref).abs().divide(new BigDecimal(Math.ulp(rounded)), MC).doubleValue();
    }

    static double sweep64(String name, DoubleUnaryOperator f, Function<Double, BigDecimal> reference,
                          double lo, double hi, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double worst = 0, worstX = 0;
        for (int i = 0; i < 12_000; i++) {
            double x = switch (i % 4) {
                case 0, 1 -> random.nextDouble(lo, hi);
                case 2 -> random.nextDouble(-1, 1) * Math.scalb(1.0, -random.nextInt(0, 1075));
                default -> Math.abs(Double.longBitsToDouble(random.nextLong()));
            };
            if (lo >= 0) x = Math.abs(x);
            if (Double.isNaN(x) || Double.isInfinite(x) || x == 0) continue;
            if (name.equals("exp") && Math.abs(x) > 800 || name.equals("sigmoid") && Math.abs(x) > 1e6) continue;
            double e = ulps64(x, f.applyAsDouble(x), reference.apply(x));
            if (e > worst) {
                worst = e;
                worstX = x;
            }
        }
        System.out.printf("float64 %s max error %.4f ulp at x=%s%n", name, worst, worstX);
        return worst;
    }

    @Test
    void float64Bounds() {
        assertTrue(sweep64("exp", Libm::exp, x -> exp(new BigDecimal(x)), -746, 710, 1) < 1, "exp");
        assertTrue(sweep64("log", Libm::log, LibmAccuracyTest::log, 0, 4, 2) < 1, "log");
        assertTrue(sweep64("tanh", Libm::tanh, LibmAccuracyTest::tanh, -20, 20, 3) < 2.5, "tanh");
        assertTrue(sweep64("sigmoid", Libm::sigmoid, LibmAccuracyTest::sigmoid, -40, 40, 4) < 2.5, "sigmoid");
    }

    // ------------------------------------------------------------------ special values

    @Test
    void specialValuesAsJavaLangMath() {
        double[] xs = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0,
                709.8, 710, -745.2, -746, 1000, -1000, Float.MIN_VALUE, Float.MAX_VALUE, 88.8, -104, -110};
        for (double x : xs) {
            same("exp", Math.exp(x), Libm.exp(x), x);
            same("log", Math.log(x), Libm.log(x), x);
            same("tanh", Math.tanh(x), Libm.tanh(x), x);
            float xf = (float) x;
            same("exp f32", (float) Math.exp(xf), Libm.exp(xf), xf);
            same("log f32", (float) Math.log(xf), Libm.log(xf), xf);
            same("tanh f32", (float) Math.tanh(xf), Libm.tanh(xf), xf);
        }
        assertEquals(0.0, Libm.sigmoid(Double.NEGATIVE_INFINITY));
        assertEquals(1.0, Libm.sigmoid(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(Libm.sigmoid(Double.NaN)));
        assertEquals(0f, Libm.sigmoid(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Libm.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(Double.MIN_VALUE, Libm.exp(-744.5)); // underflow rounds into the subnormals once
        assertEquals(Float.MIN_VALUE, Libm.exp(-103.5f));
    }

    /** Exactly equal where Math's result is exact by definition (0, 1, inf, NaN, signed zero), else within 1 ulp. */
    static void same(String what, double expected, double got, double x) {
        boolean exactKind = Double.isNaN(expected) || Double.isInfinite(expected) || expected == 0
                || Math.abs(expected) == 1 || x == 0;
        if (exactKind ? Double.compare(expected, got) != 0 : !(Math.abs(expected - got) <= Math.ulp(expected))) {
            fail(what + "(" + x + "): Math gives " + expected + ", Libm " + got);
        }
    }

    static void same(String what, float expected, float got, float x) {
        same(what, (double) expected, (double) got, x);
        if (!Float.isNaN(expected) && !Float.isInfinite(expected) && !(Math.abs(expected - got) <= Math.ulp(expected))) {
            fail(what + "(" + x + "): Math gives " + expected + ", Libm " + got);
        }
    }
}
