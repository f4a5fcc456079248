package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static dev.quiver.tensor.Index.*;
import static org.junit.jupiter.api.Assertions.*;

/** Creation, views, printing, comparison, and the error messages of bad input. */
class TensorTest {
    @Test
    void shapeSizeIsTheExactProductOrARefusal() {
        // Against exact arithmetic: dimensions from 0 to 2^17 (products far past 2^31), zeros anywhere.
        var random = new java.util.SplittableRandom(7);
        for (int trial = 0; trial < 20_000; trial++) {
            int[] shape = new int[random.nextInt(0, 6)];
            for (int d = 0; d < shape.length; d++) shape[d] = random.nextInt(8) == 0 ? 0 : random.nextInt(1, 1 << random.nextInt(1, 18));
            java.math.BigInteger exact = java.math.BigInteger.ONE;
            for (int d : shape) exact = exact.multiply(java.math.BigInteger.valueOf(d));
            if (exact.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE - 16)) > 0) {
                assertThrows(IllegalArgumentException.class, () -> Shapes.size(shape), java.util.Arrays.toString(shape));
            } else {
                assertEquals(exact.intValueExact(), Shapes.size(shape), java.util.Arrays.toString(shape));
            }
        }
        assertEquals(0, Shapes.size(65536, 65536, 0));
        assertEquals(0, Shapes.size(1 << 30, 1 << 30, 1 << 30, 0));
        assertThrows(IllegalArgumentException.class, () -> Shapes.size(2, -1));
    }

    static final TensorMath M = TensorMath.of(Backends.create("scalar", 1));

    static double[] seq(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    // ------------------------------------------------------------------ creation

    @Test
    void constantsAndNested() {
        for (DType dt : DType.FLOATING) {
            Tensor z = Tensor.zeros(dt, 2, 3);
            assertEquals(dt, z.dtype());
            assertArrayEquals(new int[] {2, 3}, z.shape());
            assertArrayEquals(new double[6], Ref.values(z));
            assertArrayEquals(new double[] {1, 1, 1}, Ref.values(Tensor.ones(dt, 3)));
            assertArrayEquals(new double[] {2.5, 2.5}, Ref.values(Tensor.full(dt, new int[] {1, 2}, 2.5)));
            assertEquals(0, Tensor.scalar(dt, 4).rank());
            assertEquals(4, Tensor.scalar(dt, 4).item());
            assertEquals(0, Tensor.zeros(dt, 0, 5).size());
        }
        Tensor n = Tensor.fromNested(new float[][][] {{{1, 2}}, {{3, 4}}, {{5, 6}}});
        assertEquals(DType.F32, n.dtype());
        assertArrayEquals(new int[] {3, 1, 2}, n.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, Ref.values(n));
        assertArrayEquals(new double[] {1, 2, 3}, Ref.values(Tensor.fromNested(new double[] {1, 2, 3})));
    }

    @Test
    void arangeAndEye() {
        assertArrayEquals(new double[] {0, 1, 2, 3, 4}, Ref.values(Tensor.arange(DType.F64, 5)));
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75}, Ref.values(Tensor.arange(DType.F64, 0, 1, 0.25)));
        assertArrayEquals(new double[] {5, 3, 1}, Ref.values(Tensor.arange(DType.F32, 5, 0, -2)));
        assertEquals(0, Tensor.arange(DType.F64, 3, 1, 1).size());
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Ref.values(Tensor.eye(DType.F64, 3)));
    }

    /**
     * Issue 18: {@code Tensor.randn(F32, 3, 4)} used to be shape [4] with seed 3. No factory with a
     * varargs shape may take a number (seed, value, bound) anywhere else, so that a number cannot
     * be read as a dimension or a dimension as a number: seeds are {@link Seed}s, and values and
     * bounds come after a shape array.
     */
    @Test
    void noFactoryReadsANumberAsADimension() {
        for (Class<?> c : new Class<?>[] {Tensor.class, dev.quiver.optim.Init.class}) {
            for (java.lang.reflect.Method m : c.getMethods()) {
                if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || !m.isVarArgs()) continue;
                Class<?>[] p = m.getParameterTypes();
                if (p[p.length - 1] != int[].class) continue;
                for (int i = 0; i < p.length - 1; i++) {
                    assertFalse(p[i].isPrimitive(), c.getSimpleName() + "." + m.getName() + " takes a " + p[i]
                            + " before its varargs shape: " + m);
                }
            }
        }
        assertArrayEquals(new int[] {3, 4}, Tensor.randn(DType.F32, Seed.of(7), 3, 4).shape());
        assertArrayEquals(new int[] {3, 4}, dev.quiver.optim.Init.xavierUniform(DType.F32, Seed.of(7), 3, 4).shape());
        assertArrayEquals(new int[] {3, 4}, Tensor.full(DType.F32, new int[] {3, 4}, 2).shape());
        assertEquals("Seed.of(7)", Seed.of(7).toString());
    }

    @Test
    void randomIsReproducible() {
        for (DType dt : DType.FLOATING) {
            assertTrue(Tensor.rand(dt, Seed.of(42), 3, 17).bitwiseEquals(Tensor.rand(dt, Seed.of(42), 3, 17)));
            assertTrue(Tensor.randn(dt, Seed.of(42), 67).bitwiseEquals(Tensor.randn(dt, Seed.of(42), 67)));
            assertFalse(Tensor.rand(dt, Seed.of(42), 17).bitwiseEquals(Tensor.rand(dt, Seed.of(43), 17)));
        }
        // float32 values are the float64 draws rounded
        double[] d = Ref.values(Tensor.rand(DType.F64, Seed.of(7), 100)), f = Ref.values(Tensor.rand(DType.F32, Seed.of(7), 100));
        for (int i = 0; i < d.length; i++) {
            assertEquals((float) d[i], f[i]);
            assertTrue(d[i] >= 0 && d[i] < 1);
        }
        double[] u = Ref.values(Tensor.uniform(DType.F64, Seed.of(3), new int[] {1000}, -2, 5));
        for (double v : u) assertTrue(v >= -2 && v < 5);
        double[] g = Ref.values(Tensor.randn(DType.F64, Seed.of(1), 20001));
        double mean = 0, sq = 0;
        for (double v : g) mean += v;
        mean /= g.length;
        for (double v : g) sq += (v - mean) * (v - mean);
        assertEquals(0, mean, 0.03);
        assertEquals(1, sq / g.length, 0.05);
    }

    // ------------------------------------------------------------------ views

    @Test
    void atAndGetSet() {
        Tensor t = Tensor.of(seq(24), 2, 3, 4);
        assertEquals(23, t.get(1, 2, 3));
        assertEquals(23, t.get(-1, -1, -1));
        Tensor a1 = t.at(1);
        assertArrayEquals(new int[] {3, 4}, a1.shape());
        assertArrayEquals(new double[] {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, Ref.values(a1));
        a1.set(-7, 0, 1);
        assertEquals(-7, t.get(1, 0, 1)); // a view writes through
        assertEquals(-7, t.at(-1).at(0).get(1));
        assertEquals(5, t.at(0).at(1).at(1).item());
        assertEquals(23, t.getFlat(23));
        t.setFlat(0, 99);
        assertEquals(99, ((double[]) t.data())[0]);
    }

    @Test
    void sliceWithStepsAndNegativeIndices() {
        Tensor x = Tensor.of(seq(10), 10);
        assertArrayEquals(new double[] {8, 5, 2}, Ref.values(x.slice(range(8, 1, -3))));
        assertArrayEquals(new double[] {7, 8, 9}, Ref.values(x.slice(range(-3, Integer.MAX_VALUE))));
        assertArrayEquals(new double[] {1, 3, 5, 7}, Ref.values(x.slice(range(1, -1, 2))));
        assertArrayEquals(new double[] {9, 7, 5, 3, 1}, Ref.values(x.slice(range(-1, -11, -2))));
        assertArrayEquals(new double[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, Ref.values(x.slice(range(20, Integer.MAX_VALUE, -1))));
        assertEquals(0, x.slice(range(5, 2)).size());
        assertEquals(0, x.slice(range(20, 30)).size());
        assertArrayEquals(seq(3), Ref.values(x.slice(range(-20, 3))));

        Tensor m = Tensor.of(seq(12), 3, 4);
        assertArrayEquals(new double[] {4, 5, 6, 7}, Ref.values(m.slice(at(1), all())));
        assertArrayEquals(new double[] {3, 7, 11}, Ref.values(m.slice(all(), at(-1))));
        assertArrayEquals(new double[] {11, 9, 3, 1}, Ref.values(m.slice(range(2, Integer.MAX_VALUE, -2), range(3, 0, -2))));
        Tensor nx = m.slice(newAxis(), at(0));
        assertArrayEquals(new int[] {1, 4}, nx.shape());
        Tensor t = Tensor.of(seq(24), 2, 3, 4);
        Tensor last = t.slice(all(), all(), at(2)); // T[:, :, 2]
        assertArrayEquals(new double[] {2, 6, 10, 14, 18, 22}, Ref.values(last));
        // slices are views
        m.slice(all(), at(0)).set(-1, 2);
        assertEquals(-1, m.get(2, 0));
    }

    @Test
    void transposePermuteReshapeExpand() {
        Tensor t = Tensor.of(seq(24), 2, 3, 4);
        Tensor p = t.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) {
            assertEquals(t.get(i, j, k), p.get(k, i, j));
            assertEquals(t.get(i, j, k), t.transpose().get(k, j, i));
            assertEquals(t.get(i, j, k), t.transpose(0, 2).get(k, j, i));
        }
        // reshape of a contiguous tensor is a view
        Tensor r = t.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, r.shape());
        assertTrue(r.sharesStorage(t));
        assertTrue(t.reshapeIsView(4, 6));
        // reshape of a transposed tensor copies, in the view's row-major order
        Tensor tt = Tensor.of(seq(6), 2, 3).transpose();
        assertFalse(tt.reshapeIsView(6));
        Tensor flat = tt.reshape(6);
        assertFalse(flat.sharesStorage(tt));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, Ref.values(flat));
        // a row-strided slice can still be split without copying
        Tensor rows = Tensor.of(seq(24), 4, 6).slice(range(0, 4, 2));
        assertTrue(rows.reshapeIsView(2, 2, 3));
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17}, Ref.values(rows.reshape(2, 2, 3)));
        assertFalse(rows.reshapeIsView(12));
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17}, Ref.values(rows.reshape(12)));
        // expand
        Tensor e = Tensor.vector(1, 2, 3).expand(2, 3);
        assertArrayEquals(new int[] {0, 1}, e.strides());
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3}, Ref.values(e));
        // contiguous
        assertSame(t, t.contiguous());
        Tensor c = tt.contiguous();
        assertTrue(c.isContiguous());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, Ref.values(c));
        assertFalse(tt.isContiguous());
    }

    @Test
    void printingAndComparison() {
        assertEquals("Tensor(F64, [2, 3])[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]",
                Tensor.fromNested(new double[][] {{1, 2, 3}, {4, 5, 6}}).toString());
        assertEquals("Tensor(F32, [])1.5", Tensor.scalar(DType.F32, 1.5).toString());
        assertEquals("Tensor(F64, [10])[0.0, 1.0, 2.0, ..., 7.0, 8.0, 9.0]", Tensor.arange(DType.F64, 10).toString());
        assertEquals("Tensor(F64, [0, 2])[]", Tensor.zeros(DType.F64, 0, 2).toString());

        Tensor a = Tensor.vector(1, 2, Double.NaN, Double.POSITIVE_INFINITY);
        assertTrue(a.allClose(Tensor.vector(1 + 1e-9, 2, Double.NaN, Double.POSITIVE_INFINITY), 1e-8, 0));
        assertFalse(a.allClose(Tensor.vector(1 + 1e-6, 2, Double.NaN, Double.POSITIVE_INFINITY), 1e-8, 0));
        assertFalse(a.allClose(Tensor.vector(1, 2, 3, Double.POSITIVE_INFINITY), 1, 1));
        assertFalse(a.allClose(Tensor.vector(1, 2, Double.NaN, Double.NEGATIVE_INFINITY), 1, 1));
        assertFalse(Tensor.vector(1, 2).allClose(Tensor.zeros(DType.F64, 2, 1), 1, 1));
        assertTrue(Tensor.vector(0).allClose(Tensor.vector(1e-9), 0, 1e-8));
    }

    // ------------------------------------------------------------------ errors

    static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable t = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(t.getMessage().contains(part), "message '" + t.getMessage() + "' lacks '" + part + "'");
        }
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = Tensor.zeros(DType.F64, 2, 3), b = Tensor.zeros(DType.F64, 4), f = Tensor.zeros(DType.F32, 2, 3);
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        assertMessage(iae, () -> M.binary(BinaryOp.ADD, a, b), "ADD", "[2, 3]", "[4]");
        assertMessage(iae, () -> M.binary(BinaryOp.MUL, a, a, Tensor.zeros(DType.F64, 3, 2)), "MUL", "[3, 2]", "[2, 3]");
        assertMessage(iae, () -> M.binary(BinaryOp.MUL, a, Tensor.zeros(DType.F64, 3), Tensor.zeros(DType.F64, 1, 2, 3)), "MUL", "[1, 2, 3]");
        assertMessage(iae, () -> M.binary(BinaryOp.SUB, a, f), "SUB", "F32", "F64");
        assertMessage(iae, () -> M.unary(UnaryOp.TANH, a, Tensor.zeros(DType.F64, 6)), "TANH", "[6]", "[2, 3]");
        assertMessage(iae, () -> M.unary(UnaryOp.EXP, a, f), "EXP", "F32", "F64");
        assertMessage(iae, () -> M.binary(BinaryOp.POW, a, 2, Tensor.zeros(DType.F64, 3)), "POW", "[3]");
        assertMessage(iae, () -> M.copy(b, a), "copy", "[4]", "[2, 3]");
        assertMessage(iae, () -> M.axpby(1, Tensor.zeros(DType.F64, 3, 3), 1, a), "axpby", "[3, 3]", "[2, 3]");
        assertMessage(iae, () -> M.map(a, Math::sin, f), "map", "F32");
        assertMessage(iae, () -> M.sum(a, 2), "reduce", "axis 2", "[2, 3]");
        assertMessage(iae, () -> M.sum(a, 0, -2), "repeated", "[2, 3]");
        assertMessage(iae, () -> M.reduce(ReduceOp.MAX, a, false, new int[] {0}, Tensor.zeros(DType.F64, 2)), "MAX", "[2]", "[3]");
        assertMessage(iae, () -> M.mean(a, true, new int[] {1}, Tensor.zeros(DType.F64, 2)), "mean", "[2]", "[2, 1]");
        assertMessage(iae, () -> M.argmax(a, 3), "argmax", "axis 3");
        assertMessage(iae, () -> M.argmax(Tensor.zeros(DType.F64, 2, 0), 1), "argmax", "[2, 0]");
        assertMessage(iae, () -> M.sumTo(a, Tensor.zeros(DType.F64, 2)), "sumTo", "[2]", "[2, 3]");
        assertMessage(iae, () -> M.matmul(a, a), "matmul", "[2, 3]", "3 vs 2");
        assertMessage(iae, () -> M.matmul(a, Tensor.zeros(DType.F64, 3, 5), Tensor.zeros(DType.F64, 5, 2)), "matmul", "[5, 2]", "[2, 5]");
        assertMessage(iae, () -> M.matmul(Tensor.zeros(DType.F64, 2, 2, 3), Tensor.zeros(DType.F64, 3, 3, 1)), "matmul", "batch");
        assertMessage(iae, () -> M.matmul(a, f.transpose()), "matmul", "F32", "F64");
        assertMessage(iae, () -> M.gemm(1, b, a, 0, a), "gemm", "[4]");
        assertMessage(iae, () -> M.dot(b, Tensor.zeros(DType.F64, 3)), "dot", "[4]", "[3]");
        assertMessage(iae, () -> M.outer(b, b, a), "outer", "[2, 3]", "[4, 4]");
        assertMessage(iae, () -> M.modeN(a, Tensor.zeros(DType.F64, 2, 5), 1), "modeN", "[2, 5]", "mode 1", "[2, 3]");
        assertMessage(iae, () -> M.modeN(a, Tensor.zeros(DType.F64, 2, 5), 2), "modeN", "axis 2");
        assertMessage(iae, () -> M.modeNLast(a, Tensor.zeros(DType.F64, 3, 5), 1, Tensor.zeros(DType.F64, 5, 2)), "modeNLast", "[5, 2]", "[2, 5]");
        // products reject an out that overlaps an operand
        Tensor sq = Tensor.zeros(DType.F64, 3, 3);
        assertMessage(iae, () -> M.matmul(sq, sq, sq), "matmul", "overlaps");

        assertMessage(IndexOutOfBoundsException.class, () -> a.get(2, 0), "index 2", "size 2", "[2, 3]");
        assertMessage(IndexOutOfBoundsException.class, () -> a.at(-3), "index -3", "[2, 3]");
        assertMessage(IndexOutOfBoundsException.class, () -> a.slice(all(), at(3)), "index 3", "[2, 3]");
        assertMessage(iae, () -> a.get(0), "[2, 3]");
        assertMessage(iae, () -> Tensor.zeros(DType.F64, 2, -1), "zeros", "negative", "[2, -1]");
        assertMessage(iae, () -> Tensor.randn(DType.F32, Seed.of(1), -3), "randn", "negative", "[-3]");
        assertMessage(iae, () -> a.reshape(4, 2), "reshape", "[2, 3]", "[4, 2]");
        assertMessage(iae, () -> a.reshape(-1, 4), "reshape", "[2, 3]", "[-1, 4]");
        assertMessage(iae, () -> a.transpose(0, 5), "transpose", "axis 5");
        assertMessage(iae, () -> a.permute(0, 0), "permute", "repeats");
        assertMessage(iae, () -> a.expand(3, 3), "expand", "[2, 3]", "[3, 3]");
        assertMessage(iae, () -> Tensor.of(new double[5], 2, 3), "length 5", "[2, 3]");
        assertMessage(iae, () -> Tensor.fromNested(new double[][] {{1, 2}, {3}}), "ragged");
        assertMessage(IllegalStateException.class, () -> a.item(), "item", "[2, 3]");
        assertMessage(IndexOutOfBoundsException.class, () -> new Tensor(new double[4], 0, new int[] {2, 3}, new int[] {3, 1}), "exceeds");
    }
}
