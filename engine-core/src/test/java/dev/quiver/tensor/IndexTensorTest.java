package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static dev.quiver.tensor.DType.*;
import static dev.quiver.tensor.Index.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Integer (I32, I64) and BOOL tensors: creation, exact element access, views and copies for every
 * dtype, NumPy-astype conversions, printing and comparison, and TensorMath's copy/fill for them
 * with every other op refusing them by name.
 */
class IndexTensorTest {
    static final TensorMath SCALAR = TensorMath.of(Backends.create("scalar", 1));
    static final long TWO_53 = 1L << 53;

    // ------------------------------------------------------------------ creation

    @Test
    void factoriesWrapAndCreateEveryDtype() {
        int[] ints = {3, -1, 7, 0, 2, 5};
        Tensor i = Tensor.ofInts(ints, 2, 3);
        assertEquals(I32, i.dtype());
        assertSame(ints, i.data(), "ofInts wraps without copying");
        assertArrayEquals(new int[] {2, 3}, i.shape());
        assertEquals(5, i.getInt(1, 2));
        Tensor l = Tensor.ofLongs(new long[] {Long.MAX_VALUE, -4}, 2);
        assertEquals(I64, l.dtype());
        assertEquals(Long.MAX_VALUE, l.getLong(0));
        Tensor b = Tensor.ofBools(new boolean[] {true, false, true}, 3, 1);
        assertEquals(BOOL, b.dtype());
        assertTrue(b.getBool(2, 0));
        assertFalse(b.getBool(1, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[5], 2, 3));

        assertEquals(0, Tensor.scalarInt(9).rank());
        assertEquals(9, Tensor.scalarInt(9).itemInt());
        assertEquals(-TWO_53 - 1, Tensor.scalarLong(-TWO_53 - 1).itemLong());
        assertTrue(Tensor.scalarBool(true).itemBool());
        assertEquals(I32, Tensor.scalarInt(1).dtype());
        assertEquals(I64, Tensor.scalarLong(1).dtype());
        assertEquals(BOOL, Tensor.scalarBool(false).dtype());

        for (DType dt : DType.values()) {
            Tensor z = Tensor.zeros(dt, 2, 0, 3);
            assertEquals(dt, z.dtype());
            assertEquals(0, z.size());
            assertEquals(dt, Tensor.zeros(dt, 4).dtype());
            assertTrue(dt.isStorage(Tensor.zeros(dt, 4).data()));
            if (!dt.isStorageOnly()) assertEquals(dt, DType.of(Tensor.zeros(dt, 4).data()));
            assertEquals(1.0, Tensor.ones(dt, 3).get(2));
            assertEquals(0.0, Tensor.zeros(dt).item());
            assertEquals(1.0, Tensor.eye(dt, 3).get(1, 1));
            assertEquals(0.0, Tensor.eye(dt, 3).get(1, 2));
        }
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Tensor.arange(I32, 5).i32());
        assertArrayEquals(new long[] {10, 7, 4, 1}, Tensor.arange(I64, 10, 0, -3).i64());
        assertArrayEquals(new int[] {-7, -7}, Tensor.full(I32, new int[] {2}, -7).i32());
        assertArrayEquals(new boolean[] {true, true}, Tensor.full(BOOL, new int[] {2}, 1).bool());
    }

    @Test
    void creationRefusesWhatIsNotExactOrNotDefined() {
        assertMessage(ArithmeticException.class, () -> Tensor.full(I32, new int[] {3}, 2.5), "full", "2.5");
        assertMessage(ArithmeticException.class, () -> Tensor.full(I32, new int[] {3}, 3e9), "full", "I32");
        assertMessage(ArithmeticException.class, () -> Tensor.full(BOOL, new int[] {3}, 2), "full", "BOOL");
        assertMessage(ArithmeticException.class, () -> Tensor.scalar(I64, Double.NaN), "NaN");
        assertMessage(IllegalArgumentException.class, () -> Tensor.arange(I32, 0, 1, 0.5), "arange", "I32");
        assertMessage(IllegalArgumentException.class, () -> Tensor.arange(BOOL, 2), "arange", "BOOL");
        for (DType dt : new DType[] {I32, I64, BOOL}) {
            assertMessage(IllegalArgumentException.class, () -> Tensor.rand(dt, Seed.of(1), 3), "rand", dt.name());
            assertMessage(IllegalArgumentException.class, () -> Tensor.randn(dt, Seed.of(1), 3), "randn", dt.name());
            assertMessage(IllegalArgumentException.class, () -> Tensor.uniform(dt, Seed.of(1), new int[] {3}, 0, 5), "uniform", dt.name());
        }
    }

    @Test
    void fromNestedGivesIntegerAndBoolTensors() {
        // Before integer dtypes this threw ClassCastException ([I cannot be cast to [Ljava.lang.Object;).
        Tensor m = assertDoesNotThrow(() -> Tensor.fromNested(new int[][] {{1, 2, 3}, {4, 5, 6}}));
        assertEquals(I32, m.dtype());
        assertArrayEquals(new int[] {2, 3}, m.shape());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, m.toIntArray());

        Tensor v = Tensor.fromNested(new int[] {7, 8});
        assertEquals(I32, v.dtype());
        assertArrayEquals(new int[] {2}, v.shape());

        Tensor l = Tensor.fromNested(new long[][][] {{{Long.MIN_VALUE}}, {{TWO_53 + 1}}});
        assertEquals(I64, l.dtype());
        assertArrayEquals(new int[] {2, 1, 1}, l.shape());
        assertArrayEquals(new long[] {Long.MIN_VALUE, TWO_53 + 1}, l.toLongArray());

        Tensor b = Tensor.fromNested(new boolean[][] {{true, false}, {false, true}});
        assertEquals(BOOL, b.dtype());
        assertArrayEquals(new boolean[] {true, false, false, true}, b.bool());

        assertArrayEquals(new int[] {0, 0}, Tensor.fromNested(new int[0][]).shape());
        assertArrayEquals(new int[] {2, 0}, Tensor.fromNested(new int[2][0]).shape());
        assertEquals(F64, Tensor.fromNested(new double[][] {{1}}).dtype());

        assertMessage(IllegalArgumentException.class, () -> Tensor.fromNested(new int[][] {{1, 2}, {3}}), "ragged", "depth 1");
        assertMessage(IllegalArgumentException.class, () -> Tensor.fromNested(new int[][] {{1, 2}, null}), "null");
        assertMessage(IllegalArgumentException.class, () -> Tensor.fromNested(new Object[] {new int[] {1}}), "fromNested", "Object[]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.fromNested(new short[] {1}), "fromNested", "short[]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.fromNested(null), "fromNested", "null");
    }

    // ------------------------------------------------------------------ element access

    @Test
    void typedAccessIsExactOrRefused() {
        Tensor i = Tensor.zeros(I32, 2, 2);
        i.setInt(-5, 0, 1);
        i.setLong(Integer.MAX_VALUE, 1, 0);
        i.setBool(true, 1, 1);
        assertEquals(-5, i.getInt(0, -1));
        assertEquals(Integer.MAX_VALUE, i.getLong(1, 0));
        assertEquals(1, i.getIntFlat(3));
        assertTrue(i.getBool(1, 1));
        assertFalse(i.getBoolFlat(0));
        assertEquals(-5.0, i.get(0, 1));
        i.set(12, 0, 0);
        assertEquals(12, i.getInt(0, 0));
        i.setFlat(0, -3);
        assertEquals(-3.0, i.getFlat(0));
        assertMessage(ArithmeticException.class, () -> i.set(2.5, 0, 0), "set", "2.5");
        assertMessage(ArithmeticException.class, () -> i.set(Double.NaN, 0, 0), "set", "NaN");
        assertMessage(ArithmeticException.class, () -> i.setLong(1L << 31, 0, 0), "setLong", "I32");
        assertMessage(ArithmeticException.class, () -> i.getBool(0, 1), "getBool", "-5");
        assertMessage(IndexOutOfBoundsException.class, () -> i.getInt(2, 0), "index 2");

        Tensor l = Tensor.zeros(I64, 3);
        l.setLong(TWO_53, 0);
        l.setLong(TWO_53 + 1, 1);
        l.setLongFlat(2, Long.MAX_VALUE);
        assertEquals((double) TWO_53, l.get(0));
        assertEquals(TWO_53 + 1, l.getLong(1));
        assertEquals(Long.MAX_VALUE, l.getLongFlat(2));
        assertMessage(ArithmeticException.class, () -> l.get(1), "get", "9007199254740993", "getLong");
        assertMessage(ArithmeticException.class, () -> l.getFlat(2), "getFlat", Long.toString(Long.MAX_VALUE));
        assertMessage(ArithmeticException.class, () -> l.getInt(0), "getInt", "int range");
        assertMessage(ArithmeticException.class, () -> l.toDoubleArray(), "9007199254740993");
        assertMessage(ArithmeticException.class, () -> l.set(0x1p63, 0), "set", "I64");
        l.set(-0x1p63, 0);
        assertEquals(Long.MIN_VALUE, l.getLong(0));
        assertEquals(7L, Tensor.scalarLong(7).item(), 0);

        Tensor b = Tensor.zeros(BOOL, 2);
        b.set(1, 0);
        b.setInt(0, 1);
        assertTrue(b.getBool(0));
        assertEquals(1.0, b.get(0));
        assertEquals(1, b.getInt(0));
        assertEquals(0L, b.getLong(1));
        assertMessage(ArithmeticException.class, () -> b.set(2, 0), "set", "BOOL");
        assertMessage(ArithmeticException.class, () -> b.setInt(-1, 0), "setInt", "BOOL");
        assertMessage(ArithmeticException.class, () -> b.set(0.5, 0), "BOOL");

        Tensor d = Tensor.vector(2, 2.5, 1, 0x1p53);
        assertEquals(2, d.getInt(0));
        assertTrue(d.getBool(2));
        assertEquals(TWO_53, d.getLong(3));
        assertMessage(ArithmeticException.class, () -> d.getInt(1), "getInt", "2.5");
        assertMessage(ArithmeticException.class, () -> d.getInt(3), "getInt", "int range");
        assertMessage(ArithmeticException.class, () -> d.getBool(1), "getBool", "2.5");
        d.setLong(-TWO_53, 0);
        assertEquals(-0x1p53, d.get(0));
        assertMessage(ArithmeticException.class, () -> d.setLong(TWO_53 + 1, 0), "setLong", "F64");
        // 2^63 - 1 rounds to 2^63 in double, which (long) casts back to 2^63 - 1: not exact all the same.
        assertMessage(ArithmeticException.class, () -> d.setLong(Long.MAX_VALUE, 0), "setLong", "F64");
        Tensor f = Tensor.zeros(F32, 1);
        f.setInt(1 << 24, 0);
        assertEquals(1 << 24, f.getInt(0));
        assertMessage(ArithmeticException.class, () -> f.setInt((1 << 24) + 1, 0), "setInt", "F32");
        assertMessage(ArithmeticException.class, () -> f.setLong(Long.MAX_VALUE, 0), "setLong", "F32");

        assertMessage(IllegalStateException.class, () -> Tensor.zeros(I32, 2).itemInt(), "itemInt", "2 elements");
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(I32, 2).f64(), "I32", "F64");
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(F32, 2).i32(), "F32", "I32");
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(I32, 2).i64(), "I32", "I64");
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(I32, 2).bool(), "I32", "BOOL");
    }

    // ------------------------------------------------------------------ views and copies

    /** 0..n-1 shifted to include negatives (BOOL: alternating; U8: not shifted), as dtype dt. */
    static Tensor sample(DType dt, int... shape) {
        return sample(dt, dt != DType.U8, shape);
    }

    static Tensor sample(DType dt, boolean negatives, int... shape) {
        int n = Shapes.size(shape);
        Tensor t = Tensor.zeros(dt, shape);
        for (int i = 0; i < n; i++) t.setLongFlat(i, dt == BOOL ? (i * 7 / 3) % 2 : i * 3 - (negatives ? 11 : 0));
        return t;
    }

    @Test
    void viewsWorkForEveryDtypeAsForFloat64() {
        Map<String, UnaryOperator<Tensor>> views = new LinkedHashMap<>();
        views.put("at", t -> t.at(1));
        views.put("slice", t -> t.slice(all(), range(0, 3, 2), at(-1)));
        views.put("slice newAxis", t -> t.slice(at(0), newAxis(), range(3, 0, -1)));
        views.put("transpose", Tensor::transpose);
        views.put("transpose(0, 2)", t -> t.transpose(0, 2));
        views.put("permute", t -> t.permute(2, 0, 1));
        views.put("reshape", t -> t.reshape(4, -1));
        views.put("reshape of a transposed view", t -> t.transpose().reshape(-1));
        views.put("expand", t -> t.at(0).at(1).expand(3, 2, 4));
        views.put("contiguous", t -> t.transpose().contiguous());
        views.put("copy", t -> t.permute(1, 2, 0).copy());
        views.put("to(same)", t -> t.slice(all(), at(1)).to(t.dtype()));
        for (DType dt : DType.values()) {
            Tensor x = sample(dt, 2, 3, 4);
            Tensor reference = x.to(F64);
            for (var e : views.entrySet()) {
                Tensor got = e.getValue().apply(x);
                assertEquals(dt, got.dtype(), e.getKey());
                Tensor expected = e.getValue().apply(reference);
                assertTrue(expected.bitwiseEquals(got.to(F64)), dt + " " + e.getKey() + ": " + got + " vs " + expected);
            }
            // Views share storage: writing through one writes the base tensor.
            Tensor column = x.slice(all(), all(), at(2));
            column.setLong(1, 1, 0);
            assertEquals(1, x.getLong(1, 0, 2));
            assertTrue(x.transpose().sharesStorage(x));
            assertFalse(x.copy().sharesStorage(x));
            assertTrue(x.reshapeIsView(6, 4));
        }
    }

    @Test
    void copyIsBitExactForEveryDtypeAndLayout() {
        Tensor l = Tensor.ofLongs(new long[] {Long.MIN_VALUE, TWO_53 + 1, -1, Long.MAX_VALUE}, 2, 2);
        Tensor lt = l.transpose().copy();
        assertArrayEquals(new long[] {Long.MIN_VALUE, -1, TWO_53 + 1, Long.MAX_VALUE}, lt.i64());
        float[] nan = {Float.intBitsToFloat(0x7fc00123), 1};
        Tensor f = Tensor.of(nan, 2).slice(range(1, -1 - 2, -1)).copy();
        assertEquals(0x7fc00123, Float.floatToRawIntBits(f.f32()[1]));
    }

    // ------------------------------------------------------------------ conversions

    @Test
    void toFollowsNumpyAstype() {
        Tensor d = Tensor.vector(2.7, -2.7, 0.0, -0.5, 3e9, -1.0);
        assertArrayEquals(new long[] {2, -2, 0, 0, 3_000_000_000L, -1}, d.to(I64).i64());
        assertArrayEquals(new int[] {2, -2, 0, 0}, d.slice(range(0, 4)).to(I32).i32());
        assertArrayEquals(new boolean[] {true, true, false, true, true, true}, d.to(BOOL).bool());
        assertArrayEquals(new boolean[] {false, true, true}, Tensor.vector(-0.0, Double.NaN, Double.NEGATIVE_INFINITY).to(BOOL).bool());
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE}, Tensor.vector(2147483647.9, -2147483648.9).to(I32).i32());
        assertEquals(Long.MIN_VALUE, Tensor.vector(-0x1p63).to(I64).getLong(0));
        assertMessage(ArithmeticException.class, () -> d.to(I32), "to(I32)", "element 4", "3.0E9");
        assertMessage(ArithmeticException.class, () -> Tensor.vector(1, Double.NaN).to(I64), "to(I64)", "element 1", "NaN");
        assertMessage(ArithmeticException.class, () -> Tensor.vector(0x1p63).to(I64), "to(I64)");
        assertMessage(ArithmeticException.class, () -> Tensor.vector(Double.POSITIVE_INFINITY).to(I32), "Infinity");
        assertMessage(ArithmeticException.class, () -> Tensor.of(new float[] {3e9f}, 1).to(I32), "to(I32)");

        Tensor l = Tensor.ofLongs(new long[] {(1L << 32) + 5, -1, (1L << 31), TWO_53 + 1, 0}, 5);
        assertArrayEquals(new int[] {5, -1, Integer.MIN_VALUE, 1, 0}, l.to(I32).i32(), "I64 -> I32 wraps like NumPy");
        assertEquals(0x1p53, l.to(F64).get(3), "rounds to nearest");
        assertEquals(0x1p53f, l.to(F32).f32()[3]);
        assertArrayEquals(new boolean[] {true, true, true, true, false}, l.to(BOOL).bool());

        Tensor b = Tensor.ofBools(new boolean[] {true, false}, 2);
        assertArrayEquals(new float[] {1, 0}, b.to(F32).f32());
        assertArrayEquals(new double[] {1, 0}, b.to(F64).f64());
        assertArrayEquals(new int[] {1, 0}, b.to(I32).i32());
        assertArrayEquals(new long[] {1, 0}, b.to(I64).i64());
        Tensor i = Tensor.ofInts(new int[] {16777217, -3, 0}, 3);
        assertArrayEquals(new float[] {16777216, -3, 0}, i.to(F32).f32());
        assertArrayEquals(new long[] {16777217, -3, 0}, i.to(I64).i64());
        assertArrayEquals(new boolean[] {true, true, false}, i.to(BOOL).bool());
        // Every pair round-trips small integers; conversions of views read the view's order.
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                Tensor x = sample(from, from != DType.U8 && to != DType.U8, 3, 2).transpose();
                Tensor y = x.to(to);
                assertEquals(to, y.dtype());
                assertArrayEquals(new int[] {2, 3}, y.shape());
                assertTrue(y.isContiguous());
                if (to != BOOL) assertTrue(y.to(from).bitwiseEquals(x), from + " -> " + to + " -> " + from);
            }
        }
    }

    // ------------------------------------------------------------------ printing and comparison

    @Test
    void printsAndComparesEveryDtype() {
        assertEquals("Tensor(I32, [2, 2])[[1, 2], [3, 4]]", Tensor.fromNested(new int[][] {{1, 2}, {3, 4}}).toString());
        assertEquals("Tensor(I64, [2])[9223372036854775807, -1]", Tensor.ofLongs(new long[] {Long.MAX_VALUE, -1}, 2).toString());
        assertEquals("Tensor(BOOL, [2])[true, false]", Tensor.ofBools(new boolean[] {true, false}, 2).toString());
        assertEquals("Tensor(I32, [])7", Tensor.scalarInt(7).toString());
        assertEquals("Tensor(I32, [8])[0, 1, 2, ..., 5, 6, 7]", Tensor.arange(I32, 8).toString());

        Tensor a = Tensor.ofLongs(new long[] {TWO_53, TWO_53 + 1}, 2);
        assertTrue(a.bitwiseEquals(Tensor.ofLongs(new long[] {TWO_53, TWO_53 + 1}, 2)));
        assertFalse(a.bitwiseEquals(Tensor.ofLongs(new long[] {TWO_53, TWO_53}, 2)));
        assertFalse(a.bitwiseEquals(a.to(F64)), "dtype differs");
        assertTrue(a.allClose(a.copy(), 0, 0));
        assertTrue(a.allClose(Tensor.ofLongs(new long[] {TWO_53, TWO_53 + 2}, 2), 0, 2));
        assertFalse(Tensor.ofInts(new int[] {1, 2}, 2).allClose(Tensor.ofInts(new int[] {1, 3}, 2), 0, 0.5));
        assertTrue(Tensor.ofInts(new int[] {1, 2}, 2).allClose(Tensor.vector(1, 2), 0, 0));
        Tensor bools = Tensor.ofBools(new boolean[] {true, false, true}, 3);
        assertTrue(bools.bitwiseEquals(bools.slice(range(0, 3)).copy()));
        assertFalse(bools.bitwiseEquals(Tensor.ofBools(new boolean[] {true, true, true}, 3)));
    }

    // ------------------------------------------------------------------ TensorMath

    @Test
    void copyAndFillWorkForEveryDtypeOnEveryBackend() {
        for (TensorMath m : new TensorMath[] {SCALAR, TensorMath.get()}) {
            for (DType dt : DType.values()) {
                Tensor src = sample(dt, 3, 4);
                Tensor dst = Tensor.zeros(dt, 4, 3);
                m.copy(src.transpose(), dst);
                assertTrue(dst.bitwiseEquals(src.transpose().copy()), dt + " strided copy");
                Tensor contiguous = Tensor.zeros(dt, 3, 4);
                assertSame(contiguous, m.copy(src, contiguous));
                assertTrue(contiguous.bitwiseEquals(src), dt + " contiguous copy");
                Tensor row = src.at(2), wide = Tensor.zeros(dt, 5, 4);
                m.copy(row, wide);
                for (int r = 0; r < 5; r++) assertTrue(wide.at(r).bitwiseEquals(row), dt + " broadcast copy");
                Tensor padded = Tensor.zeros(dt, 3, 6).slice(all(), range(1, 5));
                padded.copyFrom(src);
                assertTrue(padded.bitwiseEquals(src), dt + " copy into a padded view");
                m.fill(padded, 1);
                assertTrue(padded.bitwiseEquals(Tensor.ones(dt, 3, 4)), dt + " fill");
            }
            Tensor big = Tensor.zeros(I64, 2);
            m.fill(big, -0x1p62);
            assertEquals(-(1L << 62), big.getLong(1));
            assertMessage(ArithmeticException.class, () -> m.fill(Tensor.zeros(I32, 2), 0.5), "fill", "0.5");
            assertMessage(ArithmeticException.class, () -> m.fill(Tensor.zeros(BOOL, 2), 2), "fill", "BOOL");
            assertMessage(IllegalArgumentException.class, () -> m.copy(Tensor.zeros(I32, 2), Tensor.zeros(I64, 2)), "copy", "I32", "I64");
            assertMessage(IllegalArgumentException.class, () -> m.copy(Tensor.zeros(I32, 2), Tensor.zeros(F32, 2)), "copy", "I32", "F32");
            assertMessage(IllegalArgumentException.class, () -> m.copy(Tensor.zeros(I32, 3), Tensor.zeros(I32, 2)), "copy", "[3]");
        }
    }

    @Test
    void everyArithmeticEntryPointRefusesIntegerAndBoolTensorsByName() {
        for (TensorMath m : new TensorMath[] {SCALAR, TensorMath.get()}) {
            for (DType dt : new DType[] {I32, I64, BOOL}) {
                Tensor v = Tensor.ones(dt, 3), mat = Tensor.ones(dt, 3, 3), s = Tensor.zeros(dt);
                Tensor f = Tensor.ones(F64, 3), fm = Tensor.ones(F64, 3, 3);
                List<Map.Entry<String, Executable>> calls = List.of(
                        Map.entry("binary(ADD)", () -> m.binary(BinaryOp.ADD, v, v)),
                        Map.entry("binary(MUL)", () -> m.binary(BinaryOp.MUL, v, v, Tensor.zeros(dt, 3))),
                        Map.entry("binary(SUB)", () -> m.binary(BinaryOp.SUB, v, 2.0)),
                        Map.entry("binary(DIV)", () -> m.binary(BinaryOp.DIV, v, 2.0, Tensor.zeros(dt, 3))),
                        Map.entry("binary(ADD)", () -> m.binary(BinaryOp.ADD, f, v)),
                        Map.entry("binaryAccumulate(ADD)", () -> m.binaryAccumulate(BinaryOp.ADD, v, v, Tensor.zeros(dt, 3))),
                        Map.entry("unary(TANH)", () -> m.unary(UnaryOp.TANH, v)),
                        Map.entry("unary(NEG)", () -> m.unary(UnaryOp.NEG, v, Tensor.zeros(dt, 3))),
                        Map.entry("unary(IDENTITY)", () -> m.unary(UnaryOp.IDENTITY, v, Tensor.zeros(dt, 3))),
                        Map.entry("unaryAccumulate(EXP)", () -> m.unaryAccumulate(UnaryOp.EXP, v, Tensor.zeros(dt, 3))),
                        Map.entry("map", () -> m.map(v, x -> x)),
                        Map.entry("map", () -> m.map(v, x -> x, Tensor.zeros(dt, 3))),
                        Map.entry("axpby", () -> m.axpby(1, v, 1, Tensor.zeros(dt, 3))),
                        Map.entry("reduce(SUM)", () -> m.reduce(ReduceOp.SUM, v, false)),
                        Map.entry("reduce(MAX)", () -> m.reduce(ReduceOp.MAX, v, false, new int[] {0}, s)),
                        Map.entry("reduce(SUM)", () -> m.sum(mat, 0)),
                        Map.entry("mean", () -> m.mean(v)),
                        Map.entry("mean", () -> m.mean(v, false, new int[] {0}, s)),
                        Map.entry("reduce(MAX)", () -> m.max(v)),
                        Map.entry("reduce(MIN)", () -> m.min(v)),
                        Map.entry("norm", () -> m.norm(v)),
                        Map.entry("norm", () -> m.norm(v, s)),
                        Map.entry("argmax", () -> m.argmax(mat, 0)),
                        Map.entry("argmax", () -> m.argmax(mat, 0, Tensor.zeros(F64, 3))),
                        Map.entry("sumTo", () -> m.sumTo(mat, Tensor.zeros(dt, 3))),
                        Map.entry("dot", () -> m.dot(v, v)),
                        Map.entry("dot", () -> m.dot(v, v, s)),
                        Map.entry("outer", () -> m.outer(v, v)),
                        Map.entry("outer", () -> m.outer(v, v, Tensor.zeros(dt, 3, 3))),
                        Map.entry("matmul", () -> m.matmul(mat, mat)),
                        Map.entry("matmul", () -> m.matmul(fm, mat)),
                        Map.entry("matmul", () -> m.matmul(mat, mat, Tensor.zeros(dt, 3, 3))),
                        Map.entry("gemm", () -> m.gemm(1, mat, mat, 0, Tensor.zeros(dt, 3, 3))),
                        Map.entry("modeN", () -> m.modeN(mat, mat, 0)),
                        Map.entry("modeN", () -> m.modeN(mat, mat, 0, Tensor.zeros(dt, 3, 3))),
                        Map.entry("modeNLast", () -> m.modeNLast(mat, mat, 1)),
                        Map.entry("modeNLast", () -> m.modeNLast(mat, mat, 1, Tensor.zeros(dt, 3, 3))),
                        // Tensor's own math methods go through TensorMath.get().
                        Map.entry("binary(ADD)", () -> v.add(v)),
                        Map.entry("binary(MUL)", () -> v.mul(2.0)),
                        Map.entry("binary(POW)", () -> v.pow(2)),
                        Map.entry("unary(RELU)", () -> v.relu()),
                        Map.entry("reduce(SUM)", () -> v.sum()),
                        Map.entry("matmul", () -> mat.matmul(mat)),
                        Map.entry("argmax", () -> mat.argmax(1)));
                for (var e : calls) {
                    String op = e.getKey();
                    Throwable t = assertThrows(Throwable.class, e.getValue(), op);
                    assertEquals(IllegalArgumentException.class, t.getClass(), op + " on " + dt + " threw " + t);
                    assertTrue(t.getMessage().startsWith(op + ": " + dt + " tensor"), op + " on " + dt + ": " + t.getMessage());
                }
            }
        }
    }

    static <T extends Throwable> void assertMessage(Class<T> type, Executable call, String... parts) {
        T t = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(t.getMessage() != null && t.getMessage().contains(part), "message '" + t.getMessage() + "' lacks '" + part + "'");
        }
    }
}
