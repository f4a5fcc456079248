package dev.quiver.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Error bounds of {@link MathF64} and {@link MathF32}, the bounds their Javadoc states.
 *
 * <p>float32: every input in a dense sample of all 2^32 bit patterns (each 97th pattern, about
 * 44 million per function, plus all the patterns near 0, 1 and the overflow thresholds) against
 * the float64 reference (StrictMath; its own error, below 1e-16 relative, is 1e-9 of a float32
 * ulp). {@code -Dquiver.exhaustive=true} runs all 2^32 inputs instead (minutes per function).
 * float64: random inputs over each function's working range and over all bit patterns, plus
 * special values, against references computed with BigDecimal to 40 digits.
 */
class MathAccuracyTest {
    /** Stated bounds in ulps (see MathF64's Javadoc): exp, log, tanh, sigmoid. */
    static final double EXP_ULPS = 1.1, LOG_ULPS = 1, TANH_ULPS = 2, SIGMOID_ULPS = 2.5;

    // ------------------------------------------------------------------ float32

    interface F32 {
        float apply(float x);
    }

    static double sigmoidRef(double x) {
        return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    /** Max ulp error of f against ref over the inputs {@code bits = start + k * step}; exact special cases. */
    static double[] sweep32(F32 f, DoubleUnaryOperator ref, long start, long end, long step) {
        double worst = 0, worstX = Double.NaN;
        for (long b = start; b < end; b += step) {
            float x = Float.intBitsToFloat((int) b);
            float got = f.apply(x);
            double exact = ref.applyAsDouble(x);
            float rounded = (float) exact;
            if (Float.isNaN(rounded) || Float.isInfinite(rounded) || Float.isNaN(got) || Float.isInfinite(got)) {
                if (Float.compare(rounded, got) != 0 && !(Float.isNaN(rounded) && Float.isNaN(got))) {
                    fail("f32(" + x + "): expected " + rounded + " but got " + got);
                }
                continue;
            }
            double ulp = Math.ulp(rounded == 0 ? Float.MIN_VALUE : rounded);
            // An ulp below a power of two is half the one above: measure in the smaller one.
            if (Math.abs(rounded) == Math.scalb(1f, Math.getExponent(rounded)) && Math.abs(exact) < Math.abs(rounded)) {
                ulp /= 2;
            }
            double err = Math.abs(got - exact) / Math.max(ulp, Float.MIN_VALUE);
            if (err > worst) {
                worst = err;
                worstX = x;
            }
        }
        return new double[] {worst, worstX};
    }

    static void check32(String name, F32 f, DoubleUnaryOperator ref, double bound) {
        boolean exhaustive = Boolean.getBoolean("quiver.exhaustive");
        long step = exhaustive ? 1 : 97;
        double[] w = sweep32(f, ref, Integer.MIN_VALUE, (long) Integer.MAX_VALUE + 1, step);
        // Dense near the interesting points: every pattern around +-0, +-1, and a band in the middle.
        for (float c : new float[] {0f, 1f, 0.625f, 88.5f, -87.5f, -103f, 10f}) {
            for (float s : new float[] {c, -c}) {
                long b = Float.floatToRawIntBits(s);
                double[] v = sweep32(f, ref, b - 50_000, b + 50_000, 1);
                if (v[0] > w[0]) w = v;
            }
        }
        System.out.printf("float32 %s: max error %.4f ulp at x=%s (%s; bound %s)%n", name, w[0], (float) w[1],
                exhaustive ? "all 2^32 inputs" : "every 97th input", bound);
        assertTrue(w[0] <= bound, "float32 " + name + ": " + w[0] + " ulp at " + (float) w[1]);
    }

    @Test
    void exp32() {
        check32("exp", MathF32::exp, StrictMath::exp, EXP_ULPS);
    }

    @Test
    void log32() {
        check32("log", MathF32::log, StrictMath::log, LOG_ULPS);
    }

    @Test
    void tanh32() {
        check32("tanh", MathF32::tanh, StrictMath::tanh, TANH_ULPS);
    }

    @Test
    void sigmoid32() {
        check32("sigmoid", MathF32::sigmoid, MathAccuracyTest::sigmoidRef, SIGMOID_ULPS);
    }

    // ------------------------------------------------------------------ float64

    static final MathContext MC = new MathContext(45, RoundingMode.HALF_EVEN);
    static final BigDecimal LN2 = new BigDecimal("0.69314718055994530941723212145817656807550013436025525412068");

    static BigDecimal expBig(BigDecimal x) {
        BigInteger k = x.divide(LN2, MC).setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
        BigDecimal r = x.subtract(LN2.multiply(new BigDecimal(k)), MC);
        BigDecimal sum = BigDecimal.ONE, term = BigDecimal.ONE;
        for (int i = 1; i < 60; i++) {
            term = term.multiply(r, MC).divide(BigDecimal.valueOf(i), MC);
            sum = sum.add(term, MC);
            if (term.signum() == 0 || term.abs().compareTo(sum.abs().movePointLeft(50)) < 0) break;
        }
        int ki = k.intValueExact();
        BigDecimal two = BigDecimal.valueOf(2);
        return ki >= 0 ? sum.multiply(two.pow(ki), MC) : sum.divide(two.pow(-ki), MC);
    }

    static BigDecimal logBig(double x) {
        int e = Math.getExponent(x);
        if (e < Double.MIN_EXPONENT) e = Math.getExponent(x * 0x1p60) - 60;
        BigDecimal m = new BigDecimal(x).divide(BigDecimal.valueOf(2).pow(e + 1075), MC).multiply(BigDecimal.valueOf(2).pow(1075), MC);
        if (m.compareTo(new BigDecimal("1.4142135623730950488")) > 0) {
            m = m.divide(BigDecimal.valueOf(2), MC);
            e++;
        }
        BigDecimal s = m.subtract(BigDecimal.ONE).divide(m.add(BigDecimal.ONE), MC), s2 = s.multiply(s, MC);
        BigDecimal sum = BigDecimal.ZERO, pow = s;
        for (int i = 1; i < 400; i += 2) {
            BigDecimal term = pow.divide(BigDecimal.valueOf(i), MC);
            sum = sum.add(term, MC);
            if (term.signum() == 0 || term.abs().compareTo(sum.abs().movePointLeft(50)) < 0) break;
            pow = pow.multiply(s2, MC);
        }
        return sum.multiply(BigDecimal.valueOf(2)).add(LN2.multiply(BigDecimal.valueOf(e)), MC);
    }

    static BigDecimal tanhBig(double x) {
        BigDecimal bx = new BigDecimal(x);
        if (Math.abs(x) < 1e-6) { // x - x^3/3 + 2x^5/15: the next term is 1e-36 of x
            BigDecimal x2 = bx.multiply(bx, MC);
            return bx.subtract(bx.multiply(x2, MC).divide(BigDecimal.valueOf(3), MC), MC)
                    .add(bx.multiply(x2, MC).multiply(x2, MC).multiply(BigDecimal.valueOf(2)).divide(BigDecimal.valueOf(15), MC), MC);
        }
        if (Math.abs(x) > 40) return BigDecimal.valueOf(Math.signum(x));
        BigDecimal e = expBig(bx.multiply(BigDecimal.valueOf(2)));
        return e.subtract(BigDecimal.ONE).divide(e.add(BigDecimal.ONE), MC);
    }

    static BigDecimal sigmoidBig(double x) {
        if (x < -800) return BigDecimal.ZERO;
        if (x > 800) return BigDecimal.ONE;
        return BigDecimal.ONE.divide(BigDecimal.ONE.add(expBig(new BigDecimal(-x))), MC);
    }

    /** Ulp error of got against the exact value, measured in ulps of the double nearest to it. */
    static double ulpError(double got, BigDecimal exact) {
        double rounded = exact.doubleValue();
        double ulp = Math.ulp(rounded == 0 ? Double.MIN_VALUE : rounded);
        if (Math.abs(rounded) == Math.scalb(1.0, Math.getExponent(rounded)) && exact.abs().compareTo(new BigDecimal(Math.abs(rounded))) < 0) {
            ulp /= 2;
        }
        return new BigDecimal(got).subtract(exact).abs().divide(new BigDecimal(Math.max(ulp, Double.MIN_VALUE)), MC).doubleValue();
    }

    interface Exact {
        BigDecimal at(double x);
    }

    static void check64(String name, DoubleUnaryOperator f, Exact exact, DoubleUnaryOperator inRange,
                        double lo, double hi, double bound, int samples) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        double worst = 0, worstX = Double.NaN;
        for (int i = 0; i < samples; i++) {
            double x = switch (i % 3) {
                case 0 -> random.nextDouble(lo, hi);
                case 1 -> inRange.applyAsDouble(Double.longBitsToDouble(random.nextLong()));
                default -> random.nextDouble(-1, 1) * Math.pow(2, -random.nextInt(0, 1075));
            };
            double got = f.applyAsDouble(x);
            BigDecimal e;
            try {
                e = Double.isNaN(x) ? null : exact.at(x);
            } catch (ArithmeticException outsideDomain) {
                e = null;
            } catch (IllegalStateException skip) {
                continue;
            }
            if (e == null) {
                assertTrue(Double.isNaN(got), name + "(" + x + ") = " + got + ", expected NaN");
                continue;
            }
            if (Double.isNaN(got)) fail(name + "(" + x + ") = NaN");
            if (Double.isInfinite(got)) {
                assertTrue(Double.isInfinite(e.doubleValue()), name + "(" + x + ") = " + got + ", expected " + e);
                continue;
            }
            double err = ulpError(got, e);
            if (err > worst) {
                worst = err;
                worstX = x;
            }
        }
        System.out.printf("float64 %s: max error %.4f ulp at x=%s (%d samples; bound %s)%n", name, worst, worstX, samples, bound);
        assertTrue(worst <= bound, "float64 " + name + ": " + worst + " ulp at " + worstX);
    }

    static final int SAMPLES64 = Integer.getInteger("quiver.samples64", 30_000);

    @Test
    void exp64() {
        check64("exp", MathF64::exp, x -> expBig(new BigDecimal(x)), x -> Math.IEEEremainder(x, 800), -746, 710, EXP_ULPS, SAMPLES64);
    }

    @Test
    void log64() {
        check64("log", MathF64::log, x -> {
            if (x == 0) throw new IllegalStateException("-inf: checked in specialValues");
            if (!(x > 0)) throw new ArithmeticException();
            return logBig(x);
        }, Math::abs, 0, 10, LOG_ULPS, SAMPLES64);
    }

    @Test
    void tanh64() {
        check64("tanh", MathF64::tanh, MathAccuracyTest::tanhBig, x -> Math.IEEEremainder(x, 50), -20, 20, TANH_ULPS, SAMPLES64);
    }

    @Test
    void sigmoid64() {
        check64("sigmoid", MathF64::sigmoid, MathAccuracyTest::sigmoidBig, x -> Math.IEEEremainder(x, 1600), -750, 750, SIGMOID_ULPS, SAMPLES64);
    }

    // ------------------------------------------------------------------ special values

    @Test
    void specialValues() {
        double inf = Double.POSITIVE_INFINITY;
        double[][] cases = { // x, exp, log, tanh, sigmoid
                {0.0, 1, -inf, 0.0, 0.5}, {-0.0, 1, -inf, -0.0, 0.5},
                {inf, inf, inf, 1, 1}, {-inf, 0.0, Double.NaN, -1, 0.0},
                {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN},
                {-1, Math.exp(-1), Double.NaN, Math.tanh(-1), 1 / (1 + Math.E)},
                {1000, inf, Math.log(1000), 1, 1}, {-1000, 0.0, Double.NaN, -1, 0.0},
                {Double.MIN_VALUE, 1, Math.log(Double.MIN_VALUE), Double.MIN_VALUE, 0.5},
                {-Double.MIN_VALUE, 1, Double.NaN, -Double.MIN_VALUE, 0.5},
                {Double.MAX_VALUE, inf, Math.log(Double.MAX_VALUE), 1, 1},
        };
        for (double[] c : cases) {
            double x = c[0];
            assertBits(c[1], MathF64.exp(x), "exp", x);
            assertBits(c[2], MathF64.log(x), "log", x);
            assertBits(c[3], MathF64.tanh(x), "tanh", x);
            assertBits(c[4], MathF64.sigmoid(x), "sigmoid", x);
            float xf = (float) x;
            if (Math.abs(x) < 1e6 && (float) x == x || Double.isNaN(x) || Double.isInfinite(x)) {
                assertBits((float) c[1], MathF32.exp(xf), "exp32", x);
                assertBits((float) c[3], MathF32.tanh(xf), "tanh32", x);
                assertBits((float) c[4], MathF32.sigmoid(xf), "sigmoid32", x);
            }
        }
        assertEquals(Float.NEGATIVE_INFINITY, MathF32.log(0f));
        assertEquals(Float.NEGATIVE_INFINITY, MathF32.log(-0f));
        assertTrue(Float.isNaN(MathF32.log(-1f)));
        assertEquals(Float.POSITIVE_INFINITY, MathF32.log(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, MathF32.exp(89f));
        assertEquals(0f, MathF32.exp(-104f));
        assertEquals(Float.MIN_VALUE, MathF32.exp(-103.5f)); // the smallest subnormal, rounded once
        assertEquals(0x1p-149f, MathF32.sigmoid(-103.5f));
    }

    static void assertBits(double expected, double got, String what, double x) {
        boolean close = Double.isNaN(expected) ? Double.isNaN(got)
                : expected == got && (expected != 0 || Double.compare(expected, got) == 0)
                || !Double.isInfinite(expected) && expected != 0 && Math.abs(got - expected) <= 2 * Math.ulp(expected);
        assertTrue(close, what + "(" + x + "): expected " + expected + " but got " + got);
    }

    static void assertBits(float expected, float got, String what, double x) {
        boolean close = Float.isNaN(expected) ? Float.isNaN(got)
                : expected == got && (expected != 0 || Float.compare(expected, got) == 0)
                || !Float.isInfinite(expected) && expected != 0 && Math.abs(got - expected) <= 2 * Math.ulp(expected);
        assertTrue(close, what + "(" + x + "): expected " + expected + " but got " + got);
    }

    @Test
    @EnabledIfSystemProperty(named = "quiver.exhaustive", matches = "true")
    void exhaustiveIsOn() {
        System.out.println("quiver.exhaustive=true: the float32 sweeps above covered all 2^32 inputs");
    }
}
