package dev.quiver.kernel.internal;

import dev.quiver.kernel.ConversionKernels;

/**
 * Conversions between the 16-bit storage formats and float32 / float64, as raw bits in a
 * {@code short}: IEEE 754 binary16 (F16: 1 sign, 5 exponent, 10 fraction bits) and bfloat16
 * (BF16: the upper half of a float32, 1 sign, 8 exponent, 7 fraction bits). The reference every
 * conversion kernel must match bit for bit ({@link ConversionKernels}).
 *
 * <ul>
 * <li>Widening (F16/BF16 to F32 or F64) is exact for every value, subnormals included.</li>
 * <li>Narrowing (F32 or F64 to F16/BF16) rounds to nearest, ties to even, straight from the
 *     source value (F64 is not rounded to F32 first, which could round twice); values beyond the
 *     largest finite value plus half an ulp (65520 for F16) become infinities, values at or below
 *     half the smallest subnormal become signed zeros.</li>
 * <li>NaN stays NaN in both directions with its sign, is made quiet (the top fraction bit set, as
 *     IEEE 754 asks of conversions and as x86's F16C instructions do), and keeps the top fraction
 *     bits that fit (narrowing truncates the payload). A quiet NaN therefore round-trips F16 to
 *     F32 to F16 unchanged.</li>
 * </ul>
 *
 * <p>Not {@code Float.floatToFloat16}: its NaN bits depend on whether the interpreter or the C2
 * intrinsic ran (the Java code keeps a signalling NaN signalling, F16C quiets it), so it could
 * not be the one reference. For every non-NaN input the results here equal it (tested).
 */
public final class HalfPrecision {
    private HalfPrecision() {}

    /** The float32 exponent field of 2^-14, the smallest normal binary16: below it a binary16 is subnormal. */
    static final int F16_MIN_NORMAL_AS_F32 = 0x38800000;
    /** 65536.0f: from here on a float32 rounds to binary16 infinity (65520 and up do too, by the carry). */
    static final int F16_OVERFLOW_AS_F32 = 0x47800000;
    /** 0.5f: its ulp is 2^-24, binary16's subnormal spacing, so adding it rounds a small value there. */
    static final float F16_SUBNORMAL_MAGIC = 0.5f;
    /** Moves a float32 exponent to binary16's bias (15 - 127, at bit 23), plus the rounding bias 0xFFF below bit 13. */
    static final int F16_REBIAS_AND_ROUND = ((15 - 127) << 23) + 0xFFF;
    /** 2^112: the difference of the two formats' biases; scales a binary16 read as float32 bits to its value. */
    static final float F16_REBIAS_SCALE = 0x1p112f;

    // ---------------------------------------------------------------- binary16

    /** The binary16 value with these bits, as a float32 (exact). */
    public static float f16ToF32(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int magnitude = h & 0x7FFF;
        if (magnitude >= 0x7C00) {   // infinity or NaN
            int fraction = (magnitude & 0x3FF) << 13;
            return Float.intBitsToFloat(sign | 0x7F800000 | fraction | (fraction != 0 ? 0x00400000 : 0));
        }
        // Normal and subnormal alike: the bits shifted into float32's fields read as a float32
        // 2^112 times too small (the biases differ by 112); the product is exact.
        float value = Float.intBitsToFloat(magnitude << 13) * F16_REBIAS_SCALE;
        return Float.intBitsToFloat(Float.floatToRawIntBits(value) | sign);
    }

    /** The binary16 value with these bits, as a float64 (exact). */
    public static double f16ToF64(short bits) {
        return f16ToF32(bits);
    }

    /** x rounded to binary16 (nearest, ties to even), as bits. */
    public static short f32ToF16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFFFFFF;
        if (magnitude >= F16_OVERFLOW_AS_F32) {
            if (magnitude > 0x7F800000) return (short) (sign | 0x7E00 | ((magnitude >>> 13) & 0x3FF));   // NaN
            return (short) (sign | 0x7C00);
        }
        if (magnitude < F16_MIN_NORMAL_AS_F32) {
            // The float adder rounds |x| + 0.5 to a multiple of 2^-24 (nearest, ties to even): the
            // fraction bits of the sum count binary16 subnormal steps (1024 = the smallest normal).
            float sum = Float.intBitsToFloat(magnitude) + F16_SUBNORMAL_MAGIC;
            return (short) (sign | (Float.floatToRawIntBits(sum) - Float.floatToRawIntBits(F16_SUBNORMAL_MAGIC)));
        }
        // Normal: rebias the exponent and add just under half an ulp, plus one when the kept
        // last bit is odd (ties to even); a carry out of the fraction bumps the exponent, up to infinity.
        int odd = (magnitude >>> 13) & 1;
        return (short) (sign | ((magnitude + F16_REBIAS_AND_ROUND + odd) >>> 13));
    }

    /** x rounded to binary16 (nearest, ties to even, from the float64 value: no double rounding), as bits. */
    public static short f64ToF16(double x) {
        return (short) roundF64(x, 5, 10);
    }

    // ---------------------------------------------------------------- bfloat16

    /** The bfloat16 value with these bits, as a float32 (exact). */
    public static float bf16ToF32(short bits) {
        int f = (bits & 0xFFFF) << 16;
        if ((f & 0x7FFFFFFF) > 0x7F800000) f |= 0x00400000;   // NaN: quiet
        return Float.intBitsToFloat(f);
    }

    /** The bfloat16 value with these bits, as a float64 (exact). */
    public static double bf16ToF64(short bits) {
        return bf16ToF32(bits);
    }

    /** x rounded to bfloat16 (nearest, ties to even), as bits. */
    public static short f32ToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (short) ((bits >>> 16) | 0x0040);   // NaN: quiet
        // Add just under half an ulp of the kept part, plus one when its last bit is odd; a carry
        // runs into the exponent (up to infinity) as it should.
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** x rounded to bfloat16 (nearest, ties to even, from the float64 value), as bits. */
    public static short f64ToBf16(double x) {
        return (short) roundF64(x, 8, 7);
    }

    // ---------------------------------------------------------------- any small binary format

    /**
     * x rounded to nearest (ties to even) in the binary format with the given exponent and
     * fraction widths, as its bits (sign at bit exponentBits + fractionBits). Written with
     * Math.rint on exactly scaled values rather than bit tricks.
     */
    static int roundF64(double x, int exponentBits, int fractionBits) {
        long bits = Double.doubleToRawLongBits(x);
        int sign = (int) (bits >>> 63) << (exponentBits + fractionBits);
        int infinity = ((1 << exponentBits) - 1) << fractionBits;
        if (Double.isNaN(x)) {
            int payload = (int) (bits >>> (52 - fractionBits)) & ((1 << fractionBits) - 1);
            return sign | infinity | (1 << (fractionBits - 1)) | payload;
        }
        double a = Math.abs(x);
        int bias = (1 << (exponentBits - 1)) - 1;
        int minExponent = 1 - bias;
        if (a < Math.scalb(1.0, minExponent)) {
            // Subnormal or zero: a count of steps of 2^(minExponent - fractionBits) (scaling by a
            // power of two is exact). A count of 2^fractionBits is the smallest normal's encoding.
            return sign | (int) Math.rint(Math.scalb(a, fractionBits - minExponent));
        }
        int exponent = Math.getExponent(a);   // infinity gives Double.MAX_EXPONENT + 1
        if (exponent > bias) return sign | infinity;
        long significand = (long) Math.rint(Math.scalb(a, fractionBits - exponent));   // in [2^f, 2^(f+1)]
        long encoded = ((long) (exponent + bias) << fractionBits) + significand - (1L << fractionBits);   // a carry bumps the exponent
        return sign | (int) Math.min(encoded, infinity);
    }

    // ---------------------------------------------------------------- arrays (the scalar kernels)

    /** dst[dstOff + i] = f16ToF32(src[srcOff + i]) for i in [0, n). */
    public static void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = f16ToF32(src[srcOff + i]);
    }

    /** dst[dstOff + i] = f32ToF16(src[srcOff + i]) for i in [0, n). */
    public static void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = f32ToF16(src[srcOff + i]);
    }

    /** dst[dstOff + i] = bf16ToF32(src[srcOff + i]) for i in [0, n). */
    public static void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = bf16ToF32(src[srcOff + i]);
    }

    /** dst[dstOff + i] = f32ToBf16(src[srcOff + i]) for i in [0, n). */
    public static void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = f32ToBf16(src[srcOff + i]);
    }

    /** The scalar conversion kernels: the loops above. */
    public static final ConversionKernels SCALAR = new ConversionKernels() {
        @Override public void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) { HalfPrecision.f16ToF32(src, srcOff, dst, dstOff, n); }
        @Override public void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n) { HalfPrecision.f32ToF16(src, srcOff, dst, dstOff, n); }
        @Override public void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) { HalfPrecision.bf16ToF32(src, srcOff, dst, dstOff, n); }
        @Override public void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int n) { HalfPrecision.f32ToBf16(src, srcOff, dst, dstOff, n); }
        @Override public String toString() { return "scalar"; }
    };
}
