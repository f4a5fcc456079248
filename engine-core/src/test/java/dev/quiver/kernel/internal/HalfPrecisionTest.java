package dev.quiver.kernel.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link HalfPrecision} against references written differently: every one of the 65,536 bit
 * patterns of each format widened and narrowed back; values decoded from the bit fields with
 * Math.scalb; rounding checked against an exact BigDecimal search over the format's values (ties
 * to even by the last bit) on every midpoint and representable value of both formats and their
 * float32 / float64 neighbours, the overflow boundary included; and, for non-NaN inputs, the JDK's
 * Float.floatToFloat16 / float16ToFloat over a wide stride of all float32 bit patterns.
 */
class HalfPrecisionTest {
    /** A small binary format: 1 sign bit, then exponent and fraction fields. */
    static final class Format {
        final String name;
        final int exponentBits, fractionBits;
        /** The exact value of every non-negative pattern up to and including infinity's (read as 2^(emax+1)). */
        private final BigDecimal[] values;

        Format(String name, int exponentBits, int fractionBits) {
            this.name = name;
            this.exponentBits = exponentBits;
            this.fractionBits = fractionBits;
            values = new BigDecimal[infinity() + 1];
            for (int h = 0; h < values.length; h++) {
                int e = h >>> fractionBits, m = h & ((1 << fractionBits) - 1);
                long significand = e == 0 ? m : m | (1L << fractionBits);
                int exponent = (e == 0 ? 1 : e) - bias() - fractionBits;
                BigDecimal s = BigDecimal.valueOf(significand);
                values[h] = exponent >= 0 ? s.multiply(BigDecimal.TWO.pow(exponent)) : s.divide(BigDecimal.TWO.pow(-exponent));
            }
        }

        int bias() { return (1 << (exponentBits - 1)) - 1; }
        int infinity() { return ((1 << exponentBits) - 1) << fractionBits; }

        BigDecimal value(int h) { return values[h]; }

        /**
         * The exact value of x (a float32 widens exactly) rounded to nearest, ties to even, as bits: a binary search for the largest
         * pattern not above |x| (patterns of non-negative values increase with their value), then
         * the nearer of it and the next, the even one on a tie. With an unbounded exponent the
         * pattern after the largest finite one would be 2^(emax+1), infinity's pattern: rounding
         * there is overflow to infinity, as IEEE 754 defines it.
         */
        int round(double x) {
            int sign = Double.doubleToRawLongBits(x) < 0 ? 1 << (exponentBits + fractionBits) : 0;   // -0.0 included
            BigDecimal a = new BigDecimal(x).abs();
            if (a.compareTo(value(infinity())) >= 0) return sign | infinity();
            int lo = 0, hi = infinity();   // value(lo) <= a < value(hi)
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (value(mid).compareTo(a) <= 0) lo = mid; else hi = mid;
            }
            int c = a.subtract(value(lo)).compareTo(value(hi).subtract(a));
            return sign | (c < 0 || c == 0 && (lo & 1) == 0 ? lo : hi);
        }
    }

    static final Format F16 = new Format("F16", 5, 10), BF16 = new Format("BF16", 8, 7);

    static boolean isNaN(Format f, int h) {
        return (h & ~(1 << (f.exponentBits + f.fractionBits)) & 0xFFFF) > f.infinity();
    }

    static float widen(Format f, short h) {
        return f == F16 ? HalfPrecision.f16ToF32(h) : HalfPrecision.bf16ToF32(h);
    }

    static short narrow(Format f, float x) {
        return f == F16 ? HalfPrecision.f32ToF16(x) : HalfPrecision.f32ToBf16(x);
    }

    static short narrow(Format f, double x) {
        return f == F16 ? HalfPrecision.f64ToF16(x) : HalfPrecision.f64ToBf16(x);
    }

    // ------------------------------------------------------------------ every bit pattern

    @Test
    void everyPatternWidensExactlyAndNarrowsBackToItself() {
        for (Format f : new Format[] {F16, BF16}) {
            int fractionMask = (1 << f.fractionBits) - 1;
            for (int h = 0; h < 1 << 16; h++) {
                short bits = (short) h;
                float x = widen(f, bits);
                double d = f == F16 ? HalfPrecision.f16ToF64(bits) : HalfPrecision.bf16ToF64(bits);
                boolean negative = (h & 0x8000) != 0;
                if (isNaN(f, h)) {
                    int xb = Float.floatToRawIntBits(x);
                    assertTrue(Float.isNaN(x) && Double.isNaN(d), f.name + " " + hex(h));
                    assertEquals(negative, xb < 0, f.name + " NaN keeps its sign: " + hex(h));
                    assertTrue((xb & 0x00400000) != 0, f.name + " NaN widens quiet: " + hex(h));
                    assertEquals(h & fractionMask & ~(1 << (f.fractionBits - 1)), (xb >>> (23 - f.fractionBits)) & fractionMask
                            & ~(1 << (f.fractionBits - 1)), f.name + " NaN keeps its payload: " + hex(h));
                    int back = narrow(f, x) & 0xFFFF;
                    assertEquals(h | 1 << (f.fractionBits - 1), back, f.name + " NaN -> F32 -> back is the quiet NaN: " + hex(h));
                    assertEquals(back, narrow(f, d) & 0xFFFF, f.name + " NaN via F64: " + hex(h));
                    continue;
                }
                // The value from the fields, by another route than the code under test.
                int magnitude = h & 0x7FFF;
                double expected = magnitude == f.infinity() ? Double.POSITIVE_INFINITY : f.value(magnitude).doubleValue();
                if (negative) expected = -expected;
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(x), f.name + " widen " + hex(h));
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(d), f.name + " widen to F64 " + hex(h));
                if (f == F16) assertEquals(Float.float16ToFloat(bits), x, "JDK agrees: " + hex(h));
                assertEquals(h, narrow(f, x) & 0xFFFF, f.name + " round trip through F32 " + hex(h));
                assertEquals(h, narrow(f, d) & 0xFFFF, f.name + " round trip through F64 " + hex(h));
            }
        }
    }

    // ------------------------------------------------------------------ rounding

    /** Every representable value and every midpoint of the format, with float32 neighbours up to 3 ulps away, both signs. */
    @Test
    void narrowingFromFloat32RoundsToNearestEvenLikeTheReference() {
        for (Format f : new Format[] {F16, BF16}) {
            int checked = 0;
            for (int h = 0; h < f.infinity(); h++) {
                BigDecimal lo = f.value(h), hi = f.value(h + 1);
                float value = lo.floatValue();
                float mid = lo.add(hi).divide(BigDecimal.TWO).floatValue();   // exact: 1 more bit than the format
                assertEquals(0, new BigDecimal(mid).compareTo(lo.add(hi).divide(BigDecimal.TWO)), "midpoint is a float32");
                for (float centre : new float[] {value, mid}) {
                    float x = centre;
                    for (int k = 0; k < 3; k++) x = Math.nextDown(x);
                    for (int k = 0; k < 7; k++, x = Math.nextUp(x)) {
                        for (float s : new float[] {x, -x}) {
                            int expected = f.round(s);
                            assertEquals(expected, narrow(f, s) & 0xFFFF, () -> f.name + " of " + Float.toHexString(s));
                            assertEquals(expected, narrow(f, (double) s) & 0xFFFF, () -> f.name + " of (double) " + Float.toHexString(s));
                            checked++;
                        }
                    }
                }
            }
            assertTrue(checked > 400_000, f.name + ": " + checked);
        }
    }

    /** The named cases: ties both ways, the overflow boundary, the subnormal boundary, underflow to zero. */
    @Test
    void namedRoundingCases() {
        assertEquals(0x3C00, HalfPrecision.f32ToF16(1 + 0x1p-11f) & 0xFFFF, "tie to even: down");
        assertEquals(0x3C02, HalfPrecision.f32ToF16(1 + 3 * 0x1p-11f) & 0xFFFF, "tie to even: up");
        assertEquals(0x7BFF, HalfPrecision.f32ToF16(65504f) & 0xFFFF, "largest finite");
        assertEquals(0x7BFF, HalfPrecision.f32ToF16(Math.nextDown(65520f)) & 0xFFFF, "just below the overflow threshold");
        assertEquals(0x7C00, HalfPrecision.f32ToF16(65520f) & 0xFFFF, "the threshold ties to even: infinity");
        assertEquals(0xFC00, HalfPrecision.f32ToF16(-1e10f) & 0xFFFF);
        assertEquals(0x0400, HalfPrecision.f32ToF16(Math.nextDown(0x1p-14f)) & 0xFFFF, "rounds up to the smallest normal");
        assertEquals(0x0001, HalfPrecision.f32ToF16(0x1p-24f) & 0xFFFF, "smallest subnormal");
        assertEquals(0x0000, HalfPrecision.f32ToF16(0x1p-25f) & 0xFFFF, "half of it ties to zero");
        assertEquals(0x0001, HalfPrecision.f32ToF16(Math.nextUp(0x1p-25f)) & 0xFFFF);
        assertEquals(0x8000, HalfPrecision.f32ToF16(-Float.MIN_VALUE) & 0xFFFF, "signed zero");
        assertEquals(0x7E00, HalfPrecision.f32ToF16(Float.NaN) & 0xFFFF);
        assertEquals(0xFE00 | 0x123 >>> 0, HalfPrecision.f32ToF16(Float.intBitsToFloat(0xFF800000 | 0x123 << 13)) & 0xFFFF,
                "signalling NaN: quiet, sign and payload kept");

        assertEquals(0x3F80, HalfPrecision.f32ToBf16(1 + 0x1p-8f) & 0xFFFF, "tie to even: down");
        assertEquals(0x3F82, HalfPrecision.f32ToBf16(1 + 3 * 0x1p-8f) & 0xFFFF, "tie to even: up");
        assertEquals(0x7F7F, HalfPrecision.f32ToBf16(Math.nextDown(0x1.ffp127f)) & 0xFFFF);
        assertEquals(0x7F80, HalfPrecision.f32ToBf16(0x1.ffp127f) & 0xFFFF, "overflow threshold ties to infinity");
        assertEquals(0x7F80, HalfPrecision.f32ToBf16(Float.MAX_VALUE) & 0xFFFF);
        assertEquals(0x0001, HalfPrecision.f32ToBf16(0x1p-133f) & 0xFFFF, "smallest bfloat16 subnormal");
        assertEquals(0x0000, HalfPrecision.f32ToBf16(0x1p-134f) & 0xFFFF);
        assertEquals(0xFFC1, HalfPrecision.f32ToBf16(Float.intBitsToFloat(0xFF810000)) & 0xFFFF, "signalling NaN made quiet");

        // From float64 directly: 1 + 2^-11 + 2^-40 is above the tie, though float32 would round it onto the tie.
        double above = 1 + 0x1p-11 + 0x1p-40;
        assertEquals(0x3C00, HalfPrecision.f32ToF16((float) above) & 0xFFFF, "double rounding would go down");
        assertEquals(0x3C01, HalfPrecision.f64ToF16(above) & 0xFFFF, "one rounding goes up");
        assertEquals(0x3F81, HalfPrecision.f64ToBf16(1 + 0x1p-8 + 0x1p-40) & 0xFFFF);
        assertEquals(0x7C00, HalfPrecision.f64ToF16(1e300) & 0xFFFF);
        assertEquals(0x7F80, HalfPrecision.f64ToBf16(1e300) & 0xFFFF);
        assertEquals(0x8000, HalfPrecision.f64ToF16(-Double.MIN_VALUE) & 0xFFFF);
    }

    /** float64 inputs right next to every midpoint (within float64 ulps, where float32 would round onto the tie). */
    @Test
    void narrowingFromFloat64RoundsOnceLikeTheReference() {
        SplittableRandom random = new SplittableRandom(16);
        for (Format f : new Format[] {F16, BF16}) {
            for (int h = 0; h < f.infinity(); h += 1 + random.nextInt(3)) {
                double mid = f.value(h).add(f.value(h + 1)).divide(BigDecimal.TWO).doubleValue();
                for (double x : new double[] {mid, Math.nextUp(mid), Math.nextDown(mid), mid * (1 + 0x1p-40), mid * (1 - 0x1p-40)}) {
                    for (double s : new double[] {x, -x}) {
                        assertEquals(f.round(s), narrow(f, s) & 0xFFFF, () -> f.name + " of " + Double.toHexString(s));
                    }
                }
            }
            for (int i = 0; i < 20_000; i++) {
                double x = Double.longBitsToDouble(random.nextLong());
                if (Double.isNaN(x)) continue;
                assertEquals(f.round(x), narrow(f, x) & 0xFFFF, f.name + " of " + Double.toHexString(x));
            }
        }
    }

    /** Every 97th float32 bit pattern against the JDK's binary16 conversion (non-NaN) and against the float64 path. */
    @Test
    void agreesWithTheJdkAndTheFloat64PathOnAStrideOfAllFloats() {
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 97) {
            float x = Float.intBitsToFloat((int) bits);
            short h = HalfPrecision.f32ToF16(x);
            if (!Float.isNaN(x) && h != Float.floatToFloat16(x)) fail("JDK differs at " + Float.toHexString(x));
            if (h != HalfPrecision.f64ToF16(x)) fail("F16 float64 path differs at " + Integer.toHexString((int) bits));
            if (HalfPrecision.f32ToBf16(x) != HalfPrecision.f64ToBf16(x)) fail("BF16 float64 path differs at " + Integer.toHexString((int) bits));
        }
    }

    @Test
    void arrayLoopsConvertEveryElementAtTheirOffsets() {
        float[] src = {1, 2.5f, -0f, 65520, 1e-8f};
        short[] half = new short[7];
        HalfPrecision.f32ToF16(src, 1, half, 2, 4);
        assertEquals(0, half[0] | half[1] | half[6]);
        for (int i = 0; i < 4; i++) assertEquals(HalfPrecision.f32ToF16(src[1 + i]), half[2 + i]);
        float[] back = new float[6];
        HalfPrecision.f16ToF32(half, 2, back, 1, 4);
        assertEquals(2.5f, back[1]);
        assertEquals(Float.POSITIVE_INFINITY, back[3]);
        HalfPrecision.f32ToBf16(src, 0, half, 0, 5);
        HalfPrecision.bf16ToF32(half, 0, back, 0, 5);
        assertEquals(2.5f, back[1]);
        assertEquals(65536f, back[3]);
    }

    private static String hex(int h) {
        return String.format("0x%04x", h);
    }
}
