package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The SIMD backend's exp, log, tanh and sigmoid through a JVM's life: the first calls (interpreter,
 * C1) and the C2-compiled loop after a few thousand calls must give the scalar backend's bits
 * ({@link dev.quiver.kernel.internal.Libm}) on every input, and stay within Libm's bounds of StrictMath
 * (fdlibm). Inputs: random bit patterns (huge, tiny, subnormal, NaN), dense samples of each op's
 * working range, values near zero, and +-0, +-inf, NaN, MIN_VALUE, MIN_NORMAL, MAX_VALUE.
 *
 * <p>Bounds asserted, in ulps of StrictMath's value (float32: rounded to float), which itself errs
 * by up to 1 ulp in float64 and 0.5 in float32 (LibmAccuracyTest measures against exact values):
 * <pre>
 *            float64   float32
 *   exp        2         1.5
 *   log        2         1.5
 *   tanh       3         3
 *   sigmoid    3         2.5
 * </pre>
 * Before Libm this test measured the JDK's SVML kernels, which differed from their own per-lane
 * interpreter fallback (java.lang.Math) in the last bit for a few percent of inputs.
 */
class TranscendentalUlpTest {
    static final int N = 4096;
    static final int WARMUP_CALLS = 3000;

    final Backend simd = Backends.create("simd", 1);
    final Backend scalar = Backends.create("scalar", 1);

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    @Test
    void exp() {
        measure(UnaryOp.EXP, StrictMath::exp, -746, 710, -104, 89, 2, 1.5);
    }

    @Test
    void log() {
        measure(UnaryOp.LOG, StrictMath::log, 0, 10, 0, 10, 2, 1.5);
    }

    @Test
    void tanh() {
        measure(UnaryOp.TANH, StrictMath::tanh, -20, 20, -10, 10, 3, 3);
    }

    @Test
    void sigmoid() {
        measure(UnaryOp.SIGMOID, TranscendentalUlpTest::sigmoid, -750, 750, -110, 110, 3, 2.5);
    }

    /** Samples inputs for one op, checks both dtypes against the reference, and prints the worst case. */
    void measure(UnaryOp op, DoubleUnaryOperator reference, double lo64, double hi64, double lo32, double hi32,
                 double bound64, double bound32) {
        for (Precision p : Precision.values()) {
            double lo = p == Precision.F64 ? lo64 : lo32, hi = p == Precision.F64 ? hi64 : hi32;
            SplittableRandom random = new SplittableRandom(op.ordinal() * 31L + p.ordinal());
            double worst = 0, worstX = Double.NaN;
            int rounds = 40;
            for (int round = 0; round < rounds; round++) {
                double[] x = new double[N];
                for (int i = 0; i < N; i++) {
                    x[i] = p.round(switch (i % 4) {
                        case 0 -> Double.longBitsToDouble(random.nextLong()); // anything, incl. NaN and denormals
                        case 1 -> random.nextDouble(lo, hi);
                        case 2 -> random.nextDouble(-1, 1) * Math.pow(2, -random.nextInt(0, 1100)); // near zero
                        default -> SPECIAL[random.nextInt(SPECIAL.length)] * (random.nextBoolean() ? 1 : -1);
                    });
                }
                if (op == UnaryOp.LOG) for (int i = 1; i < N; i += 4) x[i] = p.round(Math.exp(random.nextDouble(-745, 709)));
                double[] y = new double[N];
                int calls = round == 0 ? 1 : round == 1 ? WARMUP_CALLS : 1;
                for (int c = 0; c < calls; c++) p.unary(simd, op, N, x, 0, 1, y, 0, 1, false);
                double[] z = new double[N];
                p.unary(scalar, op, N, x, 0, 1, z, 0, 1, false);
                for (int i = 0; i < N; i++) {
                    if (Double.doubleToLongBits(y[i]) != Double.doubleToLongBits(z[i])) {
                        fail(p + " " + op + "(" + x[i] + ") in round " + round + ": SIMD " + y[i] + ", scalar " + z[i]);
                    }
                }
                for (int i = 0; i < N; i++) {
                    double expected = p.round(reference.applyAsDouble(x[i]));
                    double got = y[i];
                    if (Double.isNaN(expected) || Double.isInfinite(expected) || expected == 0 && got == 0) {
                        if (Double.compare(expected, got) != 0 && !(expected == 0 && got == 0)) {
                            fail(p + " " + op + "(" + x[i] + "): expected " + expected + " but got " + got);
                        }
                        continue;
                    }
                    double ulps = Math.abs(got - expected) / p.ulp(expected);
                    if (!(ulps <= worst)) {
                        worst = ulps;
                        worstX = x[i];
                    }
                }
            }
            double bound = p == Precision.F64 ? bound64 : bound32;
            System.out.printf("%s %s: max error %.3f ulp at x=%s (bound %s)%n", p, op, worst, worstX, bound);
            assertTrue(worst <= bound, p + " " + op + ": " + worst + " ulp at x=" + worstX + " exceeds the bound " + bound);
        }
    }

    static final double[] SPECIAL = {0.0, Double.POSITIVE_INFINITY, Double.NaN, Double.MIN_VALUE, Double.MIN_NORMAL,
            Double.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 1.0, 0.5, 88.72283, 709.782712893384,
            -745.1332191019412, 1e-8, 0.6931471805599453};
}
