package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.quiver.io.Bytes.spaces;
import static org.junit.jupiter.api.Assertions.*;

/**
 * .npy against byte sequences written out by hand from the NumPy format specification
 * (numpy.lib.format: magic, version, little-endian header length, Python-literal dict padded with
 * spaces and a newline to a multiple of 64, NumPy's 21-digit growth room on the growing axis).
 */
class NpyTest {
    // IEEE 754 bit patterns, written out by hand.
    static final long D_1 = 0x3FF0000000000000L, D_2 = 0x4000000000000000L, D_3 = 0x4008000000000000L,
            D_MINUS_HALF = 0xBFE0000000000000L, D_QUARTER = 0x3FD0000000000000L, D_10 = 0x4024000000000000L;
    static final int F_1 = 0x3F800000, F_MINUS_2 = 0xC0000000, F_HALF = 0x3F000000, F_3 = 0x40400000;

    static Tensor matrix23() {
        return Tensor.of(new double[] {1, 2, 3, -0.5, 0.25, 10}, 2, 3);
    }

    /** magic, version, 2- or 4-byte header length, header text. */
    static Bytes prefix(int major, String header) {
        Bytes b = Bytes.of().raw(0x93).ascii("NUMPY").raw(major, 0);
        byte[] text = major == 3 ? header.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        b.le(text.length, major == 1 ? 2 : 4);
        return major == 3 ? b.utf8(header) : b.ascii(header);
    }

    @Test
    void writesFloat64COrderExactlyAsNumPySaves() {
        // 59-char dict + 20 growth spaces (21 - len("2")) + 38 alignment spaces + '\n' = 118; 10 + 118 = 128.
        byte[] expected = prefix(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + spaces(20 + 38) + "\n")
                .le64(D_1).le64(D_2).le64(D_3).le64(D_MINUS_HALF).le64(D_QUARTER).le64(D_10).bytes();
        assertEquals(128 + 48, expected.length);
        assertArrayEquals(expected, Npy.toBytes(matrix23(), Npy.Order.C));
    }

    @Test
    void writesFloat32VectorExactlyAsNumPySaves() {
        byte[] expected = prefix(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + spaces(20 + 40) + "\n")
                .le32(F_1).le32(F_MINUS_2).le32(F_HALF).bytes();
        assertArrayEquals(expected, Npy.toBytes(Tensor.of(new float[] {1, -2, 0.5f}, 3), Npy.Order.C));
    }

    @Test
    void writesFortranOrderColumnByColumn() {
        // growth room is for the last axis in Fortran order: 21 - len("3") = 20.
        byte[] expected = prefix(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }" + spaces(20 + 39) + "\n")
                .le64(D_1).le64(D_MINUS_HALF).le64(D_2).le64(D_QUARTER).le64(D_3).le64(D_10).bytes();
        assertArrayEquals(expected, Npy.toBytes(matrix23(), Npy.Order.FORTRAN));
    }

    @Test
    void writesScalarsAndEmptyArrays() {
        byte[] scalar = prefix(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + spaces(62) + "\n").le64(D_3).bytes();
        assertArrayEquals(scalar, Npy.toBytes(Tensor.scalar(DType.F64, 3), Npy.Order.C));
        byte[] empty = prefix(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (123456, 0), }" + spaces(15 + 38) + "\n").bytes();
        assertArrayEquals(empty, Npy.toBytes(Tensor.zeros(DType.F64, 123456, 0), Npy.Order.C));
        // Long enough that NumPy's growth room (20 spaces) pushes the header past 128 bytes:
        // 10 + 98 + 20 + 1 = 129, padded by 63 to 192 (without the growth room it would be 128).
        byte[] wide = prefix(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (7, 0, 1000000000, 1000000000, 1000000000, 1), }"
                + spaces(20 + 63) + "\n").bytes();
        assertEquals(192, wide.length);
        assertArrayEquals(wide, Npy.toBytes(Tensor.zeros(DType.F64, 7, 0, 1000000000, 1000000000, 1000000000, 1), Npy.Order.C));
    }

    @Test
    void writesStridedViewsInLogicalOrder() {
        Tensor transposed = Tensor.of(new double[] {1, -0.5, 2, 0.25, 3, 10}, 3, 2).transpose();
        assertArrayEquals(Npy.toBytes(matrix23(), Npy.Order.C), Npy.toBytes(transposed, Npy.Order.C));
    }

    @Test
    void readsBigEndianFortranAndLaterFormatVersions() throws Exception {
        // Big-endian f8 (2, 2), no growth room or alignment: other writers need not pad to 64.
        byte[] be = prefix(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }\n")
                .hex("3FF0000000000000 4000000000000000 BFE0000000000000 4024000000000000").bytes();
        assertBits(new double[] {1, 2, -0.5, 10}, new int[] {2, 2}, Npy.fromBytes(be, "be.npy"));

        // Little-endian f4 (2, 3) in Fortran order: columns (1, -2), (0.5, 3), (1, 0.5).
        byte[] fortran = prefix(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }" + spaces(20) + "\n")
                .le32(F_1).le32(F_MINUS_2).le32(F_HALF).le32(F_3).le32(F_1).le32(F_HALF).bytes();
        Tensor f = Npy.fromBytes(fortran, "f.npy");
        assertEquals(DType.F32, f.dtype());
        assertArrayEquals(new float[] {1, 0.5f, 1, -2, 3, 0.5f}, f.contiguous().f32());
        assertArrayEquals(new int[] {2, 3}, f.shape());

        // Big-endian f4 in format 2.0 (4-byte header length), double quotes, Python 2 long suffix.
        byte[] v2 = prefix(2, "{\"descr\": \">f4\", \"shape\": (2L,), \"fortran_order\": False}" + spaces(3) + "\n")
                .hex("3F800000 C0000000").bytes();
        Tensor t2 = Npy.fromBytes(v2, "v2.npy");
        assertArrayEquals(new float[] {1, -2}, t2.f32());

        // Format 3.0: UTF-8 header.
        byte[] v3 = prefix(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }\n").le64(D_QUARTER).bytes();
        assertBits(new double[] {0.25}, new int[] {1, 1, 1}, Npy.fromBytes(v3, "v3.npy"));
    }

    @Test
    void roundTripsBitExactThroughFilesIncludingSpecialValues(@TempDir Path dir) throws Exception {
        double[] values = {0.0, -0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
                Double.longBitsToDouble(0x7FF0000000000123L), Math.PI, 1e-310, -7};
        Tensor t = Tensor.of(values.clone(), 2, 5);
        Path file = dir.resolve("t.npy");
        Npy.write(file, t);
        assertBits(values, new int[] {2, 5}, Npy.read(file));
        Npy.write(file, t, Npy.Order.FORTRAN);
        assertBits(values, new int[] {2, 5}, Npy.read(file));

        float[] floats = {Float.intBitsToFloat(0x7FC00001), -0.0f, Float.MIN_VALUE, 1.5f};
        Npy.write(file, Tensor.of(floats.clone(), 4));
        float[] back = Npy.read(file).f32();
        for (int i = 0; i < floats.length; i++) assertEquals(Float.floatToRawIntBits(floats[i]), Float.floatToRawIntBits(back[i]));
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary files left behind");
        }
    }

    @Test
    void roundTripsTensorsLargerThanOneIoChunk(@TempDir Path dir) throws Exception {
        // 1.2 MB and 2.4 MB: several 1 MiB chunks, contiguous and strided.
        Tensor f = Tensor.randn(DType.F32, Seed.of(8), 600, 500);
        Tensor d = Tensor.randn(DType.F64, Seed.of(9), 500, 600).transpose();
        Path file = dir.resolve("big.npy");
        for (Tensor t : new Tensor[] {f, d}) {
            for (Npy.Order order : Npy.Order.values()) {
                Npy.write(file, t, order);
                Tensor back = Npy.read(file);
                assertTrue(t.bitwiseEquals(back), t.dtype() + " " + order);
                assertEquals(Npy.header(t, order).length + (long) t.size() * t.dtype().bytes(), Files.size(file));
            }
        }
    }

    @Test
    void rejectsBadFilesWithTheFileNameAndTheProblem() {
        String ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
        byte[] data = Bytes.of().le64(D_1).le64(D_2).bytes();
        assertBad("truncated", Bytes.of().raw(0x93).ascii("NUM").bytes());
        assertBad("wrong magic", Bytes.of().raw(0x93).ascii("NUMPX").raw(1, 0, 2, 0).ascii("{}").bytes());
        assertBad("unsupported .npy format version 4.0", prefix(4, ok).hex("00").bytes());
        assertBad("unsupported .npy format version 1.1", Bytes.of().raw(0x93).ascii("NUMPY").raw(1, 1, 0, 0).bytes());
        assertBad("runs past the end", Bytes.of().raw(0x93).ascii("NUMPY").raw(1, 0).le(500, 2).ascii(ok).bytes());
        assertBad("runs past the end", Bytes.of().raw(0x93).ascii("NUMPY").raw(2, 0).le(0xFFFFFFF0L, 4).ascii(ok).bytes());
        assertBad("truncated", Bytes.of().raw(0x93).ascii("NUMPY").raw(2, 0, 9).bytes());
        assertBad("malformed header", withData(prefix(1, "['descr', '<f8']\n"), data));
        assertBad("header keys", withData(prefix(1, "{'descr': '<f8', 'shape': (2,), }\n"), data));
        assertBad("header keys", withData(prefix(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': True}\n"), data));
        assertBad("duplicate key", withData(prefix(1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}\n"), data));
        assertBad("unsupported dtype '<m8'", withData(prefix(1, ok.replace("<f8", "<m8")), data));
        assertBad("unsupported dtype '|V2'", withData(prefix(1, ok.replace("<f8", "|V2")), data));
        assertBad("unsupported dtype '<c8'", withData(prefix(1, ok.replace("<f8", "<c8")), data));
        assertBad("unsupported dtype '|S8'", withData(prefix(1, ok.replace("<f8", "|S8")), data));
        assertBad("unsupported dtype '|i4'", withData(prefix(1, ok.replace("<f8", "|i4")), data));
        assertBad("unsupported dtype '=i8'", withData(prefix(1, ok.replace("<f8", "=i8")), data));
        assertBad("malformed header", withData(prefix(1, ok.replace("'<f8'", "[('a', '<f8')]")), data));
        assertBad("not a tuple", withData(prefix(1, ok.replace("(2,)", "(2)")), data));
        assertBad("non-negative integer", withData(prefix(1, ok.replace("(2,)", "(-2,)")), data));
        assertBad("fortran_order", withData(prefix(1, ok.replace("False", "'no'")), data));
        assertBad("absurd shape", withData(prefix(1, ok.replace("(2,)", "(100000, 100000, 100000)")), data));
        assertBad("absurd shape", withData(prefix(1, ok.replace("(2,)", "(0, 4294967296)")), data));
        assertBad("overflows", withData(prefix(1, ok.replace("(2,)", "(4611686018427387904, 4)")), data));
        assertBad("rank 9", withData(prefix(1, ok.replace("(2,)", "(1, 1, 1, 1, 1, 1, 1, 1, 2)")), data));
        // A header that claims 16 GB of data (more than any test heap) in a 16-byte body: rejected before allocating.
        assertBad("truncated: shape (2000000000,)", withData(prefix(1, ok.replace("(2,)", "(2000000000,)")), data));
        assertBad("truncated", withData(prefix(1, ok), Bytes.of().le64(D_1).hex("0000").bytes()));
        assertBad("trailing garbage: 3 bytes", withData(prefix(1, ok), Bytes.of().le64(D_1).le64(D_2).hex("414243").bytes()));
        assertBad("not valid UTF-8", withData(prefix(3, ok.replace("'<f8'", "'<f8'  ")).raw(), data, 0x1E, 0xC3));
        assertBad("unexpected text after the header dict", withData(prefix(1, ok.replace("\n", "x\n")), data));
    }

    /** Issue 18: a zero dimension makes the array empty however large the others are; not a Shapes error. */
    @Test
    void readsZeroSizeArraysWhateverTheirOtherDimensions() throws Exception {
        for (String order : new String[] {"False", "True"}) {
            byte[] image = prefix(1, "{'descr': '<f4', 'fortran_order': " + order + ", 'shape': (65536, 65536, 0), }\n").bytes();
            Tensor t = Npy.fromBytes(image, "empty.npy");
            assertArrayEquals(new int[] {65536, 65536, 0}, t.shape());
            assertEquals(0, t.size());
            assertArrayEquals(t.shape(), Npy.fromBytes(Npy.toBytes(t, Npy.Order.FORTRAN), "e.npy").shape());
        }
    }

    /** Issue 18: a huge value in a header is named by its size, not copied into the message. */
    @Test
    void cutsLongHeaderValuesOutOfMessages() {
        String ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
        byte[] data = Bytes.of().le64(D_1).le64(D_2).bytes();
        String[] bad = {
                ok.replace("<f8", "<f8" + "x".repeat(200_000)),
                ok.replace("(2,)", "(" + "9".repeat(200_000) + ",)"),
                ok.replace("(2,)", "(" + "1, ".repeat(50_000) + "2)"),
                ok.replace("'shape'", "'" + "k".repeat(200_000) + "'"),
        };
        for (String header : bad) {
            QuiverIOException e = assertThrows(QuiverIOException.class, () -> Npy.fromBytes(withData(prefix(2, header), data), "long.npy"));
            assertTrue(e.getMessage().startsWith("long.npy: "), e.getMessage());
            assertTrue(e.getMessage().length() < 400, "message of " + e.getMessage().length() + " characters: "
                    + e.getMessage().substring(0, Math.min(400, e.getMessage().length())));
        }
    }

    // ------------------------------------------------------------------ integer and bool arrays

    @Test
    void writesInt32Int64AndBoolExactlyAsNumPySaves() {
        // Same dict lengths as the float64 (2, 3) and float32 (3,) headers above: 118 and 118 bytes after the prefix.
        byte[] i32 = prefix(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }" + spaces(20 + 38) + "\n")
                .hex("01000000 FEFFFFFF 03000000 FFFFFF7F 00000080 00000000").bytes();
        assertEquals(128 + 24, i32.length);
        Tensor ints = Tensor.ofInts(new int[] {1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0}, 2, 3);
        assertArrayEquals(i32, Npy.toBytes(ints, Npy.Order.C));

        byte[] i64 = prefix(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }" + spaces(20 + 40) + "\n")
                .hex("FFFFFFFFFFFFFFFF 0100000000002000 0000000000000080").bytes();
        Tensor longs = Tensor.ofLongs(new long[] {-1, (1L << 53) + 1, Long.MIN_VALUE}, 3);
        assertArrayEquals(i64, Npy.toBytes(longs, Npy.Order.C));

        byte[] bool = prefix(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }" + spaces(20 + 38) + "\n")
                .raw(1, 0, 0, 0).bytes();
        Tensor mask = Tensor.ofBools(new boolean[] {true, false, false, false}, 2, 2);
        assertArrayEquals(bool, Npy.toBytes(mask, Npy.Order.C));
        // Fortran order, column by column; growth room for the last axis.
        byte[] boolF = prefix(1, "{'descr': '|b1', 'fortran_order': True, 'shape': (2, 3), }" + spaces(20 + 39) + "\n")
                .raw(1, 0, 0, 1, 1, 1).bytes();
        Tensor mask23 = Tensor.ofBools(new boolean[] {true, false, true, false, true, true}, 2, 3);
        assertArrayEquals(boolF, Npy.toBytes(mask23, Npy.Order.FORTRAN));
        byte[] scalar = prefix(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }" + spaces(62) + "\n")
                .hex("F9FFFFFFFFFFFFFF").bytes();
        assertArrayEquals(scalar, Npy.toBytes(Tensor.scalarLong(-7), Npy.Order.C));
        // A strided view is written in logical order.
        assertArrayEquals(i32, Npy.toBytes(Tensor.ofInts(new int[] {1, Integer.MAX_VALUE, -2, Integer.MIN_VALUE, 3, 0}, 3, 2).transpose(), Npy.Order.C));

        for (byte[] image : new byte[][] {i32, i64, bool, boolF, scalar}) {
            Tensor back = assertDoesNotThrow(() -> Npy.fromBytes(image, "int.npy"));
            Tensor original = image == i32 ? ints : image == i64 ? longs : image == bool ? mask : image == boolF ? mask23 : Tensor.scalarLong(-7);
            assertTrue(original.bitwiseEquals(back), back.toString());
        }
    }

    @Test
    void readsIntegerAndBoolArraysInEitherByteOrderAndWidensTheIntegersQuiverHasNoDtypeFor() throws Exception {
        String h = "{'descr': 'DT', 'fortran_order': False, 'shape': (3,), }\n";
        assertRead(new int[] {-2, 3, Integer.MIN_VALUE}, prefix(1, h.replace("DT", ">i4")).hex("FFFFFFFE 00000003 80000000").bytes());
        assertRead(new long[] {Long.MIN_VALUE, 1, -2}, prefix(1, h.replace("DT", ">i8"))
                .hex("8000000000000000 0000000000000001 FFFFFFFFFFFFFFFE").bytes());
        assertRead(new long[] {Long.MAX_VALUE, 1, -2}, prefix(1, h.replace("DT", "<i8"))
                .hex("FFFFFFFFFFFFFF7F 0100000000000000 FEFFFFFFFFFFFFFF").bytes());
        assertRead(new boolean[] {false, true, true}, prefix(1, h.replace("DT", "|b1")).raw(0, 1, 1).bytes());
        // int8 and uint8 have dtypes of their own; int16 and uint16 widen into I32, uint32 and uint64 into I64.
        Tensor i1 = Npy.fromBytes(prefix(1, h.replace("DT", "|i1")).raw(0xFF, 0x7F, 0x80).bytes(), "i1.npy");
        assertEquals(DType.I8, i1.dtype());
        assertArrayEquals(new int[] {-1, 127, -128}, i1.toIntArray());
        Tensor u1 = Npy.fromBytes(prefix(1, h.replace("DT", "|u1")).raw(0xFF, 0x00, 0x80).bytes(), "u1.npy");
        assertEquals(DType.U8, u1.dtype());
        assertArrayEquals(new int[] {255, 0, 128}, u1.toIntArray());
        assertRead(new long[] {4294967295L, 1, 2147483648L}, prefix(1, h.replace("DT", "<u4")).hex("FFFFFFFF 01000000 00000080").bytes());
        assertRead(new long[] {4294967295L, 1, 2147483648L}, prefix(1, h.replace("DT", ">u4")).hex("FFFFFFFF 00000001 80000000").bytes());
        assertRead(new long[] {Long.MAX_VALUE, 1, 0}, prefix(1, h.replace("DT", "<u8"))
                .hex("FFFFFFFFFFFFFF7F 0100000000000000 0000000000000000").bytes());
        assertRead(new int[] {-2, 256, -32768}, prefix(1, h.replace("DT", "<i2")).hex("FEFF 0001 0080").bytes());
        assertRead(new int[] {-2, 256, -32768}, prefix(1, h.replace("DT", ">i2")).hex("FFFE 0100 8000").bytes());
        assertRead(new int[] {65535, 1, 32768}, prefix(1, h.replace("DT", "<u2")).hex("FFFF 0100 0080").bytes());
        assertRead(new int[] {65535, 1, 32768}, prefix(1, h.replace("DT", ">u2")).hex("FFFF 0001 8000").bytes());
        // Fortran order: the bytes are column by column.
        Tensor f = Npy.fromBytes(prefix(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }\n")
                .hex("01000000 02000000 03000000 04000000").bytes(), "f.npy");
        assertArrayEquals(new int[] {1, 3, 2, 4}, f.i32());
        // Later format versions carry the same dtypes.
        Tensor v2 = Npy.fromBytes(prefix(2, h.replace("DT", "<i4")).hex("05000000 06000000 07000000").bytes(), "v2.npy");
        assertArrayEquals(new int[] {5, 6, 7}, v2.i32());
    }

    private static void assertRead(Object expected, byte[] image) throws Exception {
        Tensor t = Npy.fromBytes(image, "read.npy");
        assertEquals(DType.of(expected), t.dtype());
        assertArrayEquals(new int[] {3}, t.shape());
        switch (expected) {
            case int[] i -> assertArrayEquals(i, t.i32());
            case long[] l -> assertArrayEquals(l, t.i64());
            case boolean[] b -> assertArrayEquals(b, t.bool());
            default -> fail();
        }
    }

    @Test
    void rejectsDamagedIntegerAndBoolFiles() {
        String h = "{'descr': 'DT', 'fortran_order': False, 'shape': (3,), }\n";
        assertBad("BOOL element 1 is the byte 0x02", prefix(1, h.replace("DT", "|b1")).raw(1, 2, 0).bytes());
        assertBad("BOOL element 2 is the byte 0xff", prefix(1, h.replace("DT", "|b1")).raw(1, 0, 0xFF).bytes());
        assertBad("truncated: shape (3,) of '<i8' needs 24 data bytes, the file has 16", prefix(1, h.replace("DT", "<i8")).hex("00".repeat(16)).bytes());
        assertBad("trailing garbage: 1 bytes", prefix(1, h.replace("DT", "<i4")).hex("00".repeat(13)).bytes());
        assertBad("truncated", prefix(1, h.replace("DT", "|u1")).raw(1, 2).bytes());
        assertBad("unsupported dtype '|i2'", prefix(1, h.replace("DT", "|i2")).hex("00".repeat(6)).bytes());
        assertBad("U64 element 1 is 18446744073709551615, beyond 2^63 - 1", prefix(1, h.replace("DT", "<u8"))
                .hex("0000000000000000 FFFFFFFFFFFFFFFF 0000000000000000").bytes());
    }

    @Test
    void roundTripsIntegerAndBoolTensorsThroughFiles(@TempDir Path dir) throws Exception {
        Tensor big = Tensor.zeros(DType.BOOL, 3, 700_001); // more than two I/O chunks of bytes
        for (int i = 0; i < big.size(); i += 7) big.setBoolFlat(i, true);
        Tensor[] tensors = {
                Tensor.ofInts(new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 42}, 3, 2).transpose(),
                Tensor.ofLongs(new long[] {Long.MIN_VALUE, (1L << 53) + 1, Long.MAX_VALUE, 0}, 2, 1, 2),
                Tensor.arange(DType.I64, 600_000).reshape(2, 300_000), // more than one I/O chunk
                big,
                Tensor.zeros(DType.I32, 0, 4),
                Tensor.scalarBool(true),
        };
        for (Tensor t : tensors) {
            for (Npy.Order order : Npy.Order.values()) {
                Path file = dir.resolve("t.npy");
                Npy.write(file, t, order);
                Tensor back = Npy.read(file);
                assertTrue(t.bitwiseEquals(back), t.dtype() + " " + java.util.Arrays.toString(t.shape()) + " " + order);
                assertArrayEquals(Npy.toBytes(t, order), Files.readAllBytes(file));
            }
        }
    }

    private static byte[] withData(Bytes header, byte[] data) {
        return Bytes.of().hex(java.util.HexFormat.of().formatHex(header.bytes())).hex(java.util.HexFormat.of().formatHex(data)).bytes();
    }

    /** Puts a raw byte into the header (to make it invalid text). */
    private static byte[] withData(Bytes header, byte[] data, int headerIndex, int rawByte) {
        byte[] h = header.bytes();
        h[10 + headerIndex] = (byte) rawByte;
        return withData(Bytes.of().hex(java.util.HexFormat.of().formatHex(h)), data);
    }

    static void assertBad(String fragment, byte[] image) {
        QuiverIOException e = assertThrows(QuiverIOException.class, () -> Npy.fromBytes(image, "bad.npy"));
        assertTrue(e.getMessage().startsWith("bad.npy: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    static void assertBits(double[] expected, int[] shape, Tensor actual) {
        assertEquals(DType.F64, actual.dtype());
        assertArrayEquals(shape, actual.shape());
        double[] got = actual.contiguous().f64();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(got[i]), "element " + i);
        }
    }
}
