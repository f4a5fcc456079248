package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every non-GEMM SIMD kernel against the float64 reference definitions ({@link UnaryOp#apply},
 * {@link BinaryOp#apply}, plain loops for reductions), for both dtypes, on sizes that hit the
 * main loop, the masked tail and both at every vector width, on strides 1, 2, -1 and 0, with
 * and without accumulation. Elements outside the strided run must be left untouched.
 *
 * <p>Exact ops must match bit for bit (for float32: the float64 result rounded to float, which is
 * what one float operation gives). exp/log/tanh/sigmoid/pow and the fused float32 gradients get
 * the tolerances below; TranscendentalUlpTest measures the transcendental bounds more widely.
 * CI runs this class at the preferred width and again at 128 and 256 bits (engine-simd/pom.xml).
 */
class SimdKernelsAgreementTest {
    static final int[] SIZES = {0, 1, 3, 13, 17, 67, 207, 4098};
    static final int[] STRIDES = {1, 2, -1, 0};
    static final double SENTINEL = -12345.5;

    final Backend simd = Backends.create("simd", 1);
    final SplittableRandom random = new SplittableRandom(20261127);

    /** Strided run of n elements with stride s, surrounded by sentinels. */
    record Run(double[] data, int off, int stride, int n) {
        static Run of(int n, int stride, int pad) {
            int span = n == 0 ? 1 : (n - 1) * Math.abs(stride) + 1;
            double[] data = new double[span + 2 * pad];
            java.util.Arrays.fill(data, SENTINEL);
            int off = stride < 0 ? pad + span - 1 : pad;
            return new Run(data, off, stride, n);
        }

        int at(int i) {
            return off + i * stride;
        }

        double get(int i) {
            return data[at(i)];
        }

        void set(int i, double v) {
            data[at(i)] = v;
        }

        /** Positions not in the run must still hold the sentinel. */
        void assertOutsideUntouched(String what) {
            boolean[] inside = new boolean[data.length];
            for (int i = 0; i < n; i++) inside[at(i)] = true;
            for (int p = 0; p < data.length; p++) {
                if (!inside[p] && Double.doubleToLongBits(data[p]) != Double.doubleToLongBits(SENTINEL)) {
                    fail(what + ": wrote outside the run at position " + p + " (" + data[p] + ")");
                }
            }
        }
    }

    // ------------------------------------------------------------ inputs

    static final double[] SPECIALS = {0.0, -0.0, 1.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE, 1e-310, Float.MIN_VALUE, 0.5, 2.0};

    double sample(Object op) {
        if (random.nextInt(10) == 0) return SPECIALS[random.nextInt(SPECIALS.length)];
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT) return Math.exp(random.nextDouble(-60, 60));
        if (op == UnaryOp.EXP) return random.nextDouble(-100, 100);
        // Sigmoid also where exp(-x) overflows (x < -709 in float64, x < -88.7 in float32).
        if (op == UnaryOp.SIGMOID && random.nextBoolean()) return random.nextDouble(-750, 750);
        if (op == UnaryOp.TANH || op == UnaryOp.SIGMOID) return random.nextDouble(-25, 25);
        // A composite: its definition's domain, where its bound is stated (far outside, e.g. silu(-96)
        // in float32, a product with a subnormal sigmoid has subnormal, not relative, accuracy).
        if (op instanceof UnaryOp u && !u.isPrimitive()) return random.nextDouble(u.domain().lo(), u.domain().hi());
        if (op == BinaryOp.POW) return random.nextDouble(0, 8);
        if (op == BinaryOp.TANH_GRAD || op == BinaryOp.SIGMOID_GRAD) return random.nextDouble(-1, 1);
        return random.nextDouble(-4, 4) * (random.nextBoolean() ? 1 : 1e3);
    }

    Run input(int n, int stride, Object op, Precision p) {
        Run r = Run.of(n, stride, 3);
        if (stride == 0 && n > 0) r.set(0, p.round(sample(op)));
        else for (int i = 0; i < n; i++) r.set(i, p.round(sample(op)));
        return r;
    }

    // ------------------------------------------------------------ tolerances (in ulps of the dtype)

    static double ulpTolerance(UnaryOp op, Precision p) {
        return switch (op) {
            // Libm's bound (LibmAccuracyTest) plus the reference's own error (java.lang.Math: 1 ulp, tanh 2.5)
            case EXP, LOG -> 2;
            case TANH, SIGMOID -> 3;
            // a composite: its definition's bound, plus the reference's own (the same formula over java.lang.Math)
            default -> op.isPrimitive() ? 0 : 2 * op.accuracy().ulps();
        };
    }

    static double ulpTolerance(BinaryOp op, Precision p) {
        return op == BinaryOp.POW ? 1 : 0;
    }

    /**
     * Checks got against the exact-ish reference: bit-equal (NaN matches any NaN) when tolUlps is
     * 0, else within tolUlps ulps of the function value plus, when accumulating, one ulp of the sum.
     */
    /** As {@link #check(String, Precision, double, double, double, double, boolean)} for element i (message built only on failure). */
    static void check(String what, int i, Precision p, double expected, double got, double tolUlps, double functionValue,
                      boolean accumulated) {
        if (Double.isNaN(expected) && Double.isNaN(got)) return;
        if (Double.doubleToLongBits(expected) == Double.doubleToLongBits(got)) return;
        check(what + " at " + i, p, expected, got, tolUlps, functionValue, accumulated);
    }

    static void check(String what, Precision p, double expected, double got, double tolUlps, double functionValue,
                      boolean accumulated) {
        if (Double.isNaN(expected) || Double.isNaN(got)) {
            if (Double.isNaN(expected) != Double.isNaN(got)) fail(what + ": expected " + expected + " but got " + got);
            return;
        }
        if (tolUlps == 0 || Double.isInfinite(expected) || Double.isInfinite(functionValue)) {
            if (Double.doubleToLongBits(expected) != Double.doubleToLongBits(got)) {
                if (tolUlps == 0 || Double.isInfinite(expected)) fail(what + ": expected " + expected + " but got " + got);
            }
            if (tolUlps == 0 || Double.isInfinite(expected)) return;
        }
        double tol = tolUlps * p.ulp(functionValue) + (accumulated ? p.ulp(expected) : 0);
        if (!(Math.abs(got - expected) <= tol)) {
            fail(what + ": expected " + expected + " but got " + got + " (off by "
                    + Math.abs(got - expected) / p.ulp(expected) + " ulp; allowed " + tolUlps + ")");
        }
    }

    // ------------------------------------------------------------ unary

    @ParameterizedTest
    @EnumSource(Precision.class)
    void unaryMatchesReference(Precision p) {
        for (UnaryOp op : UnaryOp.values())
            for (int n : SIZES)
                for (int xs : STRIDES)
                    for (int ys : new int[] {1, 2, -1})
                        for (boolean acc : new boolean[] {false, true}) {
                            Run x = input(n, xs, op, p);
                            Run y = Run.of(n, ys, 2);
                            double[] before = new double[n];
                            for (int i = 0; i < n; i++) {
                                before[i] = acc ? p.round(random.nextDouble(-2, 2)) : SENTINEL;
                                y.set(i, before[i]);
                            }
                            p.unary(simd, op, n, x.data, x.off, xs, y.data, y.off, ys, acc);
                            String what = p + " " + op + " n=" + n + " xs=" + xs + " ys=" + ys + " acc=" + acc;
                            for (int i = 0; i < n; i++) {
                                double f = p.round(op.apply(x.get(i)));
                                double expected = acc ? p.round(before[i] + f) : f;
                                check(what, i, p, expected, y.get(i), ulpTolerance(op, p), f, acc);
                            }
                            y.assertOutsideUntouched(what);
                        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void unaryInPlace(Precision p) {
        for (UnaryOp op : new UnaryOp[] {UnaryOp.SQUARE, UnaryOp.NEG, UnaryOp.RELU})
            for (int n : SIZES) {
                Run x = input(n, 1, op, p);
                double[] original = x.data.clone();
                p.unary(simd, op, n, x.data, x.off, 1, x.data, x.off, 1, false);
                for (int i = 0; i < n; i++) {
                    check(p + " in-place " + op + " n=" + n, p, p.round(op.apply(original[x.at(i)])), x.get(i), 0, 0, false);
                }
            }
    }

    // ------------------------------------------------------------ binary

    static final int[][] BINARY_STRIDES = {{1, 1, 1}, {0, 1, 1}, {1, 0, 1}, {0, 0, 1}, {2, 1, 1}, {-1, 2, -1},
            {1, 1, 2}, {2, -1, 1}, {1, 0, -1}};

    @ParameterizedTest
    @EnumSource(Precision.class)
    void binaryMatchesReference(Precision p) {
        for (BinaryOp op : BinaryOp.values())
            for (int n : SIZES)
                for (int[] s : BINARY_STRIDES)
                    for (boolean acc : new boolean[] {false, true}) {
                        Run a = input(n, s[0], op, p);
                        Run b = input(n, s[1], op == BinaryOp.POW ? UnaryOp.SIGN : op, p);
                        if (op == BinaryOp.POW) for (int i = 0; i < n && s[1] != 0; i++) b.set(i, p.round(b.get(i) * 1.3));
                        Run c = Run.of(n, s[2], 2);
                        double[] before = new double[n];
                        for (int i = 0; i < n; i++) {
                            before[i] = acc ? p.round(random.nextDouble(-2, 2)) : SENTINEL;
                            c.set(i, before[i]);
                        }
                        p.binary(simd, op, n, a.data, a.off, s[0], b.data, b.off, s[1], c.data, c.off, s[2], acc);
                        String what = p + " " + op + " n=" + n + " strides=" + java.util.Arrays.toString(s) + " acc=" + acc;
                        for (int i = 0; i < n; i++) {
                            double av = a.get(s[0] == 0 ? 0 : i), bv = b.get(s[1] == 0 ? 0 : i);
                            double f = p.round(op.apply(av, bv));
                            double expected = acc ? p.round(before[i] + f) : f;
                            if (p == Precision.F32 && (op == BinaryOp.TANH_GRAD || op == BinaryOp.SIGMOID_GRAD)
                                    && Double.isFinite(expected)) {
                                // Three float roundings instead of one: bound by the magnitudes involved.
                                double magnitude = op == BinaryOp.TANH_GRAD
                                        ? Math.abs(bv) * (1 + av * av) : Math.abs(bv * av) * (1 + Math.abs(av));
                                double tol = 4 * p.unitRoundoff * magnitude + (acc ? 2 : 1) * p.ulp(expected);
                                if (!(Math.abs(c.get(i) - expected) <= tol)) {
                                    fail(what + " at " + i + " a=" + av + " b=" + bv + ": expected " + expected + " +- " + tol + " but got " + c.get(i));
                                }
                            } else {
                                check(what, i, p, expected, c.get(i), ulpTolerance(op, p), f, acc);
                            }
                        }
                        c.assertOutsideUntouched(what);
                    }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void binaryInPlaceOnEitherOperand(Precision p) {
        for (int n : SIZES) {
            Run a = input(n, 1, BinaryOp.SUB, p);
            Run b = input(n, 1, BinaryOp.SUB, p);
            double[] a0 = a.data.clone(), b0 = b.data.clone();
            p.binary(simd, BinaryOp.SUB, n, a.data, a.off, 1, b.data, b.off, 1, a.data, a.off, 1, false);
            for (int i = 0; i < n; i++) check("a -= b", p, p.round(a0[a.at(i)] - b0[b.at(i)]), a.get(i), 0, 0, false);
            p.binary(simd, BinaryOp.MUL, n, a0, a.off, 1, b.data, b.off, 1, b.data, b.off, 1, true);
            for (int i = 0; i < n; i++) {
                double expected = p.round(b0[b.at(i)] + p.round(a0[a.at(i)] * b0[b.at(i)]));
                check("b += a*b", p, expected, b.get(i), 0, 0, false);
            }
        }
    }

    // ------------------------------------------------------------ reductions, argmax

    @ParameterizedTest
    @EnumSource(Precision.class)
    void reductionsMatchReference(Precision p) {
        for (ReduceOp op : ReduceOp.values())
            for (int n : SIZES)
                for (int xs : STRIDES) {
                    Run x = Run.of(n, xs, 2);
                    for (int i = 0; i < n; i++) x.set(i, p.round(random.nextDouble(-10, 10)));
                    double exact = op.identity(), magnitude = 0;
                    for (int i = 0; i < n; i++) {
                        double v = x.get(i);
                        switch (op) {
                            case SUM -> exact += v;
                            case SUM_SQUARES -> exact += v * v;
                            case MAX -> exact = Math.max(exact, v);
                            case MIN -> exact = Math.min(exact, v);
                        }
                        magnitude += op == ReduceOp.SUM_SQUARES ? v * v : Math.abs(v);
                    }
                    double got = p.reduce(simd, op, n, x.data, x.off, xs);
                    String what = p + " " + op + " n=" + n + " xs=" + xs;
                    if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
                        assertEquals(p.round(exact), got, 0, what);
                    } else {
                        // The float64 reference loop itself errs by at most n*2^-53*magnitude.
                        double tol = p.sumTolerance(n, magnitude) + n * 0x1p-53 * magnitude;
                        assertTrue(Math.abs(got - exact) <= tol, what + ": expected " + exact + " +- " + tol + " but got " + got);
                    }
                    assertEquals(got, p.reduce(simd, op, n, x.data, x.off, xs), 0, what + ": not reproducible");
                }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void maxAndMinPropagateNaNAndOrderSignedZeros(Precision p) {
        for (int n : SIZES) {
            if (n == 0) continue;
            for (int xs : STRIDES) {
                if (xs == 0 && n > 1) continue;
                for (int nanAt : new int[] {0, n / 2, n - 1}) {
                    Run x = Run.of(n, xs, 2);
                    for (int i = 0; i < n; i++) x.set(i, p.round(random.nextDouble(-10, 10)));
                    x.set(nanAt, Double.NaN);
                    String what = p + " n=" + n + " xs=" + xs + " NaN at " + nanAt;
                    assertTrue(Double.isNaN(p.reduce(simd, ReduceOp.MAX, n, x.data, x.off, xs)), "MAX " + what);
                    assertTrue(Double.isNaN(p.reduce(simd, ReduceOp.MIN, n, x.data, x.off, xs)), "MIN " + what);
                    assertTrue(Double.isNaN(p.reduce(simd, ReduceOp.SUM, n, x.data, x.off, xs)), "SUM " + what);
                    assertEquals(nanAt, p.argmax(simd, n, x.data, x.off, xs), "argmax " + what);
                }
            }
        }
        double[] zeros = {-0.0, 0.0, -0.0};
        assertEquals(0.0, p.reduce(simd, ReduceOp.MAX, 3, zeros, 0, 1), 0);
        assertEquals(Double.doubleToLongBits(0.0), Double.doubleToLongBits(p.reduce(simd, ReduceOp.MAX, 3, zeros, 0, 1)));
        assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(p.reduce(simd, ReduceOp.MIN, 3, zeros, 0, 1)));
        assertEquals(Double.NEGATIVE_INFINITY, p.reduce(simd, ReduceOp.MAX, 0, zeros, 0, 1));
        assertEquals(Double.POSITIVE_INFINITY, p.reduce(simd, ReduceOp.MIN, 0, zeros, 0, 1));
        assertEquals(0.0, p.reduce(simd, ReduceOp.SUM, 0, zeros, 0, 1));
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void argmaxIsTheFirstMaximum(Precision p) {
        for (int n : SIZES)
            for (int xs : STRIDES) {
                Run x = Run.of(n, xs, 2);
                // Few distinct values, so ties are common.
                for (int i = 0; i < n; i++) x.set(i, random.nextInt(-3, 4));
                int expected = -1;
                double best = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    if (expected < 0 || x.get(i) > best) {
                        expected = i;
                        best = x.get(i);
                    }
                }
                assertEquals(expected, p.argmax(simd, n, x.data, x.off, xs), p + " n=" + n + " xs=" + xs);
            }
        double[] allNegInf = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        assertEquals(0, p.argmax(simd, 2, allNegInf, 0, 1));
    }

    // ------------------------------------------------------------ axpby, fill

    @ParameterizedTest
    @EnumSource(Precision.class)
    void axpbyMatchesReference(Precision p) {
        double[][] coefficients = {{2.5, 0}, {-1.25, 0.75}, {1, 1}, {0, 3}};
        for (double[] ab : coefficients)
            for (int n : SIZES)
                for (int xs : STRIDES)
                    for (int ys : new int[] {1, 2, -1}) {
                        double alpha = ab[0], beta = ab[1];
                        Run x = input(n, xs, BinaryOp.ADD, p);
                        Run y = Run.of(n, ys, 2);
                        double[] before = new double[n];
                        for (int i = 0; i < n; i++) {
                            // NaN where y must not be read (beta == 0).
                            before[i] = beta == 0 ? Double.NaN : p.round(random.nextDouble(-5, 5));
                            y.set(i, before[i]);
                        }
                        p.axpby(simd, n, alpha, x.data, x.off, xs, beta, y.data, y.off, ys);
                        String what = p + " axpby " + alpha + "," + beta + " n=" + n + " xs=" + xs + " ys=" + ys;
                        for (int i = 0; i < n; i++) {
                            double xv = x.get(xs == 0 ? 0 : i);
                            double expected = beta == 0 ? p.round(alpha * xv)
                                    : p.round(p.round(alpha * xv) + p.round(beta * before[i]));
                            check(what, i, p, expected, y.get(i), 0, 0, false);
                        }
                        y.assertOutsideUntouched(what);
                    }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void fillWritesExactlyTheRun(Precision p) {
        for (int n : SIZES)
            for (int ys : new int[] {1, 2, -1}) {
                Run y = Run.of(n, ys, 2);
                p.fill(simd, n, 0.25, y.data, y.off, ys);
                for (int i = 0; i < n; i++) assertEquals(0.25, y.get(i), 0, p + " fill n=" + n + " ys=" + ys);
                y.assertOutsideUntouched(p + " fill n=" + n + " ys=" + ys);
            }
    }

    @Test
    void vectorWidthFollowsTheProperty() {
        String forced = System.getProperty(SimdSettings.BITS_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            assertEquals(Integer.parseInt(forced.trim()), SimdBackend.vectorBits());
            assertTrue(simd.description().contains(forced.trim() + "-bit"), simd.description());
        } else {
            assertEquals(SimdShape.preferredBits(), SimdBackend.vectorBits());
        }
    }

    @Test
    void providerIsSupportedHereAndBuildsTheBackend() {
        var provider = new SimdProvider();
        assertEquals(java.util.Optional.empty(), provider.unsupportedReason());
        List<String> names = new ArrayList<>(Backends.available());
        assertTrue(names.contains("simd"), names.toString());
        assertEquals("simd", provider.create(2).name());
        assertEquals(2, provider.create(2).threads());
    }
}
