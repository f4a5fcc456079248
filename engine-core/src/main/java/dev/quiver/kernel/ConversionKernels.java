package dev.quiver.kernel;

/**
 * Contiguous conversions between float32 and the 16-bit storage formats (F16, BF16 as raw bits).
 * Every implementation gives, element for element, the bits of the scalar backend's conversions
 * (to float32 exactly, from float32 rounded to nearest even), whatever n and the offsets. Each reads {@code src[srcOff, srcOff + n)} (not
 * modified) and overwrites {@code dst[dstOff, dstOff + n)}; the ranges must not overlap.
 */
public interface ConversionKernels {
    /** binary16 bits to float32 (exact). */
    void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n);

    /** float32 to binary16 bits, round to nearest even. */
    void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n);

    /** bfloat16 bits to float32 (exact). */
    void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n);

    /** float32 to bfloat16 bits, round to nearest even. */
    void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int n);
}
