package dev.quiver.simd;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.internal.CanonicalSum;
import dev.quiver.kernel.internal.FormulaF64;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.simd.gemm.GemmF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.quiver.kernel.internal.ElementwiseF64.apply;

/**
 * The SIMD backend's float64 kernels on the Vector API ({@link KernelsF64} gives the contracts).
 *
 * <p>Fast paths: maps and binary ops run vectorised when every operand has stride 1 (a binary
 * operand may also have stride 0, a broadcast scalar); reductions, argmax, axpby and fill when
 * the data has stride 1. Sums run on A / L independent vector accumulators (see below; one
 * add chain would be latency-bound); map loops are unrolled by C2; the tail (fewer than L
 * elements) runs the scalar formula, which gives a lane's bits, so an element's result never
 * depends on its position (why not a masked vector: "Tails and loop-carried vectors" at the end
 * of the class). Any other stride (n, negative)
 * takes a scalar loop with the same formulas in the same dtype, so every map and binary op gives
 * identical bits on both paths and on the scalar backend.
 *
 * <p>exp, log, tanh and sigmoid are Quiver's own ({@link VectorLibm}, lane for lane the bits of
 * {@link dev.quiver.kernel.internal.Libm}; error bounds there), not the JDK's VectorOperators EXP/LOG/TANH,
 * which run per lane with java.lang.Math until C2 compiles the loop and with SVML after, and so
 * differed in the last bit between a process's first calls and later ones. POW is StrictMath.pow
 * per element (the JDK's vector POW is SVML at 512 bits and allocating per-lane code below).
 *
 * <p>Sums (SUM, SUM_SQUARES: sums, means, norms, softmax denominators) follow
 * {@link CanonicalSum}'s order, fixed by the problem and not by the vector width: A logical
 * accumulators (16 for float64, 32 for float32) laid out as A / L vectors of L lanes, combined by
 * a fixed halving tree; the strided path and the scalar backend run the same arithmetic in
 * scalars, so a sum has the same bits at 128, 256 and 512 bits and on the scalar backend. Each
 * op has its own loop with its Vector API operator written as a constant, because C2 only
 * intrinsifies constant operators (a parameter falls back to per-lane Java code).
 *
 * <p>Vector width: {@code -Dquiver.simd.bits}, else the preferred species; every kernel, the binary
 * ones and GEMM included, uses this one shape ({@link SimdShape}).
 */
public final class SimdKernelsF64 implements KernelsF64 {
    private static final VectorSpecies<Double> S = VectorSpecies.of(double.class, SimdShape.SHAPE);
    private static final int L = S.length();
    /** Logical accumulators of a sum ({@link CanonicalSum}), mapped onto V vectors of L lanes. */
    private static final int A = CanonicalSum.ACCUMULATORS_F64;
    private static final int V = A / L;

    static {
        if (V != 2 && V != 4 && V != 8) {
            throw new IllegalStateException("SimdKernelsF64: " + L + " lanes do not divide the " + A
                    + " accumulators of a canonical sum into 2, 4 or 8 vectors (-Dquiver.simd.bits=256 works everywhere)");
        }
    }
    private final GemmF64 gemm;

    public SimdKernelsF64(Workers workers) {
        this.gemm = new GemmF64(workers);
    }

    /** Delegates to {@link GemmF64}. */
    @Override
    public void gemm(int batch, int m, int n, int k, double alpha,
                     double[] a, int aOff, int aBatch, int aRow, int aCol,
                     double[] b, int bOff, int bBatch, int bRow, int bCol,
                     double beta,
                     double[] c, int cOff, int cBatch, int cRow, int cCol) {
        gemm.gemm(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
    }

    /** Delegates to {@link GemmF64#gemmShifted}. */
    @Override
    public void gemmShifted(int rows, int m, int n, int k, double alpha,
                            double[] a, int aOff, int aRow, int aCol,
                            double[] b, int bOff, int bStep, int[] bRows, int bRowsOff,
                            double beta, double[] c, int cOff, int cStep, int cRow) {
        gemm.gemmShifted(rows, m, n, k, alpha, a, aOff, aRow, aCol, b, bOff, bStep, bRows, bRowsOff, beta, c, cOff, cStep, cRow);
    }

    /** Delegates to {@link GemmF64#gemmTaps}. */
    @Override
    public void gemmTaps(int rows, int m, int n, int k, int taps,
                         double[] a, int aOff, int aTap, int aRow, int aCol,
                         double[] b, int bOff, int bStep, int bRow, int[] bTap,
                         int[] rowLo, int[] rowHi, int[] colLo, int[] colHi,
                         double[] c, int cOff, int cStep, int cRow) {
        gemm.gemmTaps(rows, m, n, k, taps, a, aOff, aTap, aRow, aCol, b, bOff, bStep, bRow, bTap, rowLo, rowHi, colLo, colHi,
                c, cOff, cStep, cRow);
    }

    /** Delegates to {@link GemmF64#gemmWindows}. */
    @Override
    public void gemmWindows(int m, int n, int p0, int p1, int q, double alpha,
                            double[] a, int aOff, int[] aRows, int aRowsOff, int aStep,
                            double[] b, int bOff, int bRow, int bCol,
                            double beta, double[] c, int cOff, int cRow, int cCol) {
        gemm.gemmWindows(m, n, p0, p1, q, alpha, a, aOff, aRows, aRowsOff, aStep, b, bOff, bRow, bCol, beta, c, cOff, cRow, cCol);
    }

    // ---------------------------------------------------------------- unary maps

    @Override
    public void unary(UnaryOp op, int n, double[] x, int xOff, int xStride,
                      double[] y, int yOff, int yStride, boolean accumulate) {
        if (n <= 0) return;
        if (!op.isPrimitive()) {
            // A composite op: its formula, step by step through the vector kernels below.
            FormulaF64.run(this, op.formula(), n, x, xOff, xStride, y, yOff, yStride, accumulate);
            return;
        }
        if (xStride != 1 || yStride != 1) {
            unaryStrided(op, n, x, xOff, xStride, y, yOff, yStride, accumulate);
            return;
        }
        switch (op) {
            case IDENTITY -> identity(n, x, xOff, y, yOff, accumulate);
            case NEG -> neg(n, x, xOff, y, yOff, accumulate);
            case ABS -> abs(n, x, xOff, y, yOff, accumulate);
            case SIGN -> sign(n, x, xOff, y, yOff, accumulate);
            case EXP -> exp(n, x, xOff, y, yOff, accumulate);
            case LOG -> log(n, x, xOff, y, yOff, accumulate);
            case SQRT -> sqrt(n, x, xOff, y, yOff, accumulate);
            case SQUARE -> square(n, x, xOff, y, yOff, accumulate);
            case RECIPROCAL -> reciprocal(n, x, xOff, y, yOff, accumulate);
            case TANH -> tanh(n, x, xOff, y, yOff, accumulate);
            case SIGMOID -> sigmoid(n, x, xOff, y, yOff, accumulate);
            case RELU -> relu(n, x, xOff, y, yOff, accumulate);
            case STEP -> step(n, x, xOff, y, yOff, accumulate);
            // A primitive without a vector loop yet: the scalar definition, the same bits.
            default -> unaryStrided(op, n, x, xOff, 1, y, yOff, 1, accumulate);
        }
    }

    private static void unaryStrided(UnaryOp op, int n, double[] x, int xOff, int xStride,
                                     double[] y, int yOff, int yStride, boolean accumulate) {
        for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) {
            double v = apply(op, x[xi]);
            y[yi] = accumulate ? y[yi] + v : v;
        }
    }

    // Every map below has the same shape: a main loop over full vectors (C2 unrolls it), then the
    // tail (fewer than L elements) in scalars through the reference formula (unaryStrided), the
    // same bits as a lane gives. Not a masked vector: see "Tails" below. The per-op expression is written out in each loop, twice, on
    // purpose: a helper method taking or returning a vector is boxed whenever C2 declines to
    // inline it, which happens in real programs (many call sites, "already compiled into a big
    // method") even for tiny helpers. Vectors never cross a call in this class.

    private static void identity(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v;
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.IDENTITY, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    private static void neg(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v.neg();
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.NEG, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    private static void abs(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v.abs();
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.ABS, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    /** Math.signum: +-1, and x itself for +-0 and NaN. */
    private static void sign(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        DoubleVector minusOne = DoubleVector.broadcast(S, (double) -1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v.blend(one, v.compare(VectorOperators.GT, (double) 0))
                    .blend(minusOne, v.compare(VectorOperators.LT, (double) 0));
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.SIGN, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    // exp, log, tanh and sigmoid: Libm's formulas, lane for lane the scalar backend's bits.

    private static void exp(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        VectorLibm.exp(n, x, xo, y, yo, acc);
    }

    private static void log(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        VectorLibm.log(n, x, xo, y, yo, acc);
    }

    private static void sqrt(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v.sqrt();
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.SQRT, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    private static void square(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = v.mul(v);
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.SQUARE, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    private static void reciprocal(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = one.div(v);
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.RECIPROCAL, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    private static void tanh(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        VectorLibm.tanh(n, x, xo, y, yo, acc);
    }

    private static void sigmoid(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        VectorLibm.sigmoid(n, x, xo, y, yo, acc);
    }

    /** x > 0 ? x : 0 * x, exactly as the reference (so NaN stays NaN and relu(-3) is -0). */
    private static void relu(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        DoubleVector zero = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = zero.mul(v).blend(v, v.compare(VectorOperators.GT, (double) 0));
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.RELU, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    /** 1 where x > 0, NaN where x is NaN, else 0. */
    private static void step(int n, double[] x, int xo, double[] y, int yo, boolean acc) {
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector r = zero.blend(one, v.compare(VectorOperators.GT, (double) 0)).blend(v, v.test(VectorOperators.IS_NAN));
            (acc ? r.add(DoubleVector.fromArray(S, y, yo + i)) : r).intoArray(y, yo + i);
        }
        if (i < n) unaryStrided(UnaryOp.STEP, n - i, x, xo + i, 1, y, yo + i, 1, acc);
    }

    // ---------------------------------------------------------------- binary maps

    @Override
    public void binary(BinaryOp op, int n, double[] a, int aOff, int aStride,
                       double[] b, int bOff, int bStride,
                       double[] c, int cOff, int cStride, boolean accumulate) {
        if (n <= 0) return;
        boolean vectorisable = cStride == 1 && (aStride == 1 || aStride == 0) && (bStride == 1 || bStride == 0)
                && (aStride | bStride) != 0;
        if (!vectorisable) {
            binaryStrided(op, n, a, aOff, aStride, b, bOff, bStride, c, cOff, cStride, accumulate);
            return;
        }
        switch (op) {
            case ADD -> add(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case SUB -> sub(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case MUL -> mul(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case DIV -> div(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case MIN -> min(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case MAX -> max(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            // StrictMath.pow per element: the JDK's vector POW is SVML at 512 bits (other bits than
            // the scalar backend's) and allocating per-lane Java code below.
            case POW -> binaryStrided(op, n, a, aOff, aStride, b, bOff, bStride, c, cOff, 1, accumulate);
            case GE_MASK -> geMask(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case GT_MASK -> gtMask(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case TANH_GRAD -> tanhGrad(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case SIGMOID_GRAD -> sigmoidGrad(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            case RELU_GRAD -> reluGrad(n, a, aOff, aStride, b, bOff, bStride, c, cOff, accumulate);
            // An op without a vector loop yet: the scalar definition, the same bits.
            default -> binaryStrided(op, n, a, aOff, aStride, b, bOff, bStride, c, cOff, 1, accumulate);
        }
    }

    private static void binaryStrided(BinaryOp op, int n, double[] a, int aOff, int aStride,
                                      double[] b, int bOff, int bStride,
                                      double[] c, int cOff, int cStride, boolean accumulate) {
        for (int i = 0, ai = aOff, bi = bOff, ci = cOff; i < n; i++, ai += aStride, bi += bStride, ci += cStride) {
            double v = apply(op, a[ai], b[bi]);
            c[ci] = accumulate ? c[ci] + v : v;
        }
    }

    // Binary loops: as the maps; an operand with stride 0 is broadcast (a scalar operand).

    /** The tail of a binary loop, elements [i, n), in scalars (an operand of stride 0 stays put). */
    private static void binaryTail(BinaryOp op, int i, int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                                   double[] c, int co, boolean acc) {
        binaryStrided(op, n - i, a, ao + as * i, as, b, bo + bs * i, bs, c, co + i, 1, acc);
    }

    private static void add(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.add(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.ADD, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void sub(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.sub(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.SUB, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void mul(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.mul(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.MUL, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void div(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.div(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.DIV, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void min(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.min(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.MIN, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void max(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                            double[] c, int co, boolean acc) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = va.max(vb);
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.MAX, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void geMask(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                               double[] c, int co, boolean acc) {
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = zero.blend(one, va.compare(VectorOperators.GE, vb));
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.GE_MASK, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    private static void gtMask(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                               double[] c, int co, boolean acc) {
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = zero.blend(one, va.compare(VectorOperators.GT, vb));
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.GT_MASK, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    /** b * (1 - a*a), rounded step by step exactly as the reference (no FMA). */
    private static void tanhGrad(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                                 double[] c, int co, boolean acc) {
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = vb.mul(one.sub(va.mul(va)));
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.TANH_GRAD, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    /** (b * a) * (1 - a), in the reference's evaluation order. */
    private static void sigmoidGrad(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                                    double[] c, int co, boolean acc) {
        DoubleVector one = DoubleVector.broadcast(S, (double) 1);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = vb.mul(va).mul(one.sub(va));
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.SIGMOID_GRAD, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    /** a > 0 ? b : 0. */
    private static void reluGrad(int n, double[] a, int ao, int as, double[] b, int bo, int bs,
                                 double[] c, int co, boolean acc) {
        DoubleVector zero = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector va = as == 0 ? DoubleVector.broadcast(S, a[ao]) : DoubleVector.fromArray(S, a, ao + i);
            DoubleVector vb = bs == 0 ? DoubleVector.broadcast(S, b[bo]) : DoubleVector.fromArray(S, b, bo + i);
            DoubleVector r = zero.blend(vb, va.compare(VectorOperators.GT, (double) 0));
            (acc ? r.add(DoubleVector.fromArray(S, c, co + i)) : r).intoArray(c, co + i);
        }
        if (i < n) binaryTail(BinaryOp.RELU_GRAD, i, n, a, ao, as, b, bo, bs, c, co, acc);
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public double reduce(ReduceOp op, int n, double[] x, int xOff, int xStride) {
        if (n <= 0) return (double) op.identity();
        if (xStride != 1) return reduceStrided(op, n, x, xOff, xStride);
        return switch (op) {
            case SUM -> sum(n, x, xOff);
            case SUM_SQUARES -> sumSquares(n, x, xOff);
            case MAX -> max(n, x, xOff);
            case MIN -> min(n, x, xOff);
        };
    }

    /** SUM and SUM_SQUARES in {@link CanonicalSum}'s order (the vector loops' order); MAX and MIN in any order. */
    private static double reduceStrided(ReduceOp op, int n, double[] x, int xOff, int xStride) {
        double s0 = (double) op.identity();
        int i = 0, xi = xOff;
        switch (op) {
            case SUM, SUM_SQUARES -> {
                return CanonicalSum.sum(n, x, xOff, xStride, op == ReduceOp.SUM_SQUARES);
            }
            case MAX -> {
                for (; i < n; i++, xi += xStride) s0 = Math.max(s0, x[xi]);
                return s0;
            }
            case MIN -> {
                for (; i < n; i++, xi += xStride) s0 = Math.min(s0, x[xi]);
                return s0;
            }
        }
        throw new AssertionError(op);
    }

    // SUM and SUM_SQUARES in CanonicalSum's order: A logical accumulators on V = A / L vectors.

    private static double sum(int n, double[] x, int xo) {
        DoubleVector s0 = DoubleVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int i = 0;
        for (int end = n - A; i <= end; i += A) {
            s0 = s0.add(DoubleVector.fromArray(S, x, xo + i));
            s1 = s1.add(DoubleVector.fromArray(S, x, xo + i + L));
            if (V > 2) {
                s2 = s2.add(DoubleVector.fromArray(S, x, xo + i + 2 * L));
                s3 = s3.add(DoubleVector.fromArray(S, x, xo + i + 3 * L));
            }
            if (V > 4) {
                s4 = s4.add(DoubleVector.fromArray(S, x, xo + i + 4 * L));
                s5 = s5.add(DoubleVector.fromArray(S, x, xo + i + 5 * L));
                s6 = s6.add(DoubleVector.fromArray(S, x, xo + i + 6 * L));
                s7 = s7.add(DoubleVector.fromArray(S, x, xo + i + 7 * L));
            }
        }
        if (i < n) {
            // The partial last block: accumulator j*L+l takes element i + j*L + l; lanes past n add 0.
            int r = n - i;
            s0 = s0.add(DoubleVector.fromArray(S, x, xo + i, S.indexInRange(i, n)));
            if (r > L) s1 = s1.add(DoubleVector.fromArray(S, x, xo + i + L, S.indexInRange(i + L, n)));
            if (V > 2) {
                if (r > 2 * L) s2 = s2.add(DoubleVector.fromArray(S, x, xo + i + 2 * L, S.indexInRange(i + 2 * L, n)));
                if (r > 3 * L) s3 = s3.add(DoubleVector.fromArray(S, x, xo + i + 3 * L, S.indexInRange(i + 3 * L, n)));
            }
            if (V > 4) {
                if (r > 4 * L) s4 = s4.add(DoubleVector.fromArray(S, x, xo + i + 4 * L, S.indexInRange(i + 4 * L, n)));
                if (r > 5 * L) s5 = s5.add(DoubleVector.fromArray(S, x, xo + i + 5 * L, S.indexInRange(i + 5 * L, n)));
                if (r > 6 * L) s6 = s6.add(DoubleVector.fromArray(S, x, xo + i + 6 * L, S.indexInRange(i + 6 * L, n)));
                if (r > 7 * L) s7 = s7.add(DoubleVector.fromArray(S, x, xo + i + 7 * L, S.indexInRange(i + 7 * L, n)));
            }
        }
        // The halving tree: vector adds while whole vectors pair up, then lane adds.
        if (V > 4) {
            s0 = s0.add(s4);
            s1 = s1.add(s5);
            s2 = s2.add(s6);
            s3 = s3.add(s7);
        }
        if (V > 2) {
            s0 = s0.add(s2);
            s1 = s1.add(s3);
        }
        s0 = s0.add(s1);
        return switch (L) {
            case 2 -> s0.lane(0) + s0.lane(1);
            case 4 -> (s0.lane(0) + s0.lane(2)) + (s0.lane(1) + s0.lane(3));
            case 8 -> ((s0.lane(0) + s0.lane(4)) + (s0.lane(2) + s0.lane(6))) + ((s0.lane(1) + s0.lane(5)) + (s0.lane(3) + s0.lane(7)));
            case 16 -> (((s0.lane(0) + s0.lane(8)) + (s0.lane(4) + s0.lane(12))) + ((s0.lane(2) + s0.lane(10)) + (s0.lane(6) + s0.lane(14)))) + (((s0.lane(1) + s0.lane(9)) + (s0.lane(5) + s0.lane(13))) + ((s0.lane(3) + s0.lane(11)) + (s0.lane(7) + s0.lane(15))));
            default -> throw new AssertionError("lanes: " + L);
        };
    }

    private static double sumSquares(int n, double[] x, int xo) {
        DoubleVector s0 = DoubleVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int i = 0;
        for (int end = n - A; i <= end; i += A) {
            { DoubleVector v = DoubleVector.fromArray(S, x, xo + i); s0 = v.fma(v, s0); }
            { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + L); s1 = v.fma(v, s1); }
            if (V > 2) {
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 2 * L); s2 = v.fma(v, s2); }
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 3 * L); s3 = v.fma(v, s3); }
            }
            if (V > 4) {
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 4 * L); s4 = v.fma(v, s4); }
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 5 * L); s5 = v.fma(v, s5); }
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 6 * L); s6 = v.fma(v, s6); }
                { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 7 * L); s7 = v.fma(v, s7); }
            }
        }
        if (i < n) {
            // The partial last block: accumulator j*L+l takes element i + j*L + l; lanes past n add 0.
            int r = n - i;
            { DoubleVector v = DoubleVector.fromArray(S, x, xo + i, S.indexInRange(i, n)); s0 = v.fma(v, s0); }
            if (r > L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + L, S.indexInRange(i + L, n)); s1 = v.fma(v, s1); }
            if (V > 2) {
                if (r > 2 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 2 * L, S.indexInRange(i + 2 * L, n)); s2 = v.fma(v, s2); }
                if (r > 3 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 3 * L, S.indexInRange(i + 3 * L, n)); s3 = v.fma(v, s3); }
            }
            if (V > 4) {
                if (r > 4 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 4 * L, S.indexInRange(i + 4 * L, n)); s4 = v.fma(v, s4); }
                if (r > 5 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 5 * L, S.indexInRange(i + 5 * L, n)); s5 = v.fma(v, s5); }
                if (r > 6 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 6 * L, S.indexInRange(i + 6 * L, n)); s6 = v.fma(v, s6); }
                if (r > 7 * L) { DoubleVector v = DoubleVector.fromArray(S, x, xo + i + 7 * L, S.indexInRange(i + 7 * L, n)); s7 = v.fma(v, s7); }
            }
        }
        // The halving tree: vector adds while whole vectors pair up, then lane adds.
        if (V > 4) {
            s0 = s0.add(s4);
            s1 = s1.add(s5);
            s2 = s2.add(s6);
            s3 = s3.add(s7);
        }
        if (V > 2) {
            s0 = s0.add(s2);
            s1 = s1.add(s3);
        }
        s0 = s0.add(s1);
        return switch (L) {
            case 2 -> s0.lane(0) + s0.lane(1);
            case 4 -> (s0.lane(0) + s0.lane(2)) + (s0.lane(1) + s0.lane(3));
            case 8 -> ((s0.lane(0) + s0.lane(4)) + (s0.lane(2) + s0.lane(6))) + ((s0.lane(1) + s0.lane(5)) + (s0.lane(3) + s0.lane(7)));
            case 16 -> (((s0.lane(0) + s0.lane(8)) + (s0.lane(4) + s0.lane(12))) + ((s0.lane(2) + s0.lane(10)) + (s0.lane(6) + s0.lane(14)))) + (((s0.lane(1) + s0.lane(9)) + (s0.lane(5) + s0.lane(13))) + ((s0.lane(3) + s0.lane(11)) + (s0.lane(7) + s0.lane(15))));
            default -> throw new AssertionError("lanes: " + L);
        };
    }

    // MAX and MIN: eight (then four) vectors at a time folded to one and reduced to a scalar, then
    // single vectors, then the last (fewer than L) elements in scalars. No vector is carried from one
    // iteration to the next and there is no masked vector: see "Tails and loop-carried vectors"
    // at the end of the class. Math.max per element is MAX per lane (NaN wins, +0 > -0), so
    // neither the split nor the combining order can change the result.

    private static double max(int n, double[] x, int xo) {
        double r = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (int end = n - 8 * L; i <= end; i += 8 * L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i).max(DoubleVector.fromArray(S, x, xo + i + L))
                    .max(DoubleVector.fromArray(S, x, xo + i + 2 * L).max(DoubleVector.fromArray(S, x, xo + i + 3 * L)))
                    .max(DoubleVector.fromArray(S, x, xo + i + 4 * L).max(DoubleVector.fromArray(S, x, xo + i + 5 * L))
                            .max(DoubleVector.fromArray(S, x, xo + i + 6 * L).max(DoubleVector.fromArray(S, x, xo + i + 7 * L))));
            r = Math.max(r, v.reduceLanes(VectorOperators.MAX));
        }
        if (i <= n - 4 * L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i).max(DoubleVector.fromArray(S, x, xo + i + L))
                    .max(DoubleVector.fromArray(S, x, xo + i + 2 * L).max(DoubleVector.fromArray(S, x, xo + i + 3 * L)));
            r = Math.max(r, v.reduceLanes(VectorOperators.MAX));
            i += 4 * L;
        }
        for (int end = n - L; i <= end; i += L) r = Math.max(r, DoubleVector.fromArray(S, x, xo + i).reduceLanes(VectorOperators.MAX));
        for (; i < n; i++) r = Math.max(r, x[xo + i]);
        return r;
    }

    private static double min(int n, double[] x, int xo) {
        double r = Double.POSITIVE_INFINITY;
        int i = 0;
        for (int end = n - 8 * L; i <= end; i += 8 * L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i).min(DoubleVector.fromArray(S, x, xo + i + L))
                    .min(DoubleVector.fromArray(S, x, xo + i + 2 * L).min(DoubleVector.fromArray(S, x, xo + i + 3 * L)))
                    .min(DoubleVector.fromArray(S, x, xo + i + 4 * L).min(DoubleVector.fromArray(S, x, xo + i + 5 * L))
                            .min(DoubleVector.fromArray(S, x, xo + i + 6 * L).min(DoubleVector.fromArray(S, x, xo + i + 7 * L))));
            r = Math.min(r, v.reduceLanes(VectorOperators.MIN));
        }
        if (i <= n - 4 * L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i).min(DoubleVector.fromArray(S, x, xo + i + L))
                    .min(DoubleVector.fromArray(S, x, xo + i + 2 * L).min(DoubleVector.fromArray(S, x, xo + i + 3 * L)));
            r = Math.min(r, v.reduceLanes(VectorOperators.MIN));
            i += 4 * L;
        }
        for (int end = n - L; i <= end; i += L) r = Math.min(r, DoubleVector.fromArray(S, x, xo + i).reduceLanes(VectorOperators.MIN));
        for (; i < n; i++) r = Math.min(r, x[xo + i]);
        return r;
    }

    // ---------------------------------------------------------------- argmax, axpby, fill

    @Override
    public int argmax(int n, double[] x, int xOff, int xStride) {
        if (n <= 0) return -1;
        if (xStride != 1) return argmaxStrided(n, x, xOff, xStride);
        // Two vectorised passes: the maximum (NaN if any element is NaN), then its first index.
        double best = max(n, x, xOff);
        boolean nan = Double.isNaN(best);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, xOff + i);
            VectorMask<Double> hit = nan ? v.test(VectorOperators.IS_NAN) : v.compare(VectorOperators.EQ, best);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < n; i++) {
            double v = x[xOff + i];
            if (nan ? v != v : v == best) return i;
        }
        throw new AssertionError("the maximum " + best + " was not found again");
    }

    private static int argmaxStrided(int n, double[] x, int xOff, int xStride) {
        int best = 0;
        double bestValue = x[xOff];
        if (Double.isNaN(bestValue)) return 0;
        for (int i = 1, xi = xOff + xStride; i < n; i++, xi += xStride) {
            double v = x[xi];
            if (Double.isNaN(v)) return i;
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void axpby(int n, double alpha, double[] x, int xOff, int xStride,
                      double beta, double[] y, int yOff, int yStride) {
        if (n <= 0) return;
        if (xStride != 1 || yStride != 1) {
            for (int i = 0, xi = xOff, yi = yOff; i < n; i++, xi += xStride, yi += yStride) {
                y[yi] = beta == 0 ? alpha * x[xi] : alpha * x[xi] + beta * y[yi];
            }
            return;
        }
        int i = 0;
        if (beta == 0) {
            for (int end = S.loopBound(n); i < end; i += L) {
                DoubleVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(y, yOff + i);
            }
            for (; i < n; i++) y[yOff + i] = alpha * x[xOff + i];
        } else {
            // alpha*x + beta*y with two roundings and one add, as the scalar definition (no FMA).
            for (int end = S.loopBound(n); i < end; i += L) {
                DoubleVector.fromArray(S, x, xOff + i).mul(alpha)
                        .add(DoubleVector.fromArray(S, y, yOff + i).mul(beta)).intoArray(y, yOff + i);
            }
            for (; i < n; i++) y[yOff + i] = alpha * x[xOff + i] + beta * y[yOff + i];
        }
    }

    @Override
    public void fill(int n, double value, double[] y, int yOff, int yStride) {
        if (n <= 0) return;
        if (yStride != 1) {
            for (int i = 0, yi = yOff; i < n; i++, yi += yStride) y[yi] = value;
            return;
        }
        DoubleVector v = DoubleVector.broadcast(S, value);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) v.intoArray(y, yOff + i);
        for (; i < n; i++) y[yOff + i] = value;
    }

    /**
     * The interface's formula on whole vectors; the tail (fewer than one vector) and the rare
     * beta == 0 forms run its scalar loop, which gives every element the same bits.
     */
    @Override
    public void adam(int n, double lrT, double beta1, double beta2, double eps, double decay,
                     double[] w, int wOff, double[] g, int gOff, double[] m, int mOff, double[] v, int vOff) {
        int i = 0;
        if (beta1 != 0 && beta2 != 0) {
            double a1 = 1 - beta1, a2 = 1 - beta2, step = -lrT;
            boolean decayed = decay != 1;
            for (int end = S.loopBound(n); i < end; i += L) {
                DoubleVector gv = DoubleVector.fromArray(S, g, gOff + i);
                DoubleVector mv = gv.mul(a1).add(DoubleVector.fromArray(S, m, mOff + i).mul(beta1));
                DoubleVector vv = gv.mul(gv).mul(a2).add(DoubleVector.fromArray(S, v, vOff + i).mul(beta2));
                mv.intoArray(m, mOff + i);
                vv.intoArray(v, vOff + i);
                DoubleVector wv = DoubleVector.fromArray(S, w, wOff + i);
                if (decayed) wv = wv.mul(decay);
                mv.div(vv.sqrt().add(eps)).mul(step).add(wv).intoArray(w, wOff + i);
            }
        }
        if (i < n) KernelsF64.super.adam(n - i, lrT, beta1, beta2, eps, decay, w, wOff + i, g, gOff + i, m, mOff + i, v, vOff + i);
    }

    /**
     * Vector moves per row, a masked vector for the tail (a row of a convolution is often shorter
     * than one vector: then one masked load, add and store). The same bits as the scalar loops.
     */
    @Override
    public void copyRows(int rows, int n, double[] x, int xOff, int xRow,
                         double[] y, int yOff, int yRow, boolean accumulate) {
        if (rows <= 0 || n <= 0) return;
        int bound = S.loopBound(n);
        VectorMask<Double> tail = S.indexInRange(bound, n);
        for (int r = 0; r < rows; r++) {
            int xi = xOff + r * xRow, yi = yOff + r * yRow, i = 0;
            if (accumulate) {
                for (; i < bound; i += L) {
                    DoubleVector.fromArray(S, y, yi + i).add(DoubleVector.fromArray(S, x, xi + i)).intoArray(y, yi + i);
                }
                if (i < n) {
                    DoubleVector.fromArray(S, y, yi + i, tail).add(DoubleVector.fromArray(S, x, xi + i, tail)).intoArray(y, yi + i, tail);
                }
            } else {
                for (; i < bound; i += L) DoubleVector.fromArray(S, x, xi + i).intoArray(y, yi + i);
                if (i < n) DoubleVector.fromArray(S, x, xi + i, tail).intoArray(y, yi + i, tail);
            }
        }
    }

    /**
     * Per vector of the row, the terms' masked loads summed in one register. A lane a term does not
     * cover adds the load's +0, which changes nothing: a sum started from +0 is never -0.
     */
    @Override
    public void gatherRow(int n, int t0, int t1, double[] x, int xOff, int[] rel, int[] lo, int[] hi,
                          double[] y, int yOff) {
        for (int i0 = 0; i0 < n; i0 += L) {
            DoubleVector acc = DoubleVector.zero(S);
            for (int t = t0; t < t1; t++) {
                int a = lo[t], b = hi[t];
                if (b <= i0 || a >= i0 + L || a >= b) continue;
                // Lanes [from, to) of this vector, from two masks of a leading run of lanes: not
                // indexInRange(i0 - a, ...), which with a negative offset builds the mask in Java, nor
                // VectorMask.fromLong, which allocates at 128 bits (SimdNoAllocationTest).
                int from = Math.max(a - i0, 0), to = Math.min(Math.min(b, n) - i0, L);
                VectorMask<Double> m = S.indexInRange(0, to).andNot(S.indexInRange(0, from));
                acc = acc.add(DoubleVector.fromArray(S, x, xOff + rel[t] + i0, m));
            }
            if (i0 + L <= n) acc.intoArray(y, yOff + i0);
            else acc.intoArray(y, yOff + i0, S.indexInRange(i0, n));
        }
    }

    // ---------------------------------------------------------------- tails and loop-carried vectors
    //
    // Issue 14's intermittent allocation on the Adam step (50-100 KB per step in some JVMs; in every
    // JVM run with -XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0) came from C2 compilations
    // that may not use uncommon traps. HotSpot counts traps per method, and the Vector API's
    // shared methods (DoubleVector.max, lanewiseTemplate, ...) collect them from every caller in
    // the process, so one JVM passes the limits and the next does not; past them a profiled
    // virtual call (DoubleVector.max -> Double512Vector.lanewise) keeps a real virtual call for
    // other receiver classes instead of a trap. Measured in that regime (docs/measurements.md,
    // 2026-12-08): with every tail in scalars, all that was left was the row maximum's accumulator
    // vector carried around its loop, boxed on every iteration, and without it nothing. (Working
    // explanation: the loop phi's exact class is not inferred from its own back edge before C2's
    // box elimination, so the guard and its call stay and the phi needs an object.) So:
    //   - tails in scalars, through the scalar formula (a lane's bits), never a masked vector;
    //   - no vector carried from one iteration to the next where the order is free (max, min:
    //     each fold of vectors is reduced to a scalar). The sums keep their accumulator vectors
    //     (the canonical order needs them) and their masked last block: not seen boxing on the
    //     Adam step; what remains is in docs/measurements.md.
    // SimdTrainingStepNoAllocationTest runs with those trap limits in pom executions of its own,
    // so a kernel that boxes in that regime fails every build, not one in five.
}
