package dev.quiver.kernel;

/**
 * Quiver's own exp, log, tanh and sigmoid in float64 (the float32 twin {@code MathF32} is generated
 * from this file by {@code tools/twins}): range reduction plus a polynomial, written only with
 * operations that java.lang.Math and the Vector API both round exactly as IEEE 754 says (add, sub,
 * mul, div, {@link Math#fma}, comparisons and selects, bit moves and integer shifts). So every
 * path that evaluates these formulas in this order gives the same bits: the scalar backend, the
 * SIMD backend at 128, 256 and 512 bits, interpreted or compiled by C1 or C2.
 *
 * <p>This file is the single definition. Each function body is a <em>formula</em>: one operation
 * per statement, in the restricted form {@code tools/formulas} understands; that tool translates
 * it into the Vector API lane code spliced into {@code SimdKernelsF64} (and, through the twins, into
 * {@code SimdKernelsF32}), where the kernels inline it (a vector passed across a call that C2 does
 * not inline gets boxed). {@code tools/twins --check} in CI fails when the generated code is stale.
 * Lines ending in {@code //[F64]} exist only in float64; lines starting with {@code //[F32]} only in
 * float32 (the polynomials' degrees and coefficients differ per dtype). The constants are public
 * only for the generated code.
 *
 * <p>Error bounds, in ulps of the exact result, measured by {@code TranscendentalAccuracyTest}
 * (float32: against a float64 reference over a dense sample of all 2^32 inputs, exhaustively with
 * {@code -Dquiver.exhaustive=true}; float64: against a BigDecimal-accurate reference over a dense
 * sample plus special values); see each method. Coefficients: Chebyshev fits from
 * {@code tools/fit-coefficients.py}.
 */
public final class MathF64 {
    private MathF64() {
    }

    public static final double ZERO = 0;
    public static final double ONE = 1;
    public static final double TWO = 2;
    public static final double HALF = (double) 0.5;
    public static final double NAN = Double.NaN;
    public static final double POS_INF = Double.POSITIVE_INFINITY;
    public static final double NEG_INF = Double.NEGATIVE_INFINITY;
    /** Bits of the significand's fraction (52; 23 in float32). */
    public static final int MANT_BITS = Double.PRECISION - 1;
    /** Exponent bias (1023; 127 in float32). */
    public static final int BIAS = Double.MAX_EXPONENT;
    public static final int BIAS_M1 = Double.MAX_EXPONENT - 1;
    /** 1.5 * 2^52: adding it rounds to an integer, whose value then sits in the low bits. */
    public static final double SHIFT = Math.scalb((double) 1.5, Double.PRECISION - 1);
    public static final long SHIFT_BITS = Double.doubleToRawLongBits(SHIFT); //[F64]
    //[F32] public static final int SHIFT_BITS = Double.doubleToRawLongBits(SHIFT);
    /** The sign bit. */
    public static final long SIGN_BITS = Double.doubleToRawLongBits((double) -0.0); //[F64]
    //[F32] public static final int SIGN_BITS = Double.doubleToRawLongBits((double) -0.0);
    public static final double LOG2E = (double) (1 / Math.log(2));
    /** ln 2 = LN2_HI + LN2_LO to twice the dtype's precision. */
    public static final double LN2_HI = (double) 0x1.62e42fefa39efp-1; //[F64]
    public static final double LN2_LO = (double) 0x1.abc9e3b39803fp-56; //[F64]
    //[F32] public static final double LN2_HI = (double) 0x1.62e43p-1;
    //[F32] public static final double LN2_LO = (double) -0x1.05c61p-29;
    public static final double NEG_LN2_HI = -LN2_HI;
    public static final double NEG_LN2_LO = -LN2_LO;
    /** exp overflows to +inf above (BIAS + 1.5) ln 2 and underflows to 0 below -(BIAS + P + 1.5) ln 2. */
    public static final double EXP_HI = (double) ((Double.MAX_EXPONENT + 1.5) * Math.log(2));
    public static final double EXP_LO = (double) (-(Double.MAX_EXPONENT + Double.PRECISION + 1.5) * Math.log(2));
    public static final double MIN_NORMAL = Double.MIN_NORMAL;
    /** 2^P, scales subnormal inputs of log to normal ones. */
    public static final double SCALE_UP = Math.scalb((double) 1, Double.PRECISION);
    public static final double MINUS_P = (double) -Double.PRECISION;
    public static final double SQRT_HALF = (double) Math.sqrt(0.5);
    /** tanh uses its odd polynomial below this |x|, 1 - 2/(e^{2|x|}+1) from here on. */
    public static final double TANH_SMALL = (double) 0.625;

    // EXP_C F64: degree 9, fit error 1.05e-16
    public static final double EXP_C0 = (double) 0x1.0000000000001p-1; //[F64]
    public static final double EXP_C1 = (double) 0x1.5555555555556p-3; //[F64]
    public static final double EXP_C2 = (double) 0x1.5555555553d68p-5; //[F64]
    public static final double EXP_C3 = (double) 0x1.11111111109b5p-7; //[F64]
    public static final double EXP_C4 = (double) 0x1.6c16c17889ef1p-10; //[F64]
    public static final double EXP_C5 = (double) 0x1.a01a01a7c2efep-13; //[F64]
    public static final double EXP_C6 = (double) 0x1.a019b9149a41cp-16; //[F64]
    public static final double EXP_C7 = (double) 0x1.71de0db2f6b19p-19; //[F64]
    public static final double EXP_C8 = (double) 0x1.28917c89a43a7p-22; //[F64]
    public static final double EXP_C9 = (double) 0x1.af389ecfc4b9cp-26; //[F64]
    // EXP_C F32: degree 4, fit error 6.49e-8
    //[F32] public static final double EXP_C0 = (double) 0x1.0000000000000p-1;
    //[F32] public static final double EXP_C1 = (double) 0x1.5554de0000000p-3;
    //[F32] public static final double EXP_C2 = (double) 0x1.55551a0000000p-5;
    //[F32] public static final double EXP_C3 = (double) 0x1.120b620000000p-7;
    //[F32] public static final double EXP_C4 = (double) 0x1.6d10fc0000000p-10;
    // LOG_C F64: degree 6, fit error 3.1e-16
    public static final double LOG_C0 = (double) 0x1.5555555555558p-1; //[F64]
    public static final double LOG_C1 = (double) 0x1.99999999952e2p-2; //[F64]
    public static final double LOG_C2 = (double) 0x1.2492492df148dp-2; //[F64]
    public static final double LOG_C3 = (double) 0x1.c71c62e5800a1p-3; //[F64]
    public static final double LOG_C4 = (double) 0x1.7462b4ab2ef6bp-3; //[F64]
    public static final double LOG_C5 = (double) 0x1.39fe606542ddep-3; //[F64]
    public static final double LOG_C6 = (double) 0x1.2b584aae78a57p-3; //[F64]
    // LOG_C F32: degree 2, fit error 1.88e-7
    //[F32] public static final double LOG_C0 = (double) 0x1.55555c0000000p-1;
    //[F32] public static final double LOG_C1 = (double) 0x1.997c300000000p-2;
    //[F32] public static final double LOG_C2 = (double) 0x1.2ee6100000000p-2;
    // TANH_C F64: degree 11, fit error 3.94e-18
    public static final double TANH_C0 = (double) -0x1.5555555555555p-2; //[F64]
    public static final double TANH_C1 = (double) 0x1.11111111110a8p-3; //[F64]
    public static final double TANH_C2 = (double) -0x1.ba1ba1ba0f126p-5; //[F64]
    public static final double TANH_C3 = (double) 0x1.664f487e0a749p-6; //[F64]
    public static final double TANH_C4 = (double) -0x1.226e3473dce5cp-7; //[F64]
    public static final double TANH_C5 = (double) 0x1.d6d39ae3905e2p-9; //[F64]
    public static final double TANH_C6 = (double) -0x1.7d9f6f23e8682p-10; //[F64]
    public static final double TANH_C7 = (double) 0x1.3526e9ed54da1p-11; //[F64]
    public static final double TANH_C8 = (double) -0x1.f243823c8c981p-13; //[F64]
    public static final double TANH_C9 = (double) 0x1.8445870f6fe41p-14; //[F64]
    public static final double TANH_C10 = (double) -0x1.05bbdae896297p-15; //[F64]
    public static final double TANH_C11 = (double) 0x1.b33642a122cddp-18; //[F64]
    // TANH_C F32: degree 5, fit error 1.6e-9
    //[F32] public static final double TANH_C0 = (double) -0x1.5555560000000p-2;
    //[F32] public static final double TANH_C1 = (double) 0x1.1110ea0000000p-3;
    //[F32] public static final double TANH_C2 = (double) -0x1.ba08c40000000p-5;
    //[F32] public static final double TANH_C3 = (double) 0x1.64a9760000000p-6;
    //[F32] public static final double TANH_C4 = (double) -0x1.116a160000000p-7;
    //[F32] public static final double TANH_C5 = (double) 0x1.2c83c00000000p-9;

    /**
     * e^x. Error below 1.1 ulp (measured max: float32 1.041 over every 97th input, float64 1.008);
     * exact
     * 1 at ±0; +inf above {@link #EXP_HI}, +0 below the subnormal range, subnormal results
     * rounded once; NaN for NaN.
     *
     * <p>x = n ln 2 + r with n = rint(x / ln 2) (the add of {@link #SHIFT} rounds), |r| <= ln2/2
     * by a two-part Cody-Waite reduction with FMA; e^r = 1 + r + r^2 Q(r); the result is
     * e^r 2^n1 2^n2 with n1 + n2 = n, both scales normal, so only the last multiply rounds
     * (subnormal results too).
     */
    public static double exp(double x) {
        double xc = x > EXP_HI ? EXP_HI : x;
        xc = xc < EXP_LO ? EXP_LO : xc;
        double k = Math.fma(xc, LOG2E, SHIFT);
        double kf = k - SHIFT;
        double r = Math.fma(kf, NEG_LN2_HI, xc);
        r = Math.fma(kf, NEG_LN2_LO, r);
        double q = Math.fma(EXP_C9, r, EXP_C8); //[F64]
        q = Math.fma(q, r, EXP_C7); //[F64]
        q = Math.fma(q, r, EXP_C6); //[F64]
        q = Math.fma(q, r, EXP_C5); //[F64]
        q = Math.fma(q, r, EXP_C4); //[F64]
        //[F32] double q = Math.fma(EXP_C4, r, EXP_C3);
        q = Math.fma(q, r, EXP_C3); //[F64]
        q = Math.fma(q, r, EXP_C2);
        q = Math.fma(q, r, EXP_C1);
        q = Math.fma(q, r, EXP_C0);
        double r2 = r * r;
        double t = Math.fma(r2, q, r);
        double p = t + ONE;
        // n in the low bits of k; split n = n1 + n2 and build 2^n1, 2^n2 from their bits.
        var kb = Double.doubleToRawLongBits(k);
        var n = kb - SHIFT_BITS;
        var n1 = n >> 1;
        var n2 = n - n1;
        var e1 = n1 + BIAS;
        var e2 = n2 + BIAS;
        var b1 = e1 << MANT_BITS;
        var b2 = e2 << MANT_BITS;
        double s1 = Double.longBitsToDouble(b1);
        double s2 = Double.longBitsToDouble(b2);
        double y = p * s1;
        y = y * s2;
        return y;
    }

    /**
     * Natural logarithm. Error below 1 ulp (measured max: float32 0.824, float64 0.738); -inf at ±0, NaN below 0 and for NaN, +inf at +inf, subnormals exact-scaled first.
     *
     * <p>x = 2^k m with m in [sqrt(1/2), sqrt(2)) (k read from the exponent bits of x sqrt(1/2)),
     * f = m - 1, s = f/(2+f), and log(1+f) = f - (f^2/2 - s (f^2/2 + R(s^2))) as in fdlibm, plus
     * k ln 2 in two parts, the high one by FMA.
     */
    public static double log(double x) {
        double scale = x < MIN_NORMAL ? SCALE_UP : ONE;
        double kadj = x < MIN_NORMAL ? MINUS_P : ZERO;
        double xs = x * scale;
        double h = xs * SQRT_HALF;
        var hb = Double.doubleToRawLongBits(h);
        var he = hb >> MANT_BITS;
        var k = he - BIAS_M1;
        var kb = k << MANT_BITS;
        var xb = Double.doubleToRawLongBits(xs);
        var mb = xb - kb;
        double m = Double.longBitsToDouble(mb);
        // k as a float: its bits added to those of SHIFT, then SHIFT subtracted (exact).
        var kk = k + SHIFT_BITS;
        double kfs = Double.longBitsToDouble(kk);
        double kf0 = kfs - SHIFT;
        double kf = kf0 + kadj;
        double f = m - ONE;
        double den = f + TWO;
        double s = f / den;
        double z = s * s;
        double p = Math.fma(LOG_C6, z, LOG_C5); //[F64]
        p = Math.fma(p, z, LOG_C4); //[F64]
        p = Math.fma(p, z, LOG_C3); //[F64]
        p = Math.fma(p, z, LOG_C2); //[F64]
        //[F32] double p = Math.fma(LOG_C2, z, LOG_C1);
        p = Math.fma(p, z, LOG_C1); //[F64]
        p = Math.fma(p, z, LOG_C0);
        double rz = z * p;
        double f2 = f * f;
        double hfsq = f2 * HALF;
        double klo = kf * LN2_LO;
        double hr = hfsq + rz;
        double u = Math.fma(s, hr, klo);
        double v = hfsq - u;
        double w = f - v;
        double res = Math.fma(kf, LN2_HI, w);
        res = x >= ZERO ? res : NAN;
        res = x == ZERO ? NEG_INF : res;
        res = x == POS_INF ? POS_INF : res;
        return res;
    }

    /**
     * Hyperbolic tangent. Error below 2 ulp (measured max: float32 1.32, float64 0.98); odd, so tanh(-0) = -0; ±1 for large |x| and ±inf; NaN for NaN.
     *
     * <p>With a = |x|: below {@link #TANH_SMALL}, a + a z T(z) with z = x^2 (no cancellation near
     * 0); above, 1 - 2/(e^{2a} + 1) with {@link #exp}, where tanh >= 0.55 keeps the cancellation
     * small. Both are computed and one is selected (vector lanes cannot branch); then the sign
     * bit of x is copied in.
     */
    public static double tanh(double x) {
        double a = Math.abs(x);
        double z = x * x;
        double p = Math.fma(TANH_C11, z, TANH_C10); //[F64]
        p = Math.fma(p, z, TANH_C9); //[F64]
        p = Math.fma(p, z, TANH_C8); //[F64]
        p = Math.fma(p, z, TANH_C7); //[F64]
        p = Math.fma(p, z, TANH_C6); //[F64]
        p = Math.fma(p, z, TANH_C5); //[F64]
        //[F32] double p = Math.fma(TANH_C5, z, TANH_C4);
        p = Math.fma(p, z, TANH_C4); //[F64]
        p = Math.fma(p, z, TANH_C3);
        p = Math.fma(p, z, TANH_C2);
        p = Math.fma(p, z, TANH_C1);
        p = Math.fma(p, z, TANH_C0);
        double zp = z * p;
        double small = Math.fma(a, zp, a);
        double a2 = a + a;
        double e = exp(a2);
        double d = e + ONE;
        double q = TWO / d;
        double big = ONE - q;
        double t = a < TANH_SMALL ? small : big;
        // The sign of x, copied by bits (so tanh(-0) = -0).
        var tb = Double.doubleToRawLongBits(t);
        var xb = Double.doubleToRawLongBits(x);
        var sb = xb & SIGN_BITS;
        var rb = tb | sb;
        double res = Double.longBitsToDouble(rb);
        return res;
    }

    /**
     * The logistic function 1/(1 + e^{-x}). Error below 2.5 ulp (measured max: float32 2.28,
     * float64 1.65); 1 at +inf, 0 at -inf, subnormal results for very
     * negative x, NaN for NaN.
     *
     * <p>With e = exp(-|x|) in (0, 1] (never overflows): 1/(1+e) for x >= 0, e/(1+e) below.
     */
    public static double sigmoid(double x) {
        double a = Math.abs(x);
        double na = -a;
        double e = exp(na);
        double d = e + ONE;
        double num = x < ZERO ? e : ONE;
        return num / d;
    }
}
