package dev.quiver.backend.scalar;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The scalar kernels called directly with raw strides (positive, zero, negative) and GEMMs large
 * enough to cross every tile boundary, against plain loops; and bitwise thread independence.
 */
class ScalarKernelsTest {
    static final Backend ONE = Backends.create("scalar", 1);

    static double[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 2 * r.nextDouble() - 1;
        return v;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    @Test
    void providerAndBackend() {
        ScalarProvider p = new ScalarProvider();
        assertEquals("scalar", p.name());
        assertEquals(0, p.priority());
        assertTrue(p.unsupportedReason().isEmpty());
        assertTrue(Backends.available().contains("scalar"));
        Backend b = Backends.create("scalar", 3);
        assertEquals(3, b.threads());
        assertEquals("scalar (3 threads)", b.description());
    }

    @Test
    void elementwiseWithZeroAndNegativeStrides() {
        KernelsF64 k = ONE.f64();
        double[] x = random(1, 40), y = new double[40];
        // x read backwards with stride -2 from position 38, written with stride 3
        k.unary(UnaryOp.SQUARE, 10, x, 38, -2, y, 1, 3, false);
        for (int i = 0; i < 10; i++) assertEquals(x[38 - 2 * i] * x[38 - 2 * i], y[1 + 3 * i]);
        // broadcast: stride 0 on b
        double[] c = new double[12];
        k.binary(BinaryOp.SUB, 12, x, 0, 1, x, 5, 0, c, 0, 1, false);
        for (int i = 0; i < 12; i++) assertEquals(x[i] - x[5], c[i]);
        // accumulate with negative output stride
        double[] acc = new double[5];
        Arrays.fill(acc, 1);
        k.binary(BinaryOp.MUL, 5, x, 0, 1, x, 10, 1, acc, 4, -1, true);
        for (int i = 0; i < 5; i++) assertEquals(1 + x[i] * x[10 + i], acc[4 - i]);
        // reductions over strided runs, including empty ones
        double s = 0, sq = 0, mx = Double.NEGATIVE_INFINITY, mn = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 13; i++) {
            double v = x[39 - 3 * i];
            s += v; sq += v * v; mx = Math.max(mx, v); mn = Math.min(mn, v);
        }
        assertEquals(s, k.reduce(ReduceOp.SUM, 13, x, 39, -3), 1e-14);
        assertEquals(sq, k.reduce(ReduceOp.SUM_SQUARES, 13, x, 39, -3), 1e-14);
        assertEquals(mx, k.reduce(ReduceOp.MAX, 13, x, 39, -3));
        assertEquals(mn, k.reduce(ReduceOp.MIN, 13, x, 39, -3));
        assertEquals(7 * x[3], k.reduce(ReduceOp.SUM, 7, x, 3, 0), 1e-15);
        for (ReduceOp op : ReduceOp.values()) assertEquals(op.identity(), k.reduce(op, 0, x, 0, 1));
        assertEquals(-1, k.argmax(0, x, 0, 1));
        int best = 0;
        for (int i = 1; i < 13; i++) if (x[39 - 3 * i] > x[39 - 3 * best]) best = i;
        assertEquals(best, k.argmax(13, x, 39, -3));
        // axpby and fill with strides
        double[] yy = random(2, 20), before = yy.clone();
        k.axpby(10, 2, x, 0, 0, 3, yy, 19, -2);
        for (int i = 0; i < 10; i++) assertEquals(2 * x[0] + 3 * before[19 - 2 * i], yy[19 - 2 * i], 1e-15);
        k.fill(4, 7, yy, 3, 5);
        for (int i = 0; i < 4; i++) assertEquals(7, yy[3 + 5 * i]);
        // float32 twin, same layout
        KernelsF32 f = ONE.f32();
        float[] xf = toFloat(x), yf = new float[40];
        f.unary(UnaryOp.NEG, 10, xf, 38, -2, yf, 1, 3, false);
        for (int i = 0; i < 10; i++) assertEquals(-xf[38 - 2 * i], yf[1 + 3 * i]);
    }

    /** Unit strides take the fast paths: same offsets, different offsets, a broadcast scalar, in place. */
    @Test
    void unitStrideFastPathsEveryOp() {
        KernelsF64 k = ONE.f64();
        KernelsF32 f = ONE.f32();
        for (int n : new int[] {0, 1, 3, 17, 67}) {
            double[] x = random(11, n + 8), z = random(12, n + 8);
            for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]) + 0.5; // inside every op's domain
            for (int[] offs : new int[][] {{0, 0, 0}, {3, 3, 3}, {1, 5, 2}, {4, 0, 7}}) {
                int xo = offs[0], zo = offs[1], yo = offs[2];
                for (UnaryOp op : UnaryOp.values()) {
                    double[] y = new double[n + 8];
                    k.unary(op, n, x, xo, 1, y, yo, 1, false);
                    for (int i = 0; i < n; i++) assertEquals(op.apply(x[xo + i]), y[yo + i], 1e-15, op + " n=" + n);
                    float[] yf = new float[n + 8], xf = toFloat(x);
                    f.unary(op, n, xf, xo, 1, yf, yo, 1, false);
                    for (int i = 0; i < n; i++) assertEquals(op.apply(xf[xo + i]), yf[yo + i], 4e-7 * (1 + Math.abs(yf[yo + i])), op + " F32 n=" + n);
                }
                for (BinaryOp op : BinaryOp.values()) {
                    for (int bStride : new int[] {1, 0}) {
                        double[] c = new double[n + 8];
                        k.binary(op, n, x, xo, 1, z, zo, bStride, c, yo, 1, false);
                        for (int i = 0; i < n; i++) {
                            assertEquals(op.apply(x[xo + i], z[zo + i * bStride]), c[yo + i], 1e-15, op + " n=" + n + " bStride " + bStride);
                        }
                    }
                    // in place on a, with b at the same or another offset
                    double[] inPlace = x.clone();
                    k.binary(op, n, inPlace, xo, 1, z, zo, 1, inPlace, xo, 1, false);
                    for (int i = 0; i < n; i++) assertEquals(op.apply(x[xo + i], z[zo + i]), inPlace[xo + i], 1e-15, op + " in place");
                }
                double[] y = z.clone();
                k.axpby(n, 2, x, xo, 1, -0.5, y, xo == yo ? xo : yo, 1);
                int at = xo == yo ? xo : yo;
                for (int i = 0; i < n; i++) assertEquals(2 * x[xo + i] - 0.5 * z[at + i], y[at + i], 1e-15);
                k.fill(n, 3, y, yo, 1);
                for (int i = 0; i < n; i++) assertEquals(3, y[yo + i]);
            }
        }
    }

    /**
     * Sums follow {@link dev.quiver.kernel.internal.CanonicalSum}'s specification, written here the plain way:
     * A accumulators in an array (element i to i mod A, in the run's dtype, squares by one FMA), then
     * the halving tree. Bitwise, for every size 0..100 and 1000, strides 1, 3 and -2.
     */
    @Test
    void sumsFollowTheCanonicalOrderInTheRunsDtype() {
        var random = new java.util.SplittableRandom(14);
        for (int n = 0; n <= 101; n++) {
            int size = n == 101 ? 1000 : n;
            for (int stride : new int[] {1, 3, -2}) {
                int span = size == 0 ? 1 : (size - 1) * Math.abs(stride) + 1, off = stride < 0 ? span - 1 : 0;
                double[] d = new double[span];
                float[] f = new float[span];
                for (int i = 0; i < span; i++) {
                    d[i] = random.nextDouble(-1, 1) * Math.scalb(1.0, random.nextInt(-20, 20));
                    f[i] = (float) d[i];
                }
                for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.SUM_SQUARES}) {
                    boolean sq = op == ReduceOp.SUM_SQUARES;
                    double[] a64 = new double[16];
                    float[] a32 = new float[32];
                    for (int i = 0, xi = off; i < size; i++, xi += stride) {
                        a64[i % 16] = sq ? Math.fma(d[xi], d[xi], a64[i % 16]) : a64[i % 16] + d[xi];
                        a32[i % 32] = sq ? Math.fma(f[xi], f[xi], a32[i % 32]) : a32[i % 32] + f[xi];
                    }
                    for (int h = 8; h >= 1; h /= 2) for (int j = 0; j < h; j++) a64[j] += a64[j + h];
                    for (int h = 16; h >= 1; h /= 2) for (int j = 0; j < h; j++) a32[j] += a32[j + h];
                    String what = op + " n=" + size + " stride=" + stride;
                    assertEquals(Double.doubleToLongBits(a64[0]), Double.doubleToLongBits(ONE.f64().reduce(op, size, d, off, stride)), what);
                    assertEquals(Float.floatToIntBits(a32[0]), Float.floatToIntBits(ONE.f32().reduce(op, size, f, off, stride)), what);
                }
            }
        }
    }

    /** A long float32 sum errs by at most about n/32 roundings (32 accumulators of n/32 terms each). */
    @Test
    void longFloat32SumsStayWithinTheirBound() {
        int n = 1 << 20;
        float[] x = new float[n];
        Arrays.fill(x, 0.1f);
        double exact = (double) n * 0.1f;
        double bound = exact * (n / 32.0) * 0x1p-24;
        assertEquals(exact, ONE.f32().reduce(ReduceOp.SUM, n, x, 0, 1), bound);
        assertEquals(exact * 0.1f, ONE.f32().reduce(ReduceOp.SUM_SQUARES, n, x, 0, 1), bound * 0.1f);
    }

    @Test
    void unaryDefinitionsAtEdges() {
        KernelsF64 k = ONE.f64();
        double[] in = {0, -0.0, 1e-300, -800, 800, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] out = new double[in.length];
        k.unary(UnaryOp.SIGMOID, in.length, in, 0, 1, out, 0, 1, false);
        assertEquals(0.5, out[0]);
        assertEquals(0, out[3]);      // no overflow for large negative x
        assertEquals(1, out[4]);
        assertTrue(Double.isNaN(out[5]));
        k.unary(UnaryOp.RELU, in.length, in, 0, 1, out, 0, 1, false);
        assertEquals(0, out[3], 0.0); // -0.0 (0 * x) compares equal to 0
        assertTrue(Double.isNaN(out[5]));
        k.unary(UnaryOp.STEP, in.length, in, 0, 1, out, 0, 1, false);
        assertArrayEquals(new double[] {0, 0, 1, 0, 1, Double.NaN, 1, 0}, out);
        k.unary(UnaryOp.SIGN, in.length, in, 0, 1, out, 0, 1, false);
        assertEquals(1, out[2]);
        assertEquals(-1, out[3]);
        assertTrue(Double.isNaN(out[5]));
    }

    /** C[p] = alpha A[p] B[p] + beta C[p] by triple loop with the same stride conventions. */
    static void gemmRef(int batch, int m, int n, int k, double alpha,
                        double[] a, int aOff, int aBatch, int aRow, int aCol,
                        double[] b, int bOff, int bBatch, int bRow, int bCol,
                        double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
        for (int p = 0; p < batch; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) s += a[aOff + p * aBatch + i * aRow + l * aCol] * b[bOff + p * bBatch + l * bRow + j * bCol];
                    int ci = cOff + p * cBatch + i * cRow + j * cCol;
                    c[ci] = beta == 0 ? alpha * s : alpha * s + beta * c[ci];
                }
    }

    /** One GEMM case in both dtypes: A and B in the given orientation, C row- or column-major. */
    static void checkGemm(Backend be, int batch, int m, int n, int k, boolean aT, boolean bT, boolean cT,
                          boolean shareA, double alpha, double beta) {
        int aRow = aT ? 1 : k, aCol = aT ? m : 1, bRow = bT ? 1 : n, bCol = bT ? k : 1;
        int cRow = cT ? 1 : n, cCol = cT ? m : 1;
        int aBatch = shareA ? 0 : m * k, bBatch = k * n, cBatch = m * n;
        double[] a = random(3, Math.max(1, (shareA ? 1 : batch) * m * k)), b = random(4, Math.max(1, batch * k * n));
        double[] c0 = random(5, Math.max(1, batch * m * n));
        double[] expected = c0.clone(), got = c0.clone();
        gemmRef(batch, m, n, k, alpha, a, 0, aBatch, aRow, aCol, b, 0, bBatch, bRow, bCol, beta, expected, 0, cBatch, cRow, cCol);
        be.f64().gemm(batch, m, n, k, alpha, a, 0, aBatch, aRow, aCol, b, 0, bBatch, bRow, bCol, beta, got, 0, cBatch, cRow, cCol);
        String what = batch + "x" + m + "x" + n + "x" + k + (aT ? " Aᵀ" : "") + (bT ? " Bᵀ" : "") + (cT ? " Cᵀ" : "")
                + (shareA ? " shared A" : "") + " alpha " + alpha + " beta " + beta;
        double tol = 8 * Math.ulp(1.0) * (k + 2) * (1 + Math.abs(alpha));
        for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], tol * (1 + Math.abs(expected[i])), what + " F64 at " + i);
        float[] af = toFloat(a), bf = toFloat(b), cf = toFloat(c0);
        double[] ad = new double[a.length], bd = new double[b.length], cd = new double[c0.length];
        for (int i = 0; i < a.length; i++) ad[i] = af[i];
        for (int i = 0; i < b.length; i++) bd[i] = bf[i];
        for (int i = 0; i < c0.length; i++) cd[i] = cf[i];
        gemmRef(batch, m, n, k, (float) alpha, ad, 0, aBatch, aRow, aCol, bd, 0, bBatch, bRow, bCol, (float) beta, cd, 0, cBatch, cRow, cCol);
        be.f32().gemm(batch, m, n, k, (float) alpha, af, 0, aBatch, aRow, aCol, bf, 0, bBatch, bRow, bCol, (float) beta, cf, 0, cBatch, cRow, cCol);
        double tolF = 8 * Math.ulp(1.0f) * (k + 2) * (1 + Math.abs(alpha));
        for (int i = 0; i < cf.length; i++) assertEquals(cd[i], cf[i], tolF * (1 + Math.abs(cd[i])), what + " F32 at " + i);
    }

    @Test
    void gemmSmallAndTiledPathsAllOrientations() {
        int[][] sizes = {{1, 1, 1}, {3, 17, 67}, {67, 3, 17}, {0, 5, 5}, {5, 0, 5}, {5, 5, 0},
                {130, 300, 261}, {65, 257, 129}, {64, 256, 128}, {2, 600, 40}, {500, 1, 300}, {1, 500, 300}, {300, 3, 200}};
        int variant = 0;
        for (int[] s : sizes) {
            for (int o = 0; o < 8; o++) {
                boolean aT = (o & 1) != 0, bT = (o & 2) != 0, cT = (o & 4) != 0;
                double alpha = variant % 3 == 0 ? 1 : -0.5, beta = variant % 3 == 1 ? 0 : variant % 3 == 2 ? 1 : 0.25;
                checkGemm(ONE, 1, s[0], s[1], s[2], aT, bT, cT, false, alpha, beta);
                variant++;
            }
        }
        checkGemm(ONE, 3, 70, 260, 33, false, false, false, false, 1, 0);
        checkGemm(ONE, 3, 70, 260, 33, true, false, false, true, 2, 0.5);
        checkGemm(ONE, 4, 5, 6, 7, false, true, true, true, 1, 0);
    }

    @Test
    void gemmBetaZeroIgnoresNaNInC() {
        for (int n : new int[] {5, 100}) {
            double[] a = random(1, n * n), b = random(2, n * n), c = new double[n * n];
            Arrays.fill(c, Double.NaN);
            ONE.f64().gemm(1, n, n, n, 1, a, 0, 0, n, 1, b, 0, 0, n, 1, 0, c, 0, 0, n, 1);
            for (double v : c) assertFalse(Double.isNaN(v));
        }
    }

    @Test
    void gemmBitwiseIdenticalForAnyThreadCount() {
        // several tiles; and one tile that is split into narrower ones when there are more threads
        checkThreadIndependence(200, 530, 140);
        checkThreadIndependence(64, 256, 300);
    }

    static void checkThreadIndependence(int m, int n, int k) {
        double[] a = random(7, m * k), b = random(8, k * n);
        float[] af = toFloat(a), bf = toFloat(b);
        double[] ref = new double[m * n];
        float[] refF = new float[m * n];
        ONE.f64().gemm(1, m, n, k, 1, a, 0, 0, 1, m, b, 0, 0, n, 1, 0, ref, 0, 0, n, 1);
        ONE.f32().gemm(1, m, n, k, 1, af, 0, 0, 1, m, bf, 0, 0, n, 1, 0, refF, 0, 0, n, 1);
        for (int threads : new int[] {2, 3}) {
            Backend be = Backends.create("scalar", threads);
            double[] c = new double[m * n];
            float[] cf = new float[m * n];
            for (int rep = 0; rep < 3; rep++) {
                be.f64().gemm(1, m, n, k, 1, a, 0, 0, 1, m, b, 0, 0, n, 1, 0, c, 0, 0, n, 1);
                be.f32().gemm(1, m, n, k, 1, af, 0, 0, 1, m, bf, 0, 0, n, 1, 0, cf, 0, 0, n, 1);
                for (int i = 0; i < c.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(ref[i]), Double.doubleToRawLongBits(c[i]), threads + " threads F64 at " + i);
                    assertEquals(Float.floatToRawIntBits(refF[i]), Float.floatToRawIntBits(cf[i]), threads + " threads F32 at " + i);
                }
            }
        }
    }
}
