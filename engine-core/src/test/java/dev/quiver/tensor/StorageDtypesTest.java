package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.kernel.internal.HalfPrecision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static dev.quiver.tensor.DType.*;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The storage dtypes F16, BF16, I8 and U8 as tensors: creation, element access, printing,
 * equality, conversion (kernel path and strided path give the same bits), refusal by arithmetic
 * with a message naming the op and the dtype, and graphs (refused as nodes, converted when fed).
 */
class StorageDtypesTest {
    /** The one dtype dispatch: F64 and F32 pick their twin, every other dtype fails naming the op. */
    @Test
    void floatingDispatchTakesTheTwoComputeDtypesAndNamesTheOpOtherwise() {
        assertEquals(DType.Floating.F64, F64.floating("sgd"));
        assertEquals(DType.Floating.F32, F32.floating("sgd"));
        for (DType d : DType.values()) {
            if (d.isFloating()) continue;
            var e = assertThrows(IllegalArgumentException.class, () -> d.floating("sgd"));
            assertTrue(e.getMessage().startsWith("sgd: needs F32 or F64 values, not " + d), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BF16.floating("adam")).getMessage().contains("to(F32)"));
    }

    static <T extends Throwable> void assertMessage(Class<T> type, Executable run, String... fragments) {
        T e = assertThrows(type, run);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }

    @Test
    void storageArraysNeedTheirDtypeNamed() {
        assertMessage(IllegalArgumentException.class, () -> new Tensor(new short[2], 2), "short[]", "F16 or BF16");
        assertMessage(IllegalArgumentException.class, () -> new Tensor(new byte[2], 2), "byte[]", "I8 or U8");
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(F16, new float[2], 2), "F16 storage must be a short[]", "float[]");
        Tensor h = Tensor.of(F16, new short[] {0x3C00, (short) 0xC100}, 2);
        assertEquals(F16, h.dtype());
        assertEquals(BF16, Tensor.of(BF16, new short[2], 2).dtype());
        assertEquals(U8, Tensor.of(U8, new byte[2], 1, 2).dtype());
        assertEquals(-2.5, h.get(1));
        assertEquals(F16, h.transpose().dtype(), "views keep the dtype");
        assertEquals(F16, h.at(0).dtype());
        assertEquals(F16, h.reshape(2, 1).dtype());
        assertSame(h.f16(), h.data());
        assertMessage(IllegalStateException.class, h::bf16, "F16", "not BF16");
    }

    @Test
    void elementAccessRoundsForHalvesAndIsExactForBytes() {
        Tensor h = Tensor.zeros(F16, 3);
        h.set(1 + 0x1p-11, 0);                    // a tie: to even
        h.set(1 + 0x1p-11 + 0x1p-30, 1);          // just above it: up
        h.set(1e6, 2);                            // beyond 65520: infinity
        assertArrayEquals(new short[] {0x3C00, 0x3C01, 0x7C00}, h.f16());
        assertMessage(ArithmeticException.class, () -> h.setLong(2049, 0), "2049", "no exact F16 value");
        h.setLong(2048, 0);
        assertEquals(2048, h.getLong(0));
        assertMessage(ArithmeticException.class, () -> Tensor.full(F16, new int[] {1}, 0.5).getLong(0), "not an integer");

        Tensor b = Tensor.full(BF16, new int[] {2}, 3.14159);
        assertEquals(3.140625, b.get(0));
        assertEquals((short) 0x4049, b.bf16()[1]);

        Tensor u = Tensor.zeros(U8, 3);
        u.setInt(255, 0);
        u.set(128, 1);
        assertArrayEquals(new int[] {255, 128, 0}, u.toIntArray());
        assertMessage(ArithmeticException.class, () -> u.setInt(256, 0), "256", "U8");
        assertMessage(ArithmeticException.class, () -> u.set(-1, 0), "-1", "U8");
        assertMessage(ArithmeticException.class, () -> Tensor.full(I8, new int[] {1}, 128), "128", "I8");
        assertMessage(ArithmeticException.class, () -> Tensor.full(I8, new int[] {1}, 1.5), "1.5", "I8");
        Tensor i = Tensor.full(I8, new int[] {2}, -128);
        assertEquals(-128, i.getInt(1));
        assertArrayEquals(new int[] {0, 1, 2, 3}, Tensor.arange(U8, 4).toIntArray());
        assertMessage(IllegalArgumentException.class, () -> Tensor.arange(I8, 0, 2, 0.5), "I8", "integer start and step");
        assertTrue(Tensor.ones(U8, 2).getBool(1));
    }

    @Test
    void printsComparesAndCopies() {
        assertEquals("Tensor(F16, [4])[1.0, -2.5, 65504.0, NaN]",
                Tensor.of(F16, new short[] {0x3C00, (short) 0xC100, 0x7BFF, 0x7E00}, 4).toString());
        assertEquals("Tensor(BF16, [2])[3.140625, -Infinity]", Tensor.of(BF16, new short[] {0x4049, (short) 0xFF80}, 2).toString());
        assertEquals("Tensor(U8, [2, 2])[[255, 0], [7, 128]]", Tensor.of(U8, new byte[] {-1, 0, 7, -128}, 2, 2).toString());
        assertEquals("Tensor(I8, [2])[-1, -128]", Tensor.of(I8, new byte[] {-1, -128}, 2).toString());

        Tensor a = Tensor.of(F16, new short[] {0x3C00, 0x7E01, 0x4000, 0x4200}, 2, 2);
        assertTrue(a.bitwiseEquals(a.copy()));
        assertTrue(a.transpose().copy().bitwiseEquals(Tensor.of(F16, new short[] {0x3C00, 0x4000, 0x7E01, 0x4200}, 2, 2)));
        assertFalse(a.bitwiseEquals(Tensor.of(BF16, a.f16().clone(), 2, 2)), "dtype differs");
        assertTrue(a.allClose(Tensor.of(new float[] {1, Float.NaN, 2, 3}, 2, 2), 0, 0));
        Tensor u = Tensor.of(U8, new byte[] {-1, 3}, 2);
        assertTrue(u.allClose(Tensor.ofInts(new int[] {255, 3}, 2), 0, 0));
        assertFalse(u.bitwiseEquals(Tensor.of(I8, new byte[] {-1, 3}, 2)));
        Tensor filled = Tensor.zeros(BF16, 2, 3);
        filled.slice(all(), range(0, 3, 2)).fill(1.5);
        assertArrayEquals(new short[] {0x3FC0, 0, 0x3FC0, 0x3FC0, 0, 0x3FC0}, filled.bf16());
        Tensor bytes = Tensor.zeros(U8, 4);
        bytes.copyFrom(Tensor.of(U8, new byte[] {9}, 1));
        assertArrayEquals(new int[] {9, 9, 9, 9}, bytes.toIntArray());
        assertMessage(ArithmeticException.class, () -> bytes.fill(300), "300", "U8");
    }

    @Test
    void conversionsOnKernelsAndStridedPathsGiveTheSameBits() {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[1003];
        for (int i = 0; i < values.length; i++) values[i] = Float.intBitsToFloat(random.nextInt());
        values[0] = 65520f;
        values[1] = Float.NaN;
        values[2] = -0f;
        Tensor f = Tensor.of(values, 17, 59);
        for (DType half : new DType[] {F16, BF16}) {
            Tensor contiguous = f.to(half);
            Tensor strided = f.transpose().to(half).transpose();   // the same elements, element by element
            assertTrue(contiguous.bitwiseEquals(strided.copy()), half + " narrowing");
            for (int i = 0; i < values.length; i++) {
                short expected = half == F16 ? HalfPrecision.f32ToF16(values[i]) : HalfPrecision.f32ToBf16(values[i]);
                assertEquals(expected, contiguous.getHalfBitsFlat(i), half + " element " + i);
            }
            Tensor wide = contiguous.to(F32), wideStrided = contiguous.transpose().to(F32).transpose().copy();
            assertTrue(wide.bitwiseEquals(wideStrided), half + " widening");
            // Through F64 (the scalar double path) the values agree, NaNs aside.
            Tensor viaF64 = contiguous.to(F64).to(half);
            for (int i = 0; i < values.length; i++) {
                if (!Float.isNaN(wide.f32()[i])) assertEquals(contiguous.getHalfBitsFlat(i), viaF64.getHalfBitsFlat(i), half + " via F64 " + i);
            }
            // Converting into a caller's tensor (the allocation-free form feeding uses).
            Tensor out = Tensor.zeros(F32, 59, 17);
            assertSame(out, contiguous.transpose().to(out));
            assertTrue(out.bitwiseEquals(wide.reshape(17, 59).transpose().copy()));
        }
    }

    @Test
    void conversionsFollowAstypeAndRoundOnce() {
        Tensor d = Tensor.vector(1 + 0x1p-11 + 0x1p-40, 70000, -1e-9, 3.7, -3.7);
        assertArrayEquals(new short[] {0x3C01, 0x7C00, (short) 0x8000, 0x4366, (short) 0xC366}, d.to(F16).f16(), "F64 rounds once");
        assertArrayEquals(new int[] {1, 255, 0, 3, 253}, Tensor.ofInts(new int[] {1, -1, 256, 3, -3}, 5).to(U8).toIntArray(), "integers wrap");
        assertArrayEquals(new int[] {1, 127, -128, 3}, Tensor.ofLongs(new long[] {1, 127, 128, 3}, 4).to(I8).toIntArray());
        assertArrayEquals(new int[] {3, -3}, d.slice(range(3, 5)).to(I8).toIntArray(), "floats truncate toward zero");
        assertMessage(ArithmeticException.class, () -> d.to(U8), "to(U8)", "element 1", "70000.0");
        assertMessage(ArithmeticException.class, () -> Tensor.vector(-1.5).to(U8), "to(U8)", "element 0");
        assertMessage(ArithmeticException.class, () -> Tensor.vector(128).to(I8), "to(I8)");
        assertMessage(ArithmeticException.class, () -> Tensor.of(F16, new short[] {0x7C00}, 1).to(I32), "to(I32)", "Infinity");
        assertArrayEquals(new boolean[] {true, false, true}, Tensor.of(F16, new short[] {0x7E00, (short) 0x8000, 0x0001}, 3).to(BOOL).bool());
        assertArrayEquals(new short[] {0x3C00, 0}, Tensor.ofBools(new boolean[] {true, false}, 2).to(F16).f16());
        assertArrayEquals(new short[] {0x4049}, Tensor.of(F16, new short[] {0x4248}, 1).to(BF16).bf16(), "3.140625 is in both");
        assertArrayEquals(new int[] {255, 128}, Tensor.of(U8, new byte[] {-1, -128}, 2).to(I32).i32());

        // Integers beyond 2^53 to BF16: one rounding of the exact integer, not two through double.
        SplittableRandom random = new SplittableRandom(3);
        for (int k = 0; k < 2000; k++) {
            int e = 54 + random.nextInt(9);
            long half = 1L << (e - 8);                                    // half a BF16 ulp (2^(e-7)) at 2^e
            long v = (1L << e) + ((long) random.nextInt(128) << (e - 7)) + half + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(1000));
            if (random.nextBoolean()) v = -v;
            short got = Tensor.ofLongs(new long[] {v}, 1).to(BF16).bf16()[0];
            BigDecimal exact = new BigDecimal(v), lo = new BigDecimal(HalfPrecision.bf16ToF64(got));
            BigDecimal ulp = new BigDecimal(Math.ulp((float) HalfPrecision.bf16ToF32(got)) * 65536.0);
            BigDecimal error = exact.subtract(lo).abs();   // never a tie here: nearer than either neighbour
            assertTrue(error.compareTo(exact.subtract(lo.add(ulp)).abs()) < 0 && error.compareTo(exact.subtract(lo.subtract(ulp)).abs()) < 0,
                    v + " -> " + lo);
        }
        long tricky = (1L << 60) + (1L << 52) + 1;                        // above the BF16 tie; (double) lands on it
        assertEquals(0x1.02p60, Tensor.ofLongs(new long[] {tricky}, 1).to(BF16).get(0));
    }

    @Test
    void arithmeticRefusesStorageDtypesNamingTheOpAndDtype() {
        Tensor h = Tensor.of(F16, new short[] {0x3C00, 0x4000}, 2);
        Tensor u = Tensor.of(U8, new byte[] {1, 2}, 2);
        assertMessage(IllegalArgumentException.class, () -> h.add(h), "binary(ADD)", "F16", "storage dtype", "to(F32)");
        assertMessage(IllegalArgumentException.class, h::tanh, "TANH", "F16", "to(F32)");
        assertMessage(IllegalArgumentException.class, () -> h.sum(), "F16", "to(F32)");
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(BF16, new short[4], 2, 2).matmul(Tensor.of(BF16, new short[4], 2, 2)),
                "BF16", "to(F32)");
        assertMessage(IllegalArgumentException.class, () -> u.mul(2), "MUL", "U8", "to(F32)");
        assertMessage(IllegalArgumentException.class, () -> Tensor.randn(F16, Seed.of(1), 2), "randn", "F16", "to(F16)");
        // Converting is the way: exact up, one rounding down.
        assertArrayEquals(new short[] {0x4000, 0x4400}, h.to(F32).mul(2).to(F16).f16());
    }

    @Test
    void graphsTakeStorageDtypesOnlyAsFeedsConvertedExactly() {
        Graph g = new Graph();
        assertMessage(IllegalArgumentException.class, () -> g.input("x", F16, 2), "input 'x'", "F16 is a storage dtype",
                "declare the input F32");
        assertMessage(IllegalArgumentException.class, () -> g.param("w", Tensor.zeros(BF16, 2)), "'w'", "BF16", "to(F32)");
        assertMessage(IllegalArgumentException.class, () -> g.constant(Tensor.zeros(U8, 2)), "U8", "to(I32)");

        Graph graph = new Graph();
        Node x = graph.input("x", F32, 2, 3);
        Node y = graph.named("y", x.mul(x).sum());
        Step step = graph.compile(y, dev.quiver.graph.CompileOptions.inferenceOnly());
        Tensor half = Tensor.of(F16, new short[] {0x3C00, 0x4000, 0x4200, (short) 0xBC00, 0x3800, 0}, 3, 2).transpose();
        step.feed(x, half);
        step.forward();
        assertEquals(1 + 4 + 9 + 1 + 0.25 + 0, step.value(y).item());
        assertMessage(IllegalArgumentException.class, () -> step.feed(x, Tensor.zeros(F64, 2, 3)), "F32", "F64");
        assertMessage(IllegalArgumentException.class, () -> step.feed(x, Tensor.zeros(U8, 2, 3)), "F32", "U8");
        assertNotNull(Backends.current());
    }
}
