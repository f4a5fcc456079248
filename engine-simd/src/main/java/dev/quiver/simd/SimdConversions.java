package dev.quiver.simd;

import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.HalfPrecision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.S2I;

/**
 * float32 ↔ binary16 / bfloat16 on the Vector API: {@link HalfPrecision}'s bit-level formulas
 * lane for lane (the Vector API has no half-precision conversion operator), so every element gets
 * the scalar reference's bits; the tail (fewer than one vector) runs the scalar functions.
 *
 * <p>Shorts are widened to ints (S2I) in a vector of half the width with as many lanes, computed
 * on in 32-bit lanes, and narrowed back (I2S). The width is {@link SimdShape#STREAM_SHAPE}'s
 * (at most 256 bits): the conversions move memory and do a handful of integer operations per
 * element. At 128 bits the shorts sit in 64-bit vectors; C2 intrinsifies those too (no
 * allocation at 128 or 256 bits, measured).
 */
final class SimdConversions implements ConversionKernels {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, SimdShape.STREAM_SHAPE);
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, SimdShape.STREAM_SHAPE);
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(SimdShape.STREAM_SHAPE.vectorBitSize() / 2));
    private static final int L = I.length();

    static final SimdConversions INSTANCE = new SimdConversions();

    private SimdConversions() {}

    // The formulas are written out inside each loop: a helper taking or returning a vector is
    // boxed whenever C2 declines to inline it (see SimdKernelsF64).

    @Override
    public void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int end = I.loopBound(n); i < end; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(H, src, srcOff + i).convertShape(S2I, I, 0);
            IntVector sign = h.and(0x8000).lanewise(LSHL, 16);
            IntVector magnitude = h.and(0x7FFF);
            // Normal and subnormal: the fields moved into float32's place read 2^112 too small.
            IntVector finite = magnitude.lanewise(LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            IntVector fraction = magnitude.and(0x3FF).lanewise(LSHL, 13);
            IntVector special = fraction.or(0x7F800000).blend(fraction.or(0x7FC00000), fraction.compare(NE, 0));   // NaN made quiet
            finite.blend(special, magnitude.compare(GE, 0x7C00)).or(sign).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        HalfPrecision.f16ToF32(src, srcOff + i, dst, dstOff + i, n - i);
    }

    @Override
    public void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        int i = 0;
        for (int end = I.loopBound(n); i < end; i += L) {
            IntVector bits = FloatVector.fromArray(F, src, srcOff + i).reinterpretAsInts();
            IntVector sign = bits.lanewise(LSHR, 16).and(0x8000);
            IntVector magnitude = bits.and(0x7FFFFFFF);
            IntVector odd = magnitude.lanewise(LSHR, 13).and(1);
            IntVector normal = magnitude.add(((15 - 127) << 23) + 0xFFF).add(odd).lanewise(LSHR, 13);
            IntVector subnormal = magnitude.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3F000000);
            IntVector nan = magnitude.lanewise(LSHR, 13).and(0x3FF).or(0x7E00);
            IntVector r = normal.blend(subnormal, magnitude.compare(LT, 0x38800000))
                    .blend(0x7C00, magnitude.compare(GE, 0x47800000))
                    .blend(nan, magnitude.compare(GT, 0x7F800000))
                    .or(sign);
            ((ShortVector) r.convertShape(I2S, H, 0)).intoArray(dst, dstOff + i);
        }
        HalfPrecision.f32ToF16(src, srcOff + i, dst, dstOff + i, n - i);
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
