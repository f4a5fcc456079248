package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.quiver.io.Bytes.spaces;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.*;

/**
 * F16, BF16, I8 and U8 (and the integer types read widened) in .npy, safetensors and checkpoints:
 * files built byte by byte here from the formats' specifications, with values decoded by hand
 * from IEEE 754 binary16 / bfloat16 bit fields; files numpy.save wrote (committed under
 * {@code src/test/resources/dev/quiver/io/numpy}, made once with NumPy 2.4 by
 * {@code np.save('f2.npy', np.array([[1.0, -2.0, 65504.0], [2.0**-24, -np.inf, 0.333251953125]], dtype='<f2'))},
 * {@code np.save('f2_fortran.npy', np.asfortranarray(np.array([[1.5, 3.0], [-0.0, 1024.0], [0.099975586, 7.0]], dtype='<f2')))},
 * {@code np.save('i1.npy', np.array([-128, -1, 0, 1, 127], dtype='i1'))},
 * {@code np.save('u1.npy', np.array([[0, 1], [128, 255]], dtype='u1'))}); and round trips of
 * every dtype through every format, views included.
 */
class StorageDtypesIoTest {
    /** binary16 patterns and their values, decoded by hand: sign, 5-bit exponent (bias 15), 10-bit fraction. */
    static final short[] HALF = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, (short) 0xFC00, 0x7E00};
    static final float[] HALF_VALUES = {1f, -2f, 65504f, 0x1p-24f, Float.NEGATIVE_INFINITY, Float.NaN};

    private static Tensor half(short... bits) {
        return Tensor.of(DType.F16, bits, bits.length);
    }

    // ------------------------------------------------------------------ .npy

    @Test
    void readsHandBuiltFloat16InBothByteOrders() throws Exception {
        String h = "{'descr': 'DT', 'fortran_order': False, 'shape': (6,), }\n";
        Tensor le = Npy.fromBytes(NpyTest.prefix(1, h.replace("DT", "<f2")).hex("003C 00C0 FF7B 0100 00FC 007E").bytes(), "le.npy");
        Tensor be = Npy.fromBytes(NpyTest.prefix(1, h.replace("DT", ">f2")).hex("3C00 C000 7BFF 0001 FC00 7E00").bytes(), "be.npy");
        for (Tensor t : new Tensor[] {le, be}) {
            assertEquals(DType.F16, t.dtype());
            assertArrayEquals(HALF, t.f16());
            Tensor f = t.to(DType.F32);
            for (int i = 0; i < HALF_VALUES.length; i++) {
                assertEquals(Float.floatToIntBits(HALF_VALUES[i]), Float.floatToIntBits(f.f32()[i]), "element " + i);
            }
        }
        Tensor i1 = Npy.fromBytes(NpyTest.prefix(1, h.replace("DT", "|i1")).raw(0x80, 0xFF, 0, 1, 0x7F, 0x02).bytes(), "i1.npy");
        assertEquals(DType.I8, i1.dtype());
        assertArrayEquals(new long[] {-128, -1, 0, 1, 127, 2}, i1.toLongArray());
        Tensor u1 = Npy.fromBytes(NpyTest.prefix(1, h.replace("DT", "<u1")).raw(0x80, 0xFF, 0, 1, 0x7F, 0x02).bytes(), "u1.npy");
        assertEquals(DType.U8, u1.dtype());
        assertArrayEquals(new long[] {128, 255, 0, 1, 127, 2}, u1.toLongArray());
    }

    @Test
    void readsAndWritesExactlyWhatNumpySaved() throws Exception {
        Tensor f2 = Npy.fromBytes(resource("f2.npy"), "f2.npy");
        assertArrayEquals(new int[] {2, 3}, f2.shape());
        assertArrayEquals(new short[] {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, (short) 0xFC00, 0x3555}, f2.f16());
        assertArrayEquals(resource("f2.npy"), Npy.toBytes(f2, Npy.Order.C));

        Tensor fortran = Npy.fromBytes(resource("f2_fortran.npy"), "f2_fortran.npy");
        assertArrayEquals(new int[] {3, 2}, fortran.shape());
        assertArrayEquals(new short[] {0x3E00, 0x4200, (short) 0x8000, 0x6400, 0x2E66, 0x4700}, fortran.f16(), "C order after reading");
        assertEquals(0.0999755859375, fortran.get(2, 0));
        assertArrayEquals(resource("f2_fortran.npy"), Npy.toBytes(fortran, Npy.Order.FORTRAN));

        Tensor i1 = Npy.fromBytes(resource("i1.npy"), "i1.npy");
        assertArrayEquals(new byte[] {-128, -1, 0, 1, 127}, i1.i8());
        assertArrayEquals(resource("i1.npy"), Npy.toBytes(i1, Npy.Order.C));
        Tensor u1 = Npy.fromBytes(resource("u1.npy"), "u1.npy");
        assertArrayEquals(new int[] {0, 1, 128, 255}, u1.toIntArray());
        assertArrayEquals(resource("u1.npy"), Npy.toBytes(u1, Npy.Order.C));
    }

    @Test
    void everyDtypeRoundTripsThroughNpyInBothOrdersAndFromViews(@TempDir Path dir) throws Exception {
        for (DType dt : DType.values()) {
            if (dt == DType.BF16) continue;
            Tensor t = sample(dt, 3, 4);
            for (Tensor view : new Tensor[] {t, t.transpose(), t.slice(all(), range(3, 0, -2))}) {
                for (Npy.Order order : Npy.Order.values()) {
                    Path file = dir.resolve(dt + ".npy");
                    Npy.write(file, view, order);
                    Tensor back = Npy.read(file);
                    assertTrue(view.bitwiseEquals(back), dt + " " + order + ": " + view + " vs " + back);
                    assertTrue(view.bitwiseEquals(Npy.fromBytes(Npy.toBytes(view, order), "x.npy")), dt + " " + order);
                }
            }
        }
    }

    @Test
    void bfloat16HasNoNpyForm() {
        Tensor b = Tensor.of(DType.BF16, new short[] {0x3F80}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.toBytes(b, Npy.Order.C));
        assertTrue(e.getMessage().contains("bfloat16") && e.getMessage().contains("to(F32)"), e.getMessage());
    }

    // ------------------------------------------------------------------ safetensors

    /** u64 length + header padded with spaces to a multiple of 8 + data. */
    private static Bytes safetensors(String header) {
        return SafeTensorsTest.file(header + spaces((8 - header.getBytes(StandardCharsets.UTF_8).length % 8) % 8));
    }

    @Test
    void readsHandBuiltFloat16AndBfloat16() throws Exception {
        // bfloat16 fields: sign, 8-bit exponent (bias 127), 7-bit fraction.
        // 0x3F80 = 1, 0xC040 = -3, 0x7F7F = 0x1.fep127, 0x0001 = 2^-133 (subnormal), 0x4049 = 3.140625.
        // binary16: 0x3C00 = 1, 0x3555 = 0.333251953125, 0x8001 = -2^-24.
        byte[] image = safetensors("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[6,16]}}")
                .hex("003C 5535 0180").hex("803F 40C0 7F7F 0100 4940").bytes();
        TensorSet set = SafeTensors.fromBytes(image, "hand.safetensors");
        Tensor h = set.tensors().get("h"), b = set.tensors().get("b");
        assertEquals(DType.F16, h.dtype());
        assertEquals(DType.BF16, b.dtype());
        assertArrayEquals(new float[] {1f, 0.333251953125f, -0x1p-24f}, h.to(DType.F32).f32());
        assertArrayEquals(new float[] {1f, -3f, 0x1.fep127f, 0x1p-133f, 3.140625f}, b.to(DType.F32).f32());
        assertArrayEquals(new double[] {1, -3, 0x1.fep127, 0x1p-133, 3.140625}, b.to(DType.F64).f64());
    }

    @Test
    void writesStorageDtypesExactlyAsTheReferenceWriter() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("c", Tensor.of(DType.U8, new byte[] {(byte) 255, 7}, 2));
        tensors.put("d", Tensor.of(DType.I8, new byte[] {-1}, 1));
        tensors.put("b", half((short) 0x3C00));
        tensors.put("a", Tensor.of(DType.BF16, new short[] {0x3F80, (short) 0xC040}, 2));
        // The reference's dtype order, descending: BF16 (12), F16 (11), I8 (5), U8 (4).
        byte[] expected = safetensors("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"d\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[6,7]},"
                + "\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[7,9]}}")
                .hex("803F 40C0 003C FF FF07").bytes();
        assertArrayEquals(expected, SafeTensors.toBytes(tensors, Map.of()));
    }

    @Test
    void everyDtypeRoundTripsThroughSafetensorsAndCheckpointsFromViews(@TempDir Path dir) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (DType dt : DType.values()) {
            Tensor t = sample(dt, 3, 4);
            tensors.put(dt + ".plain", t);
            tensors.put(dt + ".transposed", t.transpose());
            tensors.put(dt + ".sliced", t.slice(all(), range(3, 0, -2)));
        }
        SafeTensors.write(dir.resolve("all.safetensors"), tensors, Map.of("k", "v"));
        TensorSet back = SafeTensors.read(dir.resolve("all.safetensors"));
        Checkpoint.builder().tensors("", tensors).put("step", 3).build().save(dir.resolve("ckpt.safetensors"));
        Checkpoint loaded = Checkpoint.load(dir.resolve("ckpt.safetensors"));
        for (var e : tensors.entrySet()) {
            assertTrue(e.getValue().bitwiseEquals(back.tensors().get(e.getKey())), e.getKey());
            assertTrue(e.getValue().bitwiseEquals(loaded.tensor(e.getKey())), e.getKey() + " checkpoint");
            Tensor target = Tensor.zeros(e.getValue().dtype(), e.getValue().shape()[1], e.getValue().shape()[0]).transpose();
            loaded.copyInto(e.getKey(), target);
            assertTrue(e.getValue().bitwiseEquals(target.copy()), e.getKey() + " copyInto a view");
        }
        // NaN payloads survive bit for bit.
        Tensor nans = half((short) 0x7E01, (short) 0xFD55, (short) 0x7C01);
        Tensor nanBack = SafeTensors.fromBytes(SafeTensors.toBytes(Map.of("n", nans), Map.of()), "n").tensors().get("n");
        assertArrayEquals(nans.f16(), nanBack.f16());
    }

    @Test
    void readsTheIntegerDtypesQuiverLacksIntoTheNextWiderOne() throws Exception {
        byte[] image = safetensors("{\"a\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"U16\",\"shape\":[3],\"data_offsets\":[6,12]},"
                + "\"c\":{\"dtype\":\"U32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"d\":{\"dtype\":\"U64\",\"shape\":[2],\"data_offsets\":[20,36]}}")
                .hex("FEFF 0001 0080").hex("FFFF 0100 0080").hex("FFFFFFFF 00000080")
                .hex("FFFFFFFFFFFFFF7F 0200000000000000").bytes();
        Map<String, Tensor> t = SafeTensors.fromBytes(image, "wide.safetensors").tensors();
        assertEquals(DType.I32, t.get("a").dtype());
        assertArrayEquals(new int[] {-2, 256, -32768}, t.get("a").i32());
        assertArrayEquals(new int[] {65535, 1, 32768}, t.get("b").i32());
        assertEquals(DType.I64, t.get("c").dtype());
        assertArrayEquals(new long[] {4294967295L, 2147483648L}, t.get("c").i64());
        assertArrayEquals(new long[] {Long.MAX_VALUE, 2}, t.get("d").i64());

        byte[] tooBig = safetensors("{\"big\":{\"dtype\":\"U64\",\"shape\":[2],\"data_offsets\":[0,16]}}")
                .hex("0100000000000000 0000000000000080").bytes();
        SafeTensorsTest.assertBad("tensor 'big': U64 element 1 is 9223372036854775808, beyond 2^63 - 1", tooBig);
    }

    @Test
    void refusesTheFloatFormatsQuiverLacksNamingDtypeAndTensor() {
        for (String dtype : new String[] {"F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64"}) {
            int bytes = dtype.equals("C64") ? 8 : 1;
            byte[] image = safetensors("{\"model.layers.0.q_proj.weight\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,"
                    + 2 * bytes + "]}}").hex("00".repeat(2 * bytes)).bytes();
            QuiverIOException e = assertThrows(QuiverIOException.class, () -> SafeTensors.fromBytes(image, "model.safetensors"));
            assertTrue(e.getMessage().contains("tensor 'model.layers.0.q_proj.weight': unsupported dtype " + dtype + " "), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Values every dtype holds exactly: negatives except for U8 and BOOL; for F16/BF16 also a fraction, a NaN and an infinity. */
    static Tensor sample(DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        for (int i = 0; i < t.size(); i++) {
            switch (dt) {
                case BOOL -> t.setBoolFlat(i, i % 3 == 1);
                case U8 -> t.setIntFlat(i, 250 - 20 * i);
                case F16, BF16 -> t.setFlat(i, i == 5 ? Double.NaN : i == 7 ? Double.NEGATIVE_INFINITY : (i - 4.5) * 0.25);
                default -> t.setFlat(i, i * 11 - 60);
            }
        }
        return t;
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = StorageDtypesIoTest.class.getResourceAsStream("numpy/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }
}
