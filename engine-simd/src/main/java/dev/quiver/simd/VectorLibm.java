package dev.quiver.simd;

import dev.quiver.kernel.internal.ElementwiseF32;
import dev.quiver.kernel.internal.ElementwiseF64;
import dev.quiver.kernel.internal.Libm;
import dev.quiver.kernel.UnaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.quiver.kernel.internal.Libm.*;

/**
 * The SIMD backend's exp, log, tanh and sigmoid kernels (contiguous x and y): {@link Libm}'s
 * formulas lane by lane. Each lane performs exactly the IEEE operations of the scalar code in
 * Libm, in the same order (a vector FMA there is {@code Math.fma} with the same operands), so
 * every element gets the scalar backend's bits, at every vector width and JIT tier. A vector with
 * a lane outside the straight-line fast range (exp: |x| > {@link Libm#EXP_FAST_F32}; log: not
 * positive normal finite) and the tail go through Libm element by element: same bits again.
 *
 * <p>The formulas are written out inside the loops (twice for exp, which sigmoid uses too):
 * a helper method taking or returning a vector is boxed, allocating on every call, whenever C2
 * declines to inline it, and it does decline once a kernel is inlined into a big caller
 * ("size > DesiredMethodLimit": SimdNoAllocationTest saw 0.4 MB per round). Vectors never cross a
 * call here; the formulas are checked against Libm bit for bit by SimdVsScalarAgreementTest.
 * float32 and float64 are separate code, not twins: their polynomials have different degrees.
 */
final class VectorLibm {
    private static final VectorSpecies<Float> SF = VectorSpecies.of(float.class, SimdShape.SHAPE);
    private static final int LF = SF.length();
    private static final VectorSpecies<Double> SD = VectorSpecies.of(double.class, SimdShape.SHAPE);
    private static final int LD = SD.length();

    /** Bits of Float.MIN_NORMAL, and the count of positive normal finite bit patterns after it. */
    private static final int LOG_MIN_NORMAL_BITS = Float.floatToRawIntBits(Float.MIN_NORMAL);
    private static final int LOG_NORMAL_RANGE = Float.floatToRawIntBits(Float.MAX_VALUE) - LOG_MIN_NORMAL_BITS + 1;

    private VectorLibm() {
    }

    // ------------------------------------------------------------------ float32

    static void exp(int n, float[] x, int xo, float[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SF.loopBound(n); i < end; i += LF) {
            FloatVector v = FloatVector.fromArray(SF, x, xo + i);
            if (v.abs().compare(VectorOperators.GT, EXP_FAST_F32).anyTrue()) {
                scalar(UnaryOp.EXP, i, i + LF, x, xo, y, yo, acc);
                continue;
            }
            FloatVector kf = v.fma(INV_LN2_F32, EXP_SHIFT_F32);
            FloatVector k = kf.sub(EXP_SHIFT_F32);
            FloatVector r = k.fma(v.broadcast(-LN2_HI_F32), v);
            r = k.fma(v.broadcast(-LN2_LO_F32), r);
            FloatVector p = r.fma(EXP_C4_F32, EXP_C3_F32).fma(r, v.broadcast(EXP_C2_F32))
                    .fma(r, v.broadcast(EXP_C1_F32)).fma(r, v.broadcast(EXP_C0_F32));
            FloatVector one1 = v.broadcast(1f);
            p = r.fma(r.fma(p, one1), one1);
            FloatVector w = p.mul(kf.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            (acc ? w.add(FloatVector.fromArray(SF, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.EXP, i, n, x, xo, y, yo, acc);
    }

    /** 1/(1+e) for x >= 0, e/(1+e) for x < 0, e = exp(-|x|) (exp's formula on -|x|, written out). */
    static void sigmoid(int n, float[] x, int xo, float[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SF.loopBound(n); i < end; i += LF) {
            FloatVector v = FloatVector.fromArray(SF, x, xo + i);
            FloatVector a = v.abs();
            if (a.compare(VectorOperators.GT, EXP_FAST_F32).anyTrue()) {
                scalar(UnaryOp.SIGMOID, i, i + LF, x, xo, y, yo, acc);
                continue;
            }
            a = a.neg();
            FloatVector kf = a.fma(INV_LN2_F32, EXP_SHIFT_F32);
            FloatVector k = kf.sub(EXP_SHIFT_F32);
            FloatVector r = k.fma(v.broadcast(-LN2_HI_F32), a);
            r = k.fma(v.broadcast(-LN2_LO_F32), r);
            FloatVector p = r.fma(EXP_C4_F32, EXP_C3_F32).fma(r, v.broadcast(EXP_C2_F32))
                    .fma(r, v.broadcast(EXP_C1_F32)).fma(r, v.broadcast(EXP_C0_F32));
            FloatVector one1 = v.broadcast(1f);
            p = r.fma(r.fma(p, one1), one1);
            FloatVector e = p.mul(kf.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            // one is made here, not before the loop: held across the scalar() call above it would be
            // boxed in a compilation that may not trap (SimdKernelsF64, "Tails and loop-carried vectors").
            FloatVector one = FloatVector.broadcast(SF, 1f);
            FloatVector w = one.blend(e, v.compare(VectorOperators.LT, 0f)).div(one.add(e));
            (acc ? w.add(FloatVector.fromArray(SF, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.SIGMOID, i, n, x, xo, y, yo, acc);
    }

    static void log(int n, float[] x, int xo, float[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SF.loopBound(n); i < end; i += LF) {
            FloatVector v = FloatVector.fromArray(SF, x, xo + i);
            // Positive, normal and finite, as one unsigned compare of the bits less the smallest
            // normal's: zero, subnormals, negatives, infinities and NaNs all land at or above the
            // range (two float compares and a mask AND before: log's fast path was below the JDK's).
            IntVector t = v.viewAsIntegralLanes().sub(LOG_MIN_NORMAL_BITS);
            if (!t.compare(VectorOperators.ULT, LOG_NORMAL_RANGE).allTrue()) {
                scalar(UnaryOp.LOG, i, i + LF, x, xo, y, yo, acc);
                continue;
            }
            IntVector ix = t.sub(LOG_SQRT_HALF_BITS_F32 - LOG_MIN_NORMAL_BITS);
            FloatVector k = (FloatVector) ix.lanewise(VectorOperators.ASHR, 23).convert(VectorOperators.I2F, 0);
            FloatVector f = ix.and(0x007fffff).add(LOG_SQRT_HALF_BITS_F32).viewAsFloatingLanes().sub(1f);
            FloatVector q = f.fma(LOG_C8_F32, LOG_C7_F32).fma(f, v.broadcast(LOG_C6_F32)).fma(f, v.broadcast(LOG_C5_F32))
                    .fma(f, v.broadcast(LOG_C4_F32)).fma(f, v.broadcast(LOG_C3_F32)).fma(f, v.broadcast(LOG_C2_F32))
                    .fma(f, v.broadcast(LOG_C1_F32)).fma(f, v.broadcast(LOG_C0_F32));
            FloatVector l1p = f.mul(f).fma(q, f);
            FloatVector w = k.fma(v.broadcast(LN2_HI_F32), k.fma(v.broadcast(LN2_LO_F32), l1p));
            (acc ? w.add(FloatVector.fromArray(SF, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.LOG, i, n, x, xo, y, yo, acc);
    }

    static void tanh(int n, float[] x, int xo, float[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SF.loopBound(n); i < end; i += LF) {
            FloatVector v = FloatVector.fromArray(SF, x, xo + i);
            FloatVector a = v.abs().min(TANH_CLAMP_F32);
            FloatVector t = a.add(a);
            FloatVector kf = t.fma(INV_LN2_F32, EXP_SHIFT_F32);
            FloatVector k = kf.sub(EXP_SHIFT_F32);
            FloatVector r = k.fma(v.broadcast(-LN2_HI_F32), t);
            r = k.fma(v.broadcast(-LN2_LO_F32), r);
            FloatVector p = r.fma(EXP_C4_F32, EXP_C3_F32).fma(r, v.broadcast(EXP_C2_F32))
                    .fma(r, v.broadcast(EXP_C1_F32)).fma(r, v.broadcast(EXP_C0_F32));
            FloatVector q = r.mul(r).fma(p, r);
            FloatVector s = kf.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
            FloatVector e = s.fma(q, s.sub(1f));
            FloatVector th = e.div(e.add(2f));
            FloatVector w = th.viewAsIntegralLanes().or(v.viewAsIntegralLanes().and(0x80000000)).viewAsFloatingLanes();
            (acc ? w.add(FloatVector.fromArray(SF, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.TANH, i, n, x, xo, y, yo, acc);
    }

    /** Elements [from, to) through Libm: the same bits as the vector formulas. */
    private static void scalar(UnaryOp op, int from, int to, float[] x, int xo, float[] y, int yo, boolean acc) {
        for (int j = from; j < to; j++) {
            float f = ElementwiseF32.apply(op, x[xo + j]);
            y[yo + j] = acc ? y[yo + j] + f : f;
        }
    }

    // ------------------------------------------------------------------ float64

    static void exp(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SD.loopBound(n); i < end; i += LD) {
            DoubleVector v = DoubleVector.fromArray(SD, x, xo + i);
            if (v.abs().compare(VectorOperators.GT, EXP_FAST_F64).anyTrue()) {
                scalar(UnaryOp.EXP, i, i + LD, x, xo, y, yo, acc);
                continue;
            }
            DoubleVector kd = v.fma(INV_LN2_F64, EXP_SHIFT_F64);
            DoubleVector k = kd.sub(EXP_SHIFT_F64);
            DoubleVector r = k.fma(v.broadcast(-LN2_HI_F64), v);
            r = k.fma(v.broadcast(-LN2_LO_F64), r);
            DoubleVector p = r.fma(EXP_C10_F64, EXP_C9_F64).fma(r, v.broadcast(EXP_C8_F64)).fma(r, v.broadcast(EXP_C7_F64))
                    .fma(r, v.broadcast(EXP_C6_F64)).fma(r, v.broadcast(EXP_C5_F64)).fma(r, v.broadcast(EXP_C4_F64))
                    .fma(r, v.broadcast(EXP_C3_F64)).fma(r, v.broadcast(EXP_C2_F64)).fma(r, v.broadcast(EXP_C1_F64))
                    .fma(r, v.broadcast(EXP_C0_F64));
            p = r.mul(r).fma(p, r).add(1d);
            DoubleVector w = p.mul(kd.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes());
            (acc ? w.add(DoubleVector.fromArray(SD, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.EXP, i, n, x, xo, y, yo, acc);
    }

    static void sigmoid(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SD.loopBound(n); i < end; i += LD) {
            DoubleVector v = DoubleVector.fromArray(SD, x, xo + i);
            DoubleVector a = v.abs();
            if (a.compare(VectorOperators.GT, EXP_FAST_F64).anyTrue()) {
                scalar(UnaryOp.SIGMOID, i, i + LD, x, xo, y, yo, acc);
                continue;
            }
            a = a.neg();
            DoubleVector kd = a.fma(INV_LN2_F64, EXP_SHIFT_F64);
            DoubleVector k = kd.sub(EXP_SHIFT_F64);
            DoubleVector r = k.fma(v.broadcast(-LN2_HI_F64), a);
            r = k.fma(v.broadcast(-LN2_LO_F64), r);
            DoubleVector p = r.fma(EXP_C10_F64, EXP_C9_F64).fma(r, v.broadcast(EXP_C8_F64)).fma(r, v.broadcast(EXP_C7_F64))
                    .fma(r, v.broadcast(EXP_C6_F64)).fma(r, v.broadcast(EXP_C5_F64)).fma(r, v.broadcast(EXP_C4_F64))
                    .fma(r, v.broadcast(EXP_C3_F64)).fma(r, v.broadcast(EXP_C2_F64)).fma(r, v.broadcast(EXP_C1_F64))
                    .fma(r, v.broadcast(EXP_C0_F64));
            p = r.mul(r).fma(p, r).add(1d);
            DoubleVector e = p.mul(kd.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes());
            // one is made here, not before the loop: held across the scalar() call above it would be
            // boxed in a compilation that may not trap (SimdKernelsF64, "Tails and loop-carried vectors").
            DoubleVector one = DoubleVector.broadcast(SD, 1d);
            DoubleVector w = one.blend(e, v.compare(VectorOperators.LT, 0d)).div(one.add(e));
            (acc ? w.add(DoubleVector.fromArray(SD, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.SIGMOID, i, n, x, xo, y, yo, acc);
    }

    static void log(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SD.loopBound(n); i < end; i += LD) {
            DoubleVector v = DoubleVector.fromArray(SD, x, xo + i);
            if (!v.compare(VectorOperators.GE, Double.MIN_NORMAL).and(v.compare(VectorOperators.LE, Double.MAX_VALUE))
                    .allTrue()) {
                scalar(UnaryOp.LOG, i, i + LD, x, xo, y, yo, acc);
                continue;
            }
            LongVector ix = v.viewAsIntegralLanes().sub(LOG_SQRT_HALF_BITS_F64);
            // k = ix >> 52 as a double, without an arithmetic shift or a long-to-double conversion
            // (AVX2 has neither): (ix + 2^62) >>> 52 is k + 1024, and bits(1.5 * 2^52) + k is 1.5 * 2^52 + k.
            DoubleVector k = ix.add(1L << 62).lanewise(VectorOperators.LSHR, 52)
                    .add(Double.doubleToRawLongBits(MAGIC_F64) - 1024).viewAsFloatingLanes().sub(MAGIC_F64);
            DoubleVector f = ix.and(0x000fffffffffffffL).add(LOG_SQRT_HALF_BITS_F64).viewAsFloatingLanes().sub(1d);
            DoubleVector s = f.div(f.add(2d));
            DoubleVector z = s.mul(s);
            DoubleVector p = z.fma(LOG_C6_F64, LOG_C5_F64).fma(z, v.broadcast(LOG_C4_F64)).fma(z, v.broadcast(LOG_C3_F64))
                    .fma(z, v.broadcast(LOG_C2_F64)).fma(z, v.broadcast(LOG_C1_F64)).fma(z, v.broadcast(LOG_C0_F64));
            DoubleVector hfsq = f.mul(f).mul(0.5d);
            DoubleVector lo = k.fma(v.broadcast(LN2_LO_F64), s.mul(hfsq.add(z.mul(p))));
            DoubleVector w = k.mul(LN2_HI_F64).sub(hfsq.sub(lo).sub(f));
            (acc ? w.add(DoubleVector.fromArray(SD, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.LOG, i, n, x, xo, y, yo, acc);
    }

    static void tanh(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = SD.loopBound(n); i < end; i += LD) {
            DoubleVector v = DoubleVector.fromArray(SD, x, xo + i);
            DoubleVector a = v.abs().min(TANH_CLAMP_F64);
            DoubleVector t = a.add(a);
            DoubleVector kd = t.fma(INV_LN2_F64, EXP_SHIFT_F64);
            DoubleVector k = kd.sub(EXP_SHIFT_F64);
            DoubleVector r = k.fma(v.broadcast(-LN2_HI_F64), t);
            r = k.fma(v.broadcast(-LN2_LO_F64), r);
            DoubleVector p = r.fma(EXP_C10_F64, EXP_C9_F64).fma(r, v.broadcast(EXP_C8_F64)).fma(r, v.broadcast(EXP_C7_F64))
                    .fma(r, v.broadcast(EXP_C6_F64)).fma(r, v.broadcast(EXP_C5_F64)).fma(r, v.broadcast(EXP_C4_F64))
                    .fma(r, v.broadcast(EXP_C3_F64)).fma(r, v.broadcast(EXP_C2_F64)).fma(r, v.broadcast(EXP_C1_F64))
                    .fma(r, v.broadcast(EXP_C0_F64));
            DoubleVector q = r.mul(r).fma(p, r);
            DoubleVector s = kd.viewAsIntegralLanes().lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
            DoubleVector e = s.fma(q, s.sub(1d));
            DoubleVector th = e.div(e.add(2d));
            DoubleVector w = th.viewAsIntegralLanes().or(v.viewAsIntegralLanes().and(0x8000000000000000L))
                    .viewAsFloatingLanes();
            (acc ? w.add(DoubleVector.fromArray(SD, y, yo + i)) : w).intoArray(y, yo + i);
        }
        scalar(UnaryOp.TANH, i, n, x, xo, y, yo, acc);
    }

    private static void scalar(UnaryOp op, int from, int to, double[] x, int xo, double[] y, int yo, boolean acc) {
        for (int j = from; j < to; j++) {
            double f = ElementwiseF64.apply(op, x[xo + j]);
            y[yo + j] = acc ? y[yo + j] + f : f;
        }
    }
}
