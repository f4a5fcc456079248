package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.quiver.tensor.Ref.LAYOUTS;
import static dev.quiver.tensor.Ref.Layout;
import static org.junit.jupiter.api.Assertions.*;

/** dot, outer, matmul (all rank forms), gemm and mode-n products against triple loops. */
class LinalgTest {
    static final TensorMath M = TensorMath.of(Backends.create("scalar", 1));
    static final int[] SIZES = {1, 3, 17, 67, 0};

    /** C = A B for row-major A (m x k) and B (k x n). */
    static double[] matmulRef(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    @Test
    void matmul2dAllSizesAndLayouts() {
        int variant = 0;
        for (DType dt : DType.FLOATING) {
            for (int m : SIZES) for (int k : SIZES) for (int n : SIZES) {
                double[] a = Ref.random(dt, variant, m * k, -1, 1), b = Ref.random(dt, variant + 1, k * n, -1, 1);
                double[] expected = matmulRef(a, b, m, k, n);
                Layout la = LAYOUTS[variant % 4], lb = LAYOUTS[(variant / 4) % 4], lc = LAYOUTS[(variant / 16) % 4];
                variant++;
                Tensor at = Ref.make(dt, new int[] {m, k}, a, la), bt = Ref.make(dt, new int[] {k, n}, b, lb);
                Tensor out = Ref.make(dt, new int[] {m, n}, new double[m * n], lc);
                String what = dt + " " + m + "x" + k + "x" + n + " " + la + "," + lb + "->" + lc;
                assertSame(out, M.matmul(at, bt, out));
                Tol.assertClose(what, expected, out, k);
                Tol.assertClose(what + " allocating", expected, M.matmul(at, bt), k);
            }
        }
    }

    @Test
    void transposedViewsThroughStrides() {
        for (DType dt : DType.FLOATING) {
            double[] a = Ref.random(dt, 1, 17 * 3, -1, 1);
            Tensor at = Ref.make(dt, new int[] {17, 3}, a, Layout.CONTIGUOUS);
            double[] aT = new double[a.length];
            for (int i = 0; i < 17; i++) for (int j = 0; j < 3; j++) aT[j * 17 + i] = a[i * 3 + j];
            Tol.assertClose("AᵀA", matmulRef(aT, a, 3, 17, 3), M.matmul(at.transpose(), at), 17);
            Tol.assertClose("AAᵀ", matmulRef(a, aT, 17, 3, 17), M.matmul(at, at.transpose()), 3);
        }
    }

    @Test
    void vectorForms() {
        for (DType dt : DType.FLOATING) {
            for (int k : SIZES) for (int n : new int[] {1, 17}) {
                double[] v = Ref.random(dt, 3, k, -1, 1), mat = Ref.random(dt, 4, k * n, -1, 1);
                for (Layout l : LAYOUTS) {
                    Tensor vt = Ref.make(dt, new int[] {k}, v, l), bt = Ref.make(dt, new int[] {k, n}, mat, l);
                    Tol.assertClose("v·B " + l, matmulRef(v, mat, 1, k, n), M.matmul(vt, bt), k);
                    double[] matT = new double[n * k];
                    for (int i = 0; i < k; i++) for (int j = 0; j < n; j++) matT[j * k + i] = mat[i * n + j];
                    Tensor at = Ref.make(dt, new int[] {n, k}, matT, l);
                    Tensor out = Ref.make(dt, new int[] {n}, new double[n], LAYOUTS[(l.ordinal() + 1) % 4]);
                    Tol.assertClose("A·v " + l, matmulRef(matT, v, n, k, 1), M.matmul(at, vt, out), k);
                    double dot = 0;
                    for (int i = 0; i < k; i++) dot += v[i] * v[i];
                    Tensor d = M.matmul(vt, vt);
                    assertEquals(0, d.rank());
                    Tol.assertClose("v·v", dot, d.item(), dt, k);
                    Tol.assertClose("dot", dot, M.dot(vt, Ref.make(dt, new int[] {k}, v, Layout.REVERSED)).item(), dt, k);
                }
            }
        }
    }

    @Test
    void outerProduct() {
        for (DType dt : DType.FLOATING) {
            for (int m : SIZES) for (int n : SIZES) {
                double[] a = Ref.random(dt, 5, m, -1, 1), b = Ref.random(dt, 6, n, -1, 1);
                double[] expected = new double[m * n];
                for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] = a[i] * b[j];
                Tensor out = Ref.make(dt, new int[] {m, n}, new double[m * n], Layout.TRANSPOSED);
                M.outer(Ref.make(dt, new int[] {m}, a, Layout.REVERSED), Ref.make(dt, new int[] {n}, b, Layout.PADDED), out);
                Tol.assertClose("outer " + m + "x" + n, expected, out, 1);
                Tol.assertClose("outer allocating", expected, M.outer(Tensor.of(a.clone(), m).to(dt), Tensor.of(b.clone(), n).to(dt)), 1);
            }
        }
    }

    @Test
    void batchedWithBroadcastBatch() {
        for (DType dt : DType.FLOATING) {
            int batch = 3, m = 4, k = 17, n = 5;
            double[] a = Ref.random(dt, 7, batch * m * k, -1, 1), b = Ref.random(dt, 8, batch * k * n, -1, 1);
            double[] expected = new double[batch * m * n];
            double[] shared = new double[batch * m * n];
            double[] sharedA = new double[batch * m * n];
            for (int p = 0; p < batch; p++) {
                double[] c = matmulRef(Arrays.copyOfRange(a, p * m * k, (p + 1) * m * k), Arrays.copyOfRange(b, p * k * n, (p + 1) * k * n), m, k, n);
                System.arraycopy(c, 0, expected, p * m * n, m * n);
                double[] cs = matmulRef(Arrays.copyOfRange(a, p * m * k, (p + 1) * m * k), Arrays.copyOf(b, k * n), m, k, n);
                System.arraycopy(cs, 0, shared, p * m * n, m * n);
                double[] ca = matmulRef(Arrays.copyOf(a, m * k), Arrays.copyOfRange(b, p * k * n, (p + 1) * k * n), m, k, n);
                System.arraycopy(ca, 0, sharedA, p * m * n, m * n);
            }
            for (Layout l : LAYOUTS) {
                Tensor at = Ref.make(dt, new int[] {batch, m, k}, a, l), bt = Ref.make(dt, new int[] {batch, k, n}, b, l);
                Tensor out = Ref.make(dt, new int[] {batch, m, n}, new double[batch * m * n], LAYOUTS[(l.ordinal() + 1) % 4]);
                Tol.assertClose("batched " + l, expected, M.matmul(at, bt, out), k);
                Tensor b2 = Ref.make(dt, new int[] {k, n}, Arrays.copyOf(b, k * n), l);
                Tol.assertClose("batched, rank-2 right " + l, shared, M.matmul(at, b2), k);
                Tensor b1 = Ref.make(dt, new int[] {1, k, n}, Arrays.copyOf(b, k * n), l);
                Tol.assertClose("batched, batch-1 right " + l, shared, M.matmul(at, b1), k);
                Tensor a2 = Ref.make(dt, new int[] {m, k}, Arrays.copyOf(a, m * k), l);
                Tol.assertClose("batched, rank-2 left " + l, sharedA, M.matmul(a2, bt), k);
                Tensor a1 = Ref.make(dt, new int[] {1, m, k}, Arrays.copyOf(a, m * k), l);
                Tol.assertClose("batched, batch-1 left " + l, sharedA, M.matmul(a1, bt), k);
            }
        }
    }

    @Test
    void gemmAlphaBeta() {
        for (DType dt : DType.FLOATING) {
            int m = 17, k = 3, n = 67;
            double[] a = Ref.random(dt, 9, m * k, -1, 1), b = Ref.random(dt, 10, k * n, -1, 1), c = Ref.random(dt, 11, m * n, -1, 1);
            double[] ab = matmulRef(a, b, m, k, n);
            double[] expected = new double[m * n];
            for (int i = 0; i < expected.length; i++) expected[i] = 0.5 * ab[i] - 2 * c[i];
            for (Layout l : LAYOUTS) {
                Tensor out = Ref.make(dt, new int[] {m, n}, c, l);
                M.gemm(0.5, Ref.make(dt, new int[] {m, k}, a, l), Ref.make(dt, new int[] {k, n}, b, Layout.TRANSPOSED), -2, out);
                Tol.assertClose("gemm alpha beta " + l, expected, out, k + 1);
                double[] nan = new double[m * n];
                Arrays.fill(nan, Double.NaN);
                Tensor outNan = Ref.make(dt, new int[] {m, n}, nan, l);
                M.gemm(2, Ref.make(dt, new int[] {m, k}, a, l), Ref.make(dt, new int[] {k, n}, b, l), 0, outNan);
                double[] twice = ab.clone();
                for (int i = 0; i < twice.length; i++) twice[i] *= 2;
                Tol.assertClose("gemm beta=0 ignores NaN in C " + l, twice, outNan, k);
            }
        }
    }

    /** Reference mode-n product; kLast puts the new dimension last. */
    static double[] modeRef(int[] shape, double[] a, double[] b, int mode, int kDim, boolean kLast, int[] outShape) {
        double[] out = new double[Ref.size(outShape)];
        int inner = shape[mode];
        for (int o = 0; o < out.length; o++) {
            int[] idx = Ref.unflatten(outShape, o);
            int kk = kLast ? idx[idx.length - 1] : idx[mode];
            int[] aIdx = new int[shape.length];
            for (int d = 0, f = 0; d < shape.length; d++) {
                if (d == mode) continue;
                aIdx[d] = kLast ? idx[f++] : idx[d];
            }
            double s = 0;
            for (int j = 0; j < inner; j++) {
                aIdx[mode] = j;
                int flat = 0;
                for (int d = 0; d < shape.length; d++) flat = flat * shape[d] + aIdx[d];
                s += a[flat] * b[j * kDim + kk];
            }
            out[o] = s;
        }
        return out;
    }

    @Test
    void modeNEveryModeAndLayout() {
        int variant = 0;
        int[][] shapes = {{3}, {17}, {3, 17}, {17, 3}, {2, 3, 4}, {4, 17, 3}, {3, 1, 17, 2}, {2, 0, 3}, {2, 3, 2, 5}};
        for (DType dt : DType.FLOATING) {
            for (int[] shape : shapes) {
                double[] a = Ref.random(dt, 50 + variant, Ref.size(shape), -1, 1);
                for (int mode = 0; mode < shape.length; mode++) {
                    for (int kDim : new int[] {1, 5}) {
                        double[] b = Ref.random(dt, 60 + variant, shape[mode] * kDim, -1, 1);
                        Layout la = LAYOUTS[variant % 4], lb = LAYOUTS[(variant / 2) % 4], lc = LAYOUTS[(variant / 3) % 4];
                        variant++;
                        int[] nShape = shape.clone();
                        nShape[mode] = kDim;
                        int[] lastShape = new int[shape.length];
                        for (int d = 0, f = 0; d < shape.length; d++) if (d != mode) lastShape[f++] = shape[d];
                        lastShape[shape.length - 1] = kDim;
                        Tensor at = Ref.make(dt, shape, a, la), bt = Ref.make(dt, new int[] {shape[mode], kDim}, b, lb);
                        String what = dt + " " + Shapes.str(shape) + " mode " + mode + " K=" + kDim + " " + la + "," + lb + "->" + lc;
                        int terms = Math.max(1, shape[mode]);

                        Tensor out = Ref.make(dt, nShape, new double[Ref.size(nShape)], lc);
                        assertSame(out, M.modeN(at, bt, mode, out));
                        Tol.assertClose("modeN " + what, modeRef(shape, a, b, mode, kDim, false, nShape), out, terms);
                        Tol.assertClose("modeN allocating " + what, modeRef(shape, a, b, mode, kDim, false, nShape),
                                M.modeN(at, bt, mode - shape.length), terms);

                        Tensor outLast = Ref.make(dt, lastShape, new double[Ref.size(lastShape)], lc);
                        assertSame(outLast, M.modeNLast(at, bt, mode, outLast));
                        Tol.assertClose("modeNLast " + what, modeRef(shape, a, b, mode, kDim, true, lastShape), outLast, terms);
                        Tol.assertClose("modeNLast allocating " + what, modeRef(shape, a, b, mode, kDim, true, lastShape),
                                M.modeNLast(at, bt, mode), terms);
                    }
                }
            }
        }
    }

    @Test
    void lectureModeNExample() {
        // A (M×N×R) = (2×3×4), B (N×K) = (3×2): C[m, r, k] = Σ_n A[m, n, r] B[n, k], shape (2, 4, 2)
        Tensor a = Tensor.arange(DType.F64, 24).reshape(2, 3, 4);
        Tensor b = Tensor.fromNested(new double[][] {{1, 0}, {0, 1}, {1, 1}});
        Tensor c = M.modeNLast(a, b, 1);
        assertArrayEquals(new int[] {2, 4, 2}, c.shape());
        // C[m, r, 0] = A[m,0,r] + A[m,2,r]; C[m, r, 1] = A[m,1,r] + A[m,2,r]
        for (int m = 0; m < 2; m++) for (int r = 0; r < 4; r++) {
            double a0 = 12 * m + r, a1 = 12 * m + 4 + r, a2 = 12 * m + 8 + r;
            assertEquals(a0 + a2, c.get(m, r, 0));
            assertEquals(a1 + a2, c.get(m, r, 1));
        }
    }
}
