package dev.quiver.simd;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.internal.HalfPrecision;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API conversions give the scalar reference's bits ({@link HalfPrecision}) for every
 * element: all 65,536 patterns of each 16-bit format widened; narrowing of every float32 that is a
 * 16-bit value, a midpoint or a neighbour of one, the overflow boundary, NaNs with payloads, and
 * random bit patterns; at awkward lengths and offsets (tails of every size), repeated so that C2
 * compiles the loops (an interpreted and a compiled run must agree too).
 */
class SimdConversionsAgreementTest {
    final ConversionKernels simd = Backends.create("simd", 1).conversions();

    @Test
    void theSimdBackendUsesTheVectorKernels() {
        assertSame(SimdConversions.INSTANCE, simd);
    }

    @Test
    void wideningMatchesTheScalarReferenceForEveryPattern() {
        short[] all = new short[1 << 16];
        for (int h = 0; h < all.length; h++) all[h] = (short) h;
        for (int round = 0; round < 30; round++) {
            for (int offset : new int[] {0, 1, 7}) {
                int n = all.length - offset - round;
                float[] got = new float[n + 3];
                simd.f16ToF32(all, offset, got, 2, n);
                for (int i = 0; i < n; i++) check(HalfPrecision.f16ToF32(all[offset + i]), got[2 + i], "F16", all[offset + i]);
                simd.bf16ToF32(all, offset, got, 2, n);
                for (int i = 0; i < n; i++) check(HalfPrecision.bf16ToF32(all[offset + i]), got[2 + i], "BF16", all[offset + i]);
                assertEquals(0f, got[0] + got[1] + got[n + 2], "writes only its range");
            }
        }
    }

    @Test
    void narrowingMatchesTheScalarReference() {
        float[] x = interestingFloats();
        for (int round = 0; round < 10; round++) {
            for (int n : new int[] {1, 7, 13, 207, 4098, x.length - round}) {
                int offset = (round * 5) % 11;
                n = Math.min(n, x.length - offset);
                short[] got = new short[n + 2];
                simd.f32ToF16(x, offset, got, 1, n);
                for (int i = 0; i < n; i++) {
                    if (got[1 + i] != HalfPrecision.f32ToF16(x[offset + i])) fail("F16 of " + Float.toHexString(x[offset + i]) + " bits "
                            + Integer.toHexString(Float.floatToRawIntBits(x[offset + i])) + ": " + hex(got[1 + i]));
                }
                simd.f32ToBf16(x, offset, got, 1, n);
                for (int i = 0; i < n; i++) {
                    if (got[1 + i] != HalfPrecision.f32ToBf16(x[offset + i])) fail("BF16 of " + Float.toHexString(x[offset + i]) + ": " + hex(got[1 + i]));
                }
                assertEquals(0, got[0] | got[n + 1], "writes only its range");
            }
        }
    }

    /** Every F16 and BF16 value and midpoint with two float32 neighbours each side, both signs; specials; random patterns. */
    static float[] interestingFloats() {
        float[] out = new float[2 * 2 * 5 * (0x7C00 + 0x7F80) + 2_000_000];
        int k = 0;
        for (int format = 0; format < 2; format++) {
            int infinity = format == 0 ? 0x7C00 : 0x7F80;
            for (int h = 0; h < infinity; h++) {
                float lo = format == 0 ? HalfPrecision.f16ToF32((short) h) : HalfPrecision.bf16ToF32((short) h);
                float hi = format == 0 ? HalfPrecision.f16ToF32((short) (h + 1)) : HalfPrecision.bf16ToF32((short) (h + 1));
                float mid = Float.isInfinite(hi) ? (format == 0 ? 65520f : 0x1.ffp127f) : (lo + hi) / 2;
                for (float c : new float[] {lo, mid}) {
                    float[] around = {Math.nextDown(Math.nextDown(c)), Math.nextDown(c), c, Math.nextUp(c), Math.nextUp(Math.nextUp(c))};
                    for (float v : around) {
                        out[k++] = v;
                        out[k++] = -v;
                    }
                }
            }
        }
        SplittableRandom random = new SplittableRandom(25);
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFBFFFFF), Float.intBitsToFloat(0x7FC02000),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MIN_VALUE, 0f, -0f};
        while (k < out.length) out[k++] = random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : Float.intBitsToFloat(random.nextInt());
        return Arrays.copyOf(out, k);
    }

    private static void check(float expected, float got, String format, short h) {
        if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
            fail(format + " " + hex(h) + ": expected " + Integer.toHexString(Float.floatToRawIntBits(expected)) + ", got "
                    + Integer.toHexString(Float.floatToRawIntBits(got)));
        }
    }

    private static String hex(short h) {
        return String.format("0x%04x", h & 0xFFFF);
    }
}
