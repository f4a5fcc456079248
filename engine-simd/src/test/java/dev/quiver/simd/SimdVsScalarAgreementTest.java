package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The SIMD backend against the scalar backend (the project's oracle), on identical random inputs:
 * sizes 0..67, primes, 207 and 4098, strides 1, 2, 3, -1, 0, both dtypes, accumulate on and off.
 * Every elementwise map and binary op must agree bit for bit, exp/log/tanh/sigmoid/pow included
 * (both backends evaluate Libm's formulas, StrictMath's pow), over their whole range: overflow,
 * underflow, subnormals, zeros, infinities and NaN; sums and sums of squares bitwise too (both
 * backends follow {@link dev.quiver.kernel.internal.CanonicalSum}'s order at every vector width); MAX,
 * MIN, argmax, axpby and fill exactly. Also checks a 2-thread SIMD backend gives the same bits.
 */
class SimdVsScalarAgreementTest {
    final Backend simd = Backends.create("simd", 1);
    final Backend simd2 = Backends.create("simd", 2);
    final Backend scalar = Backends.create("scalar", 1);
    final SplittableRandom random = new SplittableRandom(7);

    static final int[] STRIDES = {1, 2, 3, -1, 0};
    static final double[] SPECIALS = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, 1.0, -1.0};

    int size() {
        int pick = random.nextInt(10);
        return pick == 0 ? 207 : pick == 1 ? 4098 : pick == 2 ? new int[] {0, 1, 2, 3, 13, 17, 31, 61, 67}[random.nextInt(9)]
                : random.nextInt(0, 68);
    }

    int stride() {
        return STRIDES[random.nextInt(STRIDES.length)];
    }

    SimdKernelsAgreementTest.Run data(int n, int stride, Precision p, double lo, double hi) {
        return dataAt(n, stride, 2, p, lo, hi);
    }

    static void close(String what, Precision p, double scalar, double simd, double ulps) {
        close(what, p, scalar, simd, ulps, 0);
    }

    /** Within ulps ulps of the function value, whose magnitude is at most |scalar| + |before| when accumulating. */
    static void close(String what, Precision p, double scalar, double simd, double ulps, double before) {
        if (Double.isNaN(scalar) || Double.isNaN(simd)) {
            if (Double.isNaN(scalar) != Double.isNaN(simd)) fail(what + ": scalar " + scalar + ", simd " + simd);
            return;
        }
        if (ulps == 0 || Double.isInfinite(scalar) || Double.isInfinite(simd)) {
            if (Double.doubleToLongBits(scalar) != Double.doubleToLongBits(simd)) {
                fail(what + ": scalar " + scalar + ", simd " + simd);
            }
            return;
        }
        double tol = ulps * p.ulp(Math.abs(scalar) + Math.abs(before));
        if (!(Math.abs(scalar - simd) <= tol)) fail(what + ": scalar " + scalar + ", simd " + simd + " (tolerance " + tol + ")");
    }

    /** Input range of a map: beyond the fast range of the vector formulas, so both of their paths run. */
    static double range(UnaryOp op, Precision p) {
        return switch (op) {
            case EXP, SIGMOID -> p == Precision.F32 ? 110 : 760;
            case LOG -> p == Precision.F32 ? 3e38 : 1e308;
            default -> 30;
        };
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void mapsAgree(Precision p) {
        for (int trial = 0; trial < 1300; trial++) {
            UnaryOp op = UnaryOp.values()[trial % UnaryOp.values().length];
            int n = size(), xs = stride(), ys = new int[] {1, 2, -1}[random.nextInt(3)];
            boolean acc = random.nextBoolean();
            double hi = range(op, p);
            var x = data(n, xs, p, op == UnaryOp.LOG ? 0 : -hi, hi);
            // LOG: a quarter of the elements spread over all exponents, subnormals included
            if (op == UnaryOp.LOG) for (int i = 0; i < n; i += 4) x.set(i, p.round(Math.scalb(1.0, -random.nextInt(0, 1074))));
            var y1 = data(n, ys, p, -1, 1);
            var y2 = SimdKernelsAgreementTest.Run.of(n, ys, 2);
            System.arraycopy(y1.data(), 0, y2.data(), 0, y1.data().length);
            p.unary(scalar, op, n, x.data(), x.off(), xs, y1.data(), y1.off(), ys, acc);
            p.unary(simd, op, n, x.data(), x.off(), xs, y2.data(), y2.off(), ys, acc);
            for (int i = 0; i < n; i++) {
                close(p + " " + op + " n=" + n + " xs=" + xs + " ys=" + ys + " acc=" + acc + " at " + i,
                        p, y1.get(i), y2.get(i), 0);
            }
        }
        for (int trial = 0; trial < 400; trial++) {
            BinaryOp op = BinaryOp.values()[trial % BinaryOp.values().length];
            int n = size(), as = stride(), bs = stride(), cs = new int[] {1, 2, -1}[random.nextInt(3)];
            boolean acc = random.nextBoolean();
            var a = data(n, as, p, op == BinaryOp.POW ? 0 : -3, 3);
            var b = data(n, bs, p, -3, 3);
            var c1 = data(n, cs, p, -1, 1);
            var c2 = SimdKernelsAgreementTest.Run.of(n, cs, 2);
            System.arraycopy(c1.data(), 0, c2.data(), 0, c1.data().length);
            p.binary(scalar, op, n, a.data(), a.off(), as, b.data(), b.off(), bs, c1.data(), c1.off(), cs, acc);
            p.binary(simd, op, n, a.data(), a.off(), as, b.data(), b.off(), bs, c2.data(), c2.off(), cs, acc);
            for (int i = 0; i < n; i++) {
                close(p + " " + op + " n=" + n + " strides " + as + "," + bs + "," + cs + " acc=" + acc + " at " + i,
                        p, c1.get(i), c2.get(i), 0);
            }
        }
    }

    /** Sizes for the every-op sweep: 0..67 (every tail of every vector width) and primes past it. */
    static final int[] SWEEP_SIZES = java.util.stream.IntStream.concat(java.util.stream.IntStream.rangeClosed(0, 67),
            java.util.stream.IntStream.of(71, 101, 127, 131, 257, 509, 1021, 4099)).toArray();

    /**
     * Every map and every binary op (not a random sample of pairs) on every size of
     * {@link #SWEEP_SIZES}, strides 1, 2 and -1, and offsets 0..3 into the array (the first
     * element at every alignment): bitwise equal on both backends, accumulating and not.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyOpOnEverySizeStrideAndOffset(Precision p) {
        int[] strides = {1, 2, -1};
        for (UnaryOp op : UnaryOp.values()) {
            double hi = range(op, p);
            for (int n : SWEEP_SIZES) {
                for (int si = 0; si < strides.length; si++) {
                    int xs = strides[si], ys = strides[(si + 1) % strides.length], pad = (n + si) % 4;
                    boolean acc = (n & 1) == 1;
                    var x = dataAt(n, xs, pad, p, op == UnaryOp.LOG ? 0 : -hi, hi);
                    var y1 = dataAt(n, ys, 3 - pad, p, -1, 1);
                    var y2 = SimdKernelsAgreementTest.Run.of(n, ys, 3 - pad);
                    System.arraycopy(y1.data(), 0, y2.data(), 0, y1.data().length);
                    p.unary(scalar, op, n, x.data(), x.off(), xs, y1.data(), y1.off(), ys, acc);
                    p.unary(simd, op, n, x.data(), x.off(), xs, y2.data(), y2.off(), ys, acc);
                    for (int i = 0; i < n; i++) {
                        close(p + " " + op + " n=" + n + " xs=" + xs + " ys=" + ys + " offset " + pad + " acc=" + acc + " at " + i,
                                p, y1.get(i), y2.get(i), 0);
                    }
                }
            }
        }
        for (BinaryOp op : BinaryOp.values()) {
            for (int n : SWEEP_SIZES) {
                for (int si = 0; si < strides.length; si++) {
                    int as = strides[si], bs = strides[(si + 1) % strides.length], cs = strides[(si + 2) % strides.length];
                    int pad = (n + si) % 4;
                    boolean acc = (n & 1) == 0;
                    var a = dataAt(n, as, pad, p, op == BinaryOp.POW ? 0 : -3, 3);
                    var b = dataAt(n, bs, 3 - pad, p, -3, 3);
                    var c1 = dataAt(n, cs, (pad + 1) % 4, p, -1, 1);
                    var c2 = SimdKernelsAgreementTest.Run.of(n, cs, (pad + 1) % 4);
                    System.arraycopy(c1.data(), 0, c2.data(), 0, c1.data().length);
                    p.binary(scalar, op, n, a.data(), a.off(), as, b.data(), b.off(), bs, c1.data(), c1.off(), cs, acc);
                    p.binary(simd, op, n, a.data(), a.off(), as, b.data(), b.off(), bs, c2.data(), c2.off(), cs, acc);
                    for (int i = 0; i < n; i++) {
                        close(p + " " + op + " n=" + n + " strides " + as + "," + bs + "," + cs + " offset " + pad
                                + " acc=" + acc + " at " + i, p, c1.get(i), c2.get(i), 0);
                    }
                }
            }
        }
    }

    /** {@link #data} with the run's first element {@code pad} elements into its array. */
    SimdKernelsAgreementTest.Run dataAt(int n, int stride, int pad, Precision p, double lo, double hi) {
        var r = SimdKernelsAgreementTest.Run.of(n, stride, pad);
        for (int i = 0; i < n; i++) {
            r.set(i, p.round(random.nextInt(12) == 0 ? SPECIALS[random.nextInt(SPECIALS.length)] : random.nextDouble(lo, hi)));
        }
        return r;
    }

    /** Every map through TensorMath on contiguous, transposed, strided and offset views: the same bits on both backends. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void mapsOfViewsAreBitwiseEqual(Precision p) {
        var fast = dev.quiver.tensor.TensorMath.of(simd);
        var slow = dev.quiver.tensor.TensorMath.of(scalar);
        var all = dev.quiver.tensor.Index.all();
        for (UnaryOp op : UnaryOp.values()) {
            double hi = range(op, p);
            for (int[] shape : new int[][] {{7, 67}, {13, 41}, {3, 257}}) {
                double[] values = new double[shape[0] * shape[1]];
                for (int i = 0; i < values.length; i++) {
                    values[i] = p.round(random.nextInt(12) == 0 ? SPECIALS[random.nextInt(SPECIALS.length)]
                            : random.nextDouble(op == UnaryOp.LOG ? 0 : -hi, hi));
                }
                var t = p == Precision.F64 ? dev.quiver.tensor.Tensor.of(values, shape)
                        : dev.quiver.tensor.Tensor.of(dev.quiver.tensor.DType.F32, toFloats(values), shape);
                var views = new dev.quiver.tensor.Tensor[] {t, t.transpose(),
                        t.slice(all, dev.quiver.tensor.Index.range(1, shape[1], 2)),
                        t.slice(dev.quiver.tensor.Index.range(1, shape[0]), dev.quiver.tensor.Index.range(3, shape[1]))};
                for (int w = 0; w < views.length; w++) {
                    String name = p + " " + op + " " + java.util.Arrays.toString(shape)
                            + new String[] {"", " transposed", " every 2nd column from 1", " offset (1, 3)"}[w];
                    sameBits(name, slow.unary(op, views[w]), fast.unary(op, views[w]));
                }
            }
        }
    }

    static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) f[i] = (float) values[i];
        return f;
    }

    /**
     * Sums and sums of squares, bitwise equal to the scalar backend at this JVM's vector width
     * (CI runs this class at 128 and 256 bits and the preferred width): every size 0..67, primes
     * up to 4099, strides 1, 2, 3 and -1, offsets 0..3, terms spread over 40 binades so that any
     * other order of summation would show in the last bits.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void sumsAreBitwiseTheScalarBackendsAtEveryWidth(Precision p) {
        int[] primes = {71, 97, 127, 131, 257, 509, 1021, 4099};
        int[] sizes = new int[68 + primes.length];
        for (int i = 0; i < 68; i++) sizes[i] = i;
        System.arraycopy(primes, 0, sizes, 68, primes.length);
        for (int n : sizes)
            for (int xs : new int[] {1, 2, 3, -1})
                for (int pad = 0; pad < 4; pad++) {
                    var x = SimdKernelsAgreementTest.Run.of(n, xs, pad);
                    for (int i = 0; i < n; i++) x.set(i, p.round(random.nextDouble(-1, 1) * Math.scalb(1.0, random.nextInt(-20, 20))));
                    for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.SUM_SQUARES}) {
                        double s = p.reduce(scalar, op, n, x.data(), x.off(), xs);
                        double v = p.reduce(simd, op, n, x.data(), x.off(), xs);
                        if (Double.doubleToLongBits(s) != Double.doubleToLongBits(v)) {
                            fail(p + " " + op + " n=" + n + " xs=" + xs + " off=" + x.off() + ": scalar " + s + ", simd " + v);
                        }
                    }
                }
    }

    /** Tensor sums, means and norms over contiguous, transposed and sliced views: the same bits on both backends. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void tensorSumsMeansAndNormsOfViewsAreBitwiseEqual(Precision p) {
        var fast = dev.quiver.tensor.TensorMath.of(simd);
        var slow = dev.quiver.tensor.TensorMath.of(scalar);
        var dtype = p == Precision.F64 ? dev.quiver.tensor.DType.F64 : dev.quiver.tensor.DType.F32;
        for (int[] shape : new int[][] {{7, 67}, {13, 41}, {3, 257}, {1, 1021}}) {
            var t = dev.quiver.tensor.Tensor.randn(dtype, dev.quiver.tensor.Seed.of(shape[0] * 31L + shape[1]), shape);
            var views = new dev.quiver.tensor.Tensor[] {t, t.transpose(),
                    t.slice(dev.quiver.tensor.Index.all(), dev.quiver.tensor.Index.range(1, shape[1], 2))};
            for (int w = 0; w < views.length; w++) {
                var v = views[w];
                String name = java.util.Arrays.toString(shape) + new String[] {"", " transposed", " sliced"}[w];
                for (int axis = -1; axis < 2; axis++) {
                    int[] axes = axis < 0 ? new int[0] : new int[] {axis};
                    sameBits(p + " sum " + name + " axes " + axis, slow.sum(v, axes), fast.sum(v, axes));
                    sameBits(p + " mean " + name + " axes " + axis, slow.mean(v, axes), fast.mean(v, axes));
                }
                sameBits(p + " norm " + name, slow.norm(v), fast.norm(v));
            }
        }
    }

    static void sameBits(String what, dev.quiver.tensor.Tensor expected, dev.quiver.tensor.Tensor got) {
        assertEquals(expected.size(), got.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            if (Double.doubleToLongBits(expected.getFlat(i)) != Double.doubleToLongBits(got.getFlat(i))) {
                fail(what + " at " + i + ": scalar " + expected.getFlat(i) + ", simd " + got.getFlat(i));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void reductionsArgmaxAxpbyFillAgree(Precision p) {
        for (int trial = 0; trial < 300; trial++) {
            int n = size(), xs = stride(), ys = new int[] {1, 2, -1}[random.nextInt(3)];
            var x = data(n, xs, p, -10, 10);
            for (int i = 0; i < n; i++) if (Double.isNaN(x.get(i)) || Double.isInfinite(x.get(i))) x.set(i, 0.5);
            String what = p + " n=" + n + " xs=" + xs;
            for (ReduceOp op : ReduceOp.values()) {
                double s = p.reduce(scalar, op, n, x.data(), x.off(), xs);
                double v = p.reduce(simd, op, n, x.data(), x.off(), xs);
                assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(p.reduce(simd2, op, n, x.data(), x.off(), xs)),
                        what + " " + op + ": 1 vs 2 threads");
                // Every reduction bitwise: sums follow CanonicalSum's order on both backends.
                assertEquals(Double.doubleToLongBits(s), Double.doubleToLongBits(v), what + " " + op + ": scalar " + s + ", simd " + v);
            }
            assertEquals(p.argmax(scalar, n, x.data(), x.off(), xs), p.argmax(simd, n, x.data(), x.off(), xs), what + " argmax");
            double alpha = random.nextDouble(-2, 2), beta = random.nextInt(3) == 0 ? 0 : random.nextDouble(-2, 2);
            var y1 = data(n, ys, p, -1, 1);
            var y2 = SimdKernelsAgreementTest.Run.of(n, ys, 2);
            System.arraycopy(y1.data(), 0, y2.data(), 0, y1.data().length);
            p.axpby(scalar, n, alpha, x.data(), x.off(), xs, beta, y1.data(), y1.off(), ys);
            p.axpby(simd, n, alpha, x.data(), x.off(), xs, beta, y2.data(), y2.off(), ys);
            for (int i = 0; i < n; i++) close(what + " axpby at " + i, p, y1.get(i), y2.get(i), 0);
            p.fill(scalar, n, alpha, y1.data(), y1.off(), ys);
            p.fill(simd, n, alpha, y2.data(), y2.off(), ys);
            for (int i = 0; i < y1.data().length; i++) close(what + " fill", p, y1.data()[i], y2.data()[i], 0);
        }
    }
}
