package dev.quiver.simd;

import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.internal.HalfPrecision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;

/**
 * float32 ↔ binary16 / bfloat16, giving every element the scalar reference's bits
 * ({@link HalfPrecision}). bfloat16: the reference's bit-level formulas lane for lane on the
 * Vector API (which has no half-precision conversion operator); the tail (fewer than one vector)
 * runs the scalar functions. binary16: the JDK's intrinsified conversions, NaNs redone (see
 * {@link #f16ToF32}).
 *
 * <p>Shorts are widened to ints (S2I) in a vector of half the width with as many lanes, computed
 * on in 32-bit lanes, and narrowed back (I2S). Floats and ints have the backend's one shape
 * ({@link SimdShape}); shorts only ever half of it (the NaN scan included), so each element type
 * has one vector shape in the process. At 128 bits the shorts sit in 64-bit vectors; C2
 * intrinsifies those too (no allocation at 128, 256 or 512 bits, SimdNoAllocationTest).
 */
final class SimdConversions implements ConversionKernels {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, SimdShape.SHAPE);
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, SimdShape.SHAPE);
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(SimdShape.SHAPE.vectorBitSize() / 2));
    private static final int L = I.length();

    static final SimdConversions INSTANCE = new SimdConversions();

    private SimdConversions() {}

    // The formulas are written out inside each loop: a helper taking or returning a vector is
    // boxed whenever C2 declines to inline it (see SimdKernelsF64).

    // binary16: loops over the JDK's Float.float16ToFloat / floatToFloat16, which C2 compiles to
    // the CPU's conversion instructions (F16C on x86) and vectorises: 4-5x the reference's bit
    // formulas written with the Vector API, measured in ConversionBench (README). Their results are
    // fixed by IEEE 754 for every non-NaN value; a NaN's bits are left to the platform (the
    // interpreter's Java code and F16C differ), so each block is scanned for NaNs afterwards, while
    // it is in L1, and any NaN is redone with the reference formula.

    /** Elements per block of the NaN scan: 8 KiB of float32, 4 KiB of halves. */
    private static final int BLOCK = 2048;

    @Override
    public void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int start = 0; start < n; start += BLOCK) {
            int count = Math.min(BLOCK, n - start), s = srcOff + start, d = dstOff + start;
            for (int i = 0; i < count; i++) dst[d + i] = Float.float16ToFloat(src[s + i]);
            // The largest magnitude of the block is above infinity's exactly when it holds a NaN.
            ShortVector largest = ShortVector.zero(H);
            int i = 0;
            for (int end = H.loopBound(count); i < end; i += H.length()) {
                largest = largest.max(ShortVector.fromArray(H, src, s + i).and((short) 0x7FFF));
            }
            boolean nan = largest.reduceLanes(MAX) > 0x7C00;
            for (int j = nan ? 0 : i; j < count; j++) {
                if ((src[s + j] & 0x7FFF) > 0x7C00) dst[d + j] = HalfPrecision.f16ToF32(src[s + j]);
            }
        }
    }

    @Override
    public void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int start = 0; start < n; start += BLOCK) {
            int count = Math.min(BLOCK, n - start), s = srcOff + start, d = dstOff + start;
            for (int i = 0; i < count; i++) dst[d + i] = Float.floatToFloat16(src[s + i]);
            IntVector largest = IntVector.zero(I);
            int i = 0;
            for (int end = I.loopBound(count); i < end; i += L) {
                largest = largest.max(FloatVector.fromArray(F, src, s + i).reinterpretAsInts().and(0x7FFFFFFF));
            }
            boolean nan = largest.reduceLanes(MAX) > 0x7F800000;
            for (int j = nan ? 0 : i; j < count; j++) {
                if (Float.isNaN(src[s + j])) dst[d + j] = HalfPrecision.f32ToF16(src[s + j]);
            }
        }
    }

    @Override
    public void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int end = I.loopBound(n); i < end; i += L) {
            IntVector bits = ((IntVector) ShortVector.fromArray(H, src, srcOff + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16);
            VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(GT, 0x7F800000);
            bits.blend(bits.or(0x00400000), nan).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        HalfPrecision.bf16ToF32(src, srcOff + i, dst, dstOff + i, n - i);
    }

    @Override
    public void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        int i = 0;
        for (int end = I.loopBound(n); i < end; i += L) {
            IntVector bits = FloatVector.fromArray(F, src, srcOff + i).reinterpretAsInts();
            IntVector high = bits.lanewise(LSHR, 16);
            IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(LSHR, 16);
            IntVector r = rounded.blend(high.or(0x0040), bits.and(0x7FFFFFFF).compare(GT, 0x7F800000));
            ((ShortVector) r.convertShape(I2S, H, 0)).intoArray(dst, dstOff + i);
        }
        HalfPrecision.f32ToBf16(src, srcOff + i, dst, dstOff + i, n - i);
    }

    @Override
    public String toString() {
        return "simd (" + I.vectorBitSize() + "-bit)";
    }
}
