package dev.quiver.kernel.internal;

/**
 * Quiver's own exp, log, tanh and sigmoid for float32 and float64, built only from operations
 * that IEEE 754 rounds exactly and that Java and the Vector API both compute the same way
 * (add, sub, mul, div, {@link Math#fma}, exact int/float conversions, bit manipulation,
 * comparisons). So the result is the same bits on every JVM, JIT tier, CPU and vector width:
 * the SIMD backend's {@code VectorLibm} evaluates the very same operations in the very same
 * order lane by lane, and the agreement tests check every op bitwise.
 *
 * <p>Method: exp reduces {@code x = k ln2 + r}, {@code |r| <= ln2/2}, by Cody-Waite with FMA
 * ({@code k ln2_hi} is exact: ln2_hi has trailing zero bits), evaluates
 * {@code e^r = 1 + r + r^2 P(r)} (float32 as {@code 1 + r (1 + r P(r))}; P: near-minimax, Chebyshev fit in 50-digit arithmetic,
 * degree 4 for float32 and 10 for float64) and scales by {@code 2^k} built from the bits of the
 * rounding constant. log splits x into {@code 2^k m}, {@code m} in [sqrt(1/2), sqrt(2)), by
 * integer arithmetic on the bits, and evaluates {@code log1p(m - 1)} (float32: {@code f + f^2 Q(f)},
 * Q of degree 8; float64: fdlibm's {@code s = f/(2+f)} form with a degree-6 polynomial in s^2).
 * tanh is {@code E/(E+2)} with {@code E = expm1(2|x|)} (the exp kernel with the final
 * {@code 2^k q + (2^k - 1)} in one FMA, so no cancellation near 0); sigmoid is
 * {@code 1/(1+e)} or {@code e/(1+e)} with {@code e = exp(-|x|)}, which never overflows.
 *
 * <p>Error bounds, in ulps of the correctly rounded result (measured: float32 on every 4th (exp,
 * log) or 16th (tanh, sigmoid) bit pattern by {@code tools/libm-sweep}, float64 on dense samples
 * by {@code LibmAccuracyTest}; the README has the table): exp below 1 ulp (float32: 0.976 at most
 * over all 2^32 inputs), log below 1 ulp, tanh and sigmoid below 2.5 ulps.
 * Special values as java.lang.Math: NaN gives NaN; exp(+inf) = +inf, exp(-inf) = +0, overflow
 * gives +inf and underflow rounds to subnormals and then +0 with one rounding; log(+-0) = -inf,
 * log(x < 0) = NaN, log(+inf) = +inf, log of subnormals is exact to the same bound; tanh(+-0) =
 * +-0, tanh(+-inf) = +-1; sigmoid(-inf) = +0, sigmoid(+inf) = 1.
 *
 * <p>Each function has a fast range ({@link #EXP_FAST_F32} etc.) where the vector code runs the
 * straight-line formula; outside it (rare: overflow, underflow, subnormal, special values) the
 * SIMD kernels hand the whole vector to these scalar methods, which compute the same bits.
 */
public final class Libm {
    private Libm() {
    }

    // ------------------------------------------------------------------ float32 constants

    public static final float INV_LN2_F32 = 0x1.715476p+0f;
    /** ln2 in 9 significant bits (0.693359375, Cephes' C1): k * LN2_HI_F32 is exact for |k| < 2^15. */
    public static final float LN2_HI_F32 = 0x1.63p-1f;
    public static final float LN2_LO_F32 = -0x1.bd0106p-13f;
    /** 1.5 * 2^23 + 127: fma(x, 1/ln2, this) rounds x/ln2 to an integer k and holds k + 127 in the low bits. */
    public static final float EXP_SHIFT_F32 = 0x1.8p23f + 127;
    /** exp's straight-line formula covers |x| <= this (k in [-126, 126]; 2^k is one normal float). */
    public static final float EXP_FAST_F32 = 87f;
    public static final float EXP_C0_F32 = 0x1.0p-1f;
    public static final float EXP_C1_F32 = 0x1.5554dcp-3f;
    public static final float EXP_C2_F32 = 0x1.55551ap-5f;
    public static final float EXP_C3_F32 = 0x1.120b6ep-7f;
    public static final float EXP_C4_F32 = 0x1.6d110ap-10f;
    /** Bits of sqrt(1/2) rounded to float: log's mantissa lands in [sqrt(1/2), sqrt(2)). */
    public static final int LOG_SQRT_HALF_BITS_F32 = 0x3f3504f3;
    public static final float LOG_C0_F32 = -0x1.fffffep-2f;
    public static final float LOG_C1_F32 = 0x1.555554p-2f;
    public static final float LOG_C2_F32 = -0x1.00020cp-2f;
    public static final float LOG_C3_F32 = 0x1.99a014p-3f;
    public static final float LOG_C4_F32 = -0x1.548368p-3f;
    public static final float LOG_C5_F32 = 0x1.22ea2cp-3f;
    public static final float LOG_C6_F32 = -0x1.0cdb1ep-3f;
    public static final float LOG_C7_F32 = 0x1.04915ap-3f;
    public static final float LOG_C8_F32 = -0x1.3a4fa2p-4f;
    /** tanh(|x| >= 10) rounds to 1 in float32; clamping there keeps expm1(2|x|) finite. */
    public static final float TANH_CLAMP_F32 = 10f;

    // ------------------------------------------------------------------ float64 constants

    public static final double INV_LN2_F64 = 0x1.71547652b82fep+0;
    /** ln2 with its last 21 bits zero (fdlibm's ln2_hi): k * LN2_HI_F64 is exact for |k| < 2^21. */
    public static final double LN2_HI_F64 = 0x1.62e42feep-1;
    public static final double LN2_LO_F64 = 0x1.a39ef35793c76p-33;
    /** 1.5 * 2^52 + 1023, as {@link #EXP_SHIFT_F32}. */
    public static final double EXP_SHIFT_F64 = 0x1.8p52 + 1023;
    /** exp's straight-line formula covers |x| <= this (k in [-1022, 1022]). */
    public static final double EXP_FAST_F64 = 708;
    public static final double EXP_C0_F64 = 0x1.0p-1;
    public static final double EXP_C1_F64 = 0x1.5555555555557p-3;
    public static final double EXP_C2_F64 = 0x1.5555555555556p-5;
    public static final double EXP_C3_F64 = 0x1.11111111100dcp-7;
    public static final double EXP_C4_F64 = 0x1.6c16c16c162d4p-10;
    public static final double EXP_C5_F64 = 0x1.a01a01abe7fe1p-13;
    public static final double EXP_C6_F64 = 0x1.a01a01a6d889cp-16;
    public static final double EXP_C7_F64 = 0x1.71de0231960ebp-19;
    public static final double EXP_C8_F64 = 0x1.27e4db646b17ep-22;
    public static final double EXP_C9_F64 = 0x1.af4de97ca4194p-26;
    public static final double EXP_C10_F64 = 0x1.1f730349868cep-29;
    public static final long LOG_SQRT_HALF_BITS_F64 = 0x3fe6a09e667f3bcdL;
    /** 1.5 * 2^52: small integers k become doubles exactly as bits(this) + k, minus this. */
    public static final double MAGIC_F64 = 0x1.8p52;
    public static final double LOG_C0_F64 = 0x1.5555555555558p-1;
    public static final double LOG_C1_F64 = 0x1.99999999952d7p-2;
    public static final double LOG_C2_F64 = 0x1.2492492df281ap-2;
    public static final double LOG_C3_F64 = 0x1.c71c62e3f11e6p-3;
    public static final double LOG_C4_F64 = 0x1.7462b51cb66b1p-3;
    public static final double LOG_C5_F64 = 0x1.39fe51a7c18f9p-3;
    public static final double LOG_C6_F64 = 0x1.2b5900de53b32p-3;
    /** tanh(|x| >= 22) rounds to 1 in float64. */
    public static final double TANH_CLAMP_F64 = 22;

    // ------------------------------------------------------------------ float32

    /** e^x, under 1 ulp. */
    public static float exp(float x) {
        if (!(Math.abs(x) <= EXP_FAST_F32)) return expWide(x);
        float kf = Math.fma(x, INV_LN2_F32, EXP_SHIFT_F32);
        return expPoly(x, kf - EXP_SHIFT_F32) * Float.intBitsToFloat(Float.floatToRawIntBits(kf) << 23);
    }

    /**
     * e^r for r = x - k ln2, in [sqrt(1/2), sqrt(2)], as {@code 1 + r (1 + r P(r))}: two FMAs, the
     * last one rounding once. (The float64 form {@code (r + r^2 P(r)) + 1} rounds twice, which in
     * float32 reached 1.095 ulps; this form measured 0.976 at most over every float32 input.)
     */
    private static float expPoly(float x, float k) {
        float r = Math.fma(k, -LN2_HI_F32, x);
        r = Math.fma(k, -LN2_LO_F32, r);
        return Math.fma(r, Math.fma(r, expP(r), 1), 1);
    }

    private static float expP(float r) {
        return Math.fma(Math.fma(Math.fma(Math.fma(EXP_C4_F32, r, EXP_C3_F32), r, EXP_C2_F32), r, EXP_C1_F32), r,
                EXP_C0_F32);
    }

    /** Any x: clamped to [-104, 89] (beyond, the result is +0 or +inf anyway), 2^k in two factors. */
    private static float expWide(float x) {
        float xc = Math.min(Math.max(x, -104f), 89f); // NaN stays NaN
        float kf = Math.fma(xc, INV_LN2_F32, EXP_SHIFT_F32);
        float p = expPoly(xc, kf - EXP_SHIFT_F32);
        int kb = Float.floatToRawIntBits(kf) - Float.floatToRawIntBits(EXP_SHIFT_F32) + 256; // k + 256 > 0
        int k1b = kb >>> 1; // floor(k / 2) + 128
        // p * 2^k1 is exact (normal); the second factor rounds once, also into the subnormals.
        return p * Float.intBitsToFloat((k1b - 1) << 23) * Float.intBitsToFloat((kb - k1b - 1) << 23);
    }

    /** log(x), under 1 ulp. */
    public static float log(float x) {
        if (!(x >= Float.MIN_NORMAL && x <= Float.MAX_VALUE)) {
            if (x != x || x < 0) return Float.NaN;
            if (x == 0) return Float.NEGATIVE_INFINITY;
            if (x == Float.POSITIVE_INFINITY) return x;
            return logBits(Float.floatToRawIntBits(x * 0x1p23f) - (23 << 23)); // subnormal
        }
        return logBits(Float.floatToRawIntBits(x));
    }

    /** log of 2^(e-127) * 1.m given as (e << 23 | m) bits; e may be below 1 (subnormals, pre-scaled). */
    private static float logBits(int bits) {
        int ix = bits - LOG_SQRT_HALF_BITS_F32;
        float k = (float) (ix >> 23);
        float f = Float.intBitsToFloat((ix & 0x007fffff) + LOG_SQRT_HALF_BITS_F32) - 1; // exact
        float q = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(LOG_C8_F32, f, LOG_C7_F32),
                f, LOG_C6_F32), f, LOG_C5_F32), f, LOG_C4_F32), f, LOG_C3_F32), f, LOG_C2_F32), f, LOG_C1_F32), f,
                LOG_C0_F32);
        float y = Math.fma(f * f, q, f); // log1p(f)
        return Math.fma(k, LN2_HI_F32, Math.fma(k, LN2_LO_F32, y));
    }

    /** tanh(x), under 2.5 ulps. */
    public static float tanh(float x) {
        float a = Math.min(Math.abs(x), TANH_CLAMP_F32); // NaN stays NaN
        float t = a + a;
        float kf = Math.fma(t, INV_LN2_F32, EXP_SHIFT_F32);
        float k = kf - EXP_SHIFT_F32;
        float r = Math.fma(k, -LN2_HI_F32, t);
        r = Math.fma(k, -LN2_LO_F32, r);
        float q = Math.fma(r * r, expP(r), r); // e^r - 1
        float s = Float.intBitsToFloat(Float.floatToRawIntBits(kf) << 23);
        float e = Math.fma(s, q, s - 1); // expm1(2|x|) >= 0
        return Math.copySign(e / (e + 2), x);
    }

    /** 1 / (1 + e^-x), under 2.5 ulps; never overflows. */
    public static float sigmoid(float x) {
        float e = exp(-Math.abs(x));
        return (x < 0 ? e : 1) / (1 + e);
    }

    // ------------------------------------------------------------------ float64

    /** e^x, under 1 ulp. */
    public static double exp(double x) {
        if (!(Math.abs(x) <= EXP_FAST_F64)) return expWide(x);
        double kd = Math.fma(x, INV_LN2_F64, EXP_SHIFT_F64);
        return expPoly(x, kd - EXP_SHIFT_F64) * Double.longBitsToDouble(Double.doubleToRawLongBits(kd) << 52);
    }

    private static double expPoly(double x, double k) {
        double r = Math.fma(k, -LN2_HI_F64, x);
        r = Math.fma(k, -LN2_LO_F64, r);
        return Math.fma(r * r, expP(r), r) + 1;
    }

    private static double expP(double r) {
        double p = Math.fma(EXP_C10_F64, r, EXP_C9_F64);
        p = Math.fma(p, r, EXP_C8_F64);
        p = Math.fma(p, r, EXP_C7_F64);
        p = Math.fma(p, r, EXP_C6_F64);
        p = Math.fma(p, r, EXP_C5_F64);
        p = Math.fma(p, r, EXP_C4_F64);
        p = Math.fma(p, r, EXP_C3_F64);
        p = Math.fma(p, r, EXP_C2_F64);
        p = Math.fma(p, r, EXP_C1_F64);
        return Math.fma(p, r, EXP_C0_F64);
    }

    private static double expWide(double x) {
        double xc = Math.min(Math.max(x, -746.0), 710.0);
        double kd = Math.fma(xc, INV_LN2_F64, EXP_SHIFT_F64);
        double p = expPoly(xc, kd - EXP_SHIFT_F64);
        long kb = Double.doubleToRawLongBits(kd) - Double.doubleToRawLongBits(EXP_SHIFT_F64) + 2048; // k + 2048 > 0
        long k1b = kb >>> 1; // floor(k / 2) + 1024
        return p * Double.longBitsToDouble((k1b - 1) << 52) * Double.longBitsToDouble((kb - k1b - 1) << 52);
    }

    /** log(x), under 1 ulp. */
    public static double log(double x) {
        if (!(x >= Double.MIN_NORMAL && x <= Double.MAX_VALUE)) {
            if (x != x || x < 0) return Double.NaN;
            if (x == 0) return Double.NEGATIVE_INFINITY;
            if (x == Double.POSITIVE_INFINITY) return x;
            return logBits(Double.doubleToRawLongBits(x * 0x1p52) - (52L << 52)); // subnormal
        }
        return logBits(Double.doubleToRawLongBits(x));
    }

    private static double logBits(long bits) {
        long ix = bits - LOG_SQRT_HALF_BITS_F64;
        double k = (double) (ix >> 52); // exact; the vector code builds the same value from MAGIC_F64's bits
        double f = Double.longBitsToDouble((ix & 0x000fffffffffffffL) + LOG_SQRT_HALF_BITS_F64) - 1; // exact
        double s = f / (2 + f);
        double z = s * s;
        double p = Math.fma(LOG_C6_F64, z, LOG_C5_F64);
        p = Math.fma(p, z, LOG_C4_F64);
        p = Math.fma(p, z, LOG_C3_F64);
        p = Math.fma(p, z, LOG_C2_F64);
        p = Math.fma(p, z, LOG_C1_F64);
        p = Math.fma(p, z, LOG_C0_F64);
        double hfsq = 0.5 * (f * f);
        double w = Math.fma(k, LN2_LO_F64, s * (hfsq + z * p));
        // fdlibm's order: k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f)
        return k * LN2_HI_F64 - ((hfsq - w) - f);
    }

    /** tanh(x), under 2.5 ulps. */
    public static double tanh(double x) {
        double a = Math.min(Math.abs(x), TANH_CLAMP_F64);
        double t = a + a;
        double kd = Math.fma(t, INV_LN2_F64, EXP_SHIFT_F64);
        double k = kd - EXP_SHIFT_F64;
        double r = Math.fma(k, -LN2_HI_F64, t);
        r = Math.fma(k, -LN2_LO_F64, r);
        double q = Math.fma(r * r, expP(r), r);
        double s = Double.longBitsToDouble(Double.doubleToRawLongBits(kd) << 52);
        double e = Math.fma(s, q, s - 1);
        return Math.copySign(e / (e + 2), x);
    }

    /** 1 / (1 + e^-x), under 2.5 ulps. */
    public static double sigmoid(double x) {
        double e = exp(-Math.abs(x));
        return (x < 0 ? e : 1) / (1 + e);
    }
}
