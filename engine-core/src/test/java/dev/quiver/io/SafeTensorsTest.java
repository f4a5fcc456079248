package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.quiver.io.Bytes.spaces;
import static org.junit.jupiter.api.Assertions.*;

/**
 * safetensors against byte sequences written out by hand from the format description: u64
 * little-endian header length, compact JSON header padded with spaces to a multiple of 8, raw
 * little-endian data; the reference writer orders tensors by dtype (F64 before F32), then name.
 */
class SafeTensorsTest {
    static final int F_0 = 0, F_1 = 0x3F800000, F_2 = 0x40000000, F_3 = 0x40400000, F_4 = 0x40800000, F_5 = 0x40A00000;

    /** u64 length + header text + data; the header text is given already padded. */
    static Bytes file(String paddedHeader) {
        byte[] text = paddedHeader.getBytes(StandardCharsets.UTF_8);
        return Bytes.of().le64(text.length).utf8(paddedHeader);
    }

    @Test
    void writesOneTensorExactlyAsTheReferenceWriter() {
        // The 64-byte header needs no padding; then 0..5 as little-endian float32.
        byte[] expected = file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}")
                .le32(F_0).le32(F_1).le32(F_2).le32(F_3).le32(F_4).le32(F_5).bytes();
        assertEquals(8 + 64 + 24, expected.length);
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3);
        assertArrayEquals(expected, SafeTensors.toBytes(Map.of("attn.0", t), Map.of()));

        // One character shorter name and one more dimension: 65 bytes, padded with 7 spaces to 72.
        byte[] padded = file("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}" + spaces(7))
                .le32(F_0).le32(F_1).le32(F_2).le32(F_3).le32(F_4).le32(F_5).bytes();
        assertEquals(8 + 72 + 24, padded.length);
        assertArrayEquals(padded, SafeTensors.toBytes(Map.of("attn0", t.reshape(1, 1, 2, 3)), Map.of()));
    }

    @Test
    void writesEmptySetsAndMetadataOnly() {
        assertArrayEquals(file("{}" + spaces(6)).bytes(), SafeTensors.toBytes(Map.of(), Map.of()));
        assertArrayEquals(file("{\"__metadata__\":{\"framework\":\"pt\"}}" + spaces(5)).bytes(),
                SafeTensors.toBytes(Map.of(), Map.of("framework", "pt")));
    }

    @Test
    void writesMixedDtypesOrderedByDtypeThenNameWithMetadataFirst() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.of(new float[] {1, 2}, 2));
        tensors.put("a2", Tensor.zeros(DType.F32, 0));
        tensors.put("c", Tensor.scalar(DType.F64, 0.25));
        tensors.put("a", Tensor.of(new double[] {1}, 1));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("z", "tab\there \"quoted\" é");
        metadata.put("k", "v");
        String header = "{\"__metadata__\":{\"k\":\"v\",\"z\":\"tab\\there \\\"quoted\\\" é\"},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"c\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"a2\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}";
        int length = header.getBytes(StandardCharsets.UTF_8).length; // 'é' is two bytes
        assertEquals(273, length);
        byte[] expected = file(header + spaces(7))
                .le64(0x3FF0000000000000L).le64(0x3FD0000000000000L).le32(F_1).le32(F_2).bytes();
        assertArrayEquals(expected, SafeTensors.toBytes(tensors, metadata));

        TensorSet back = assertDoesNotThrow(() -> SafeTensors.fromBytes(expected, "mixed.safetensors"));
        assertEquals(List.of("a", "c", "a2", "b"), List.copyOf(back.tensors().keySet()));
        assertEquals(metadata, back.metadata());
        for (var e : tensors.entrySet()) assertTrue(e.getValue().bitwiseEquals(back.tensor(e.getKey())), e.getKey());
    }

    @Test
    void readsHeadersFromOtherWritersWhateverTheirKeyOrderAndWhitespace() throws Exception {
        String header = "{\n \"w\" : {\"data_offsets\": [8, 16], \"shape\": [2], \"dtype\": \"F32\"},\n"
                + "  \"\\u00e9t\\u00e9\": {\"shape\":[1,1],\"dtype\":\"F64\",\"data_offsets\":[0,8]},"
                + "  \"__metadata__\": {\"format\": \"pt\"}\n}\n";
        byte[] image = file(header).hex("000000000000F0BF").le32(F_3).le32(F_4).bytes();
        TensorSet set = SafeTensors.fromBytes(image, "other.safetensors");
        assertEquals(List.of("été", "w"), List.copyOf(set.tensors().keySet()));
        assertEquals(-1.0, set.tensor("été").get(0, 0));
        assertArrayEquals(new float[] {3, 4}, set.tensor("w").f32());
        assertEquals(Map.of("format", "pt"), set.metadata());
    }

    @Test
    void roundTripsThroughFilesBitExact(@TempDir Path dir) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(DType.F64, Seed.of(1), 7, 5, 3));
        tensors.put("b", Tensor.randn(DType.F32, Seed.of(2), 40_000)); // larger than one I/O chunk
        tensors.put("view", Tensor.randn(DType.F64, Seed.of(3), 4, 6).transpose());
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, tensors, Map.of("epoch", "3"));
        TensorSet back = SafeTensors.read(file);
        for (var e : tensors.entrySet()) assertTrue(e.getValue().bitwiseEquals(back.tensor(e.getKey())), e.getKey());
        assertEquals(Map.of("epoch", "3"), back.metadata());
        byte[] raw = Files.readAllBytes(file);
        long headerLength = java.nio.ByteBuffer.wrap(raw, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data section 8-byte aligned");
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary files left behind");
        }
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of("__metadata__", Tensor.zeros(DType.F32, 1))));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of("bad\uD800", Tensor.zeros(DType.F32, 1))));
    }

    @Test
    void writesIntegerAndBoolTensorsInTheReferenceWritersDtypeOrder() {
        // The reference writer sorts by its Dtype enum, descending (... I32 < U32 < F32 < C64 < F64 < I64 < U64;
        // BOOL first of all), then by name: I64, F64, F32, I32, BOOL here.
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("mask", Tensor.ofBools(new boolean[] {true, false, true}, 3));
        tensors.put("ids", Tensor.ofInts(new int[] {7, -1}, 2));
        tensors.put("w", Tensor.vector(1));
        tensors.put("pos", Tensor.ofLongs(new long[] {1L << 40}, 1));
        tensors.put("b", Tensor.of(new float[] {1}, 1));
        tensors.put("a", Tensor.zeros(DType.I64, 0));
        String header = "{\"a\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"pos\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]},"
                + "\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[20,28]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[28,31]}}";
        assertEquals(334, header.length());
        byte[] expected = file(header + spaces(2))
                .hex("0000000000010000").le64(0x3FF0000000000000L).le32(F_1).hex("07000000 FFFFFFFF").raw(1, 0, 1).bytes();
        assertEquals(8 + 336 + 31, expected.length);
        assertArrayEquals(expected, SafeTensors.toBytes(tensors, Map.of()));

        TensorSet back = assertDoesNotThrow(() -> SafeTensors.fromBytes(expected, "ints.safetensors"));
        assertEquals(List.of("a", "pos", "w", "b", "ids", "mask"), List.copyOf(back.tensors().keySet()));
        for (var e : tensors.entrySet()) assertTrue(e.getValue().bitwiseEquals(back.tensor(e.getKey())), e.getKey());
    }

    @Test
    void readsIntegerAndBoolTensorsFromOtherWriters() throws Exception {
        // Key order and offsets as another writer might choose: BOOL first in the data, I64 last.
        String header = "{\"labels\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [12, 28]},"
                + " \"m\": {\"dtype\": \"BOOL\", \"shape\": [2, 2], \"data_offsets\": [0, 4]},"
                + " \"i\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [4, 12]}}";
        byte[] image = file(header).raw(0, 1, 1, 0).hex("FFFFFF7F 00000080").hex("0500000000000000 FBFFFFFFFFFFFFFF").bytes();
        TensorSet set = SafeTensors.fromBytes(image, "other.safetensors");
        assertEquals(List.of("m", "i", "labels"), List.copyOf(set.tensors().keySet()));
        assertArrayEquals(new boolean[] {false, true, true, false}, set.tensor("m").bool());
        assertArrayEquals(new int[] {2, 2}, set.tensor("m").shape());
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE}, set.tensor("i").i32());
        assertArrayEquals(new long[] {5, -5}, set.tensor("labels").i64());
    }

    @Test
    void roundTripsIntegerAndBoolTensorsThroughFiles(@TempDir Path dir) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("ids", Tensor.ofInts(new int[] {3, 1, 4, 1, 5, 9}, 2, 3).transpose());
        tensors.put("big", Tensor.ofLongs(new long[300_000], 300_000));
        tensors.get("big").setLongFlat(299_999, Long.MIN_VALUE);
        tensors.put("mask", Tensor.ofBools(new boolean[2_500_000], 2_500_000)); // more than two I/O chunks
        tensors.get("mask").setBoolFlat(2_499_999, true);
        tensors.put("w", Tensor.randn(DType.F32, Seed.of(1), 3));
        tensors.put("empty", Tensor.zeros(DType.BOOL, 0));
        Path file = dir.resolve("ints.safetensors");
        SafeTensors.write(file, tensors, Map.of());
        TensorSet back = SafeTensors.read(file);
        for (var e : tensors.entrySet()) assertTrue(e.getValue().bitwiseEquals(back.tensor(e.getKey())), e.getKey());
        assertArrayEquals(SafeTensors.toBytes(tensors, Map.of()), Files.readAllBytes(file));
    }

    static final String ONE = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    static byte[] withData(String header, int dataBytes) {
        return file(header).hex("00".repeat(dataBytes)).bytes();
    }

    @Test
    void rejectsBadFilesWithTheFileNameAndTheProblem() {
        assertBad("truncated", Bytes.of().hex("0800000000").bytes());
        assertBad("exceeds the limit", Bytes.of().le64(-8).ascii("{}").bytes());
        assertBad("exceeds the limit", Bytes.of().le64(200_000_000).ascii("{}").bytes());
        assertBad("runs past the end", Bytes.of().le64(100).ascii(ONE).bytes());
        assertBad("does not start with '{'", withData("[" + ONE + "]", 8));
        assertBad("does not start with '{'", Bytes.of().le64(0).bytes());
        assertBad("malformed JSON", withData(ONE.replace("}}", "}"), 8));
        assertBad("malformed JSON", withData(ONE.replace(":[0,8]", ":[0,8,]"), 8));
        assertBad("malformed JSON", withData(ONE + " x", 8));
        assertBad("duplicate key", withData("{\"x\":{},\"x\":{}}", 0));
        assertBad("has keys", withData(ONE.replace("}}", ",\"extra\":1}}"), 8));
        assertBad("has keys", withData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8));
        assertBad("tensor 'x': unsupported dtype F8_E4M3", withData(ONE.replace("F32", "F8_E4M3").replace("[0,8]", "[0,2]"), 2));
        assertBad("tensor 'x': unsupported dtype F8_E5M2", withData(ONE.replace("F32", "F8_E5M2").replace("[0,8]", "[0,2]"), 2));
        assertBad("tensor 'x': unsupported dtype F8_E8M0", withData(ONE.replace("F32", "F8_E8M0").replace("[0,8]", "[0,2]"), 2));
        assertBad("tensor 'x': unsupported dtype F6_E2M3", withData(ONE.replace("F32", "F6_E2M3").replace("[0,8]", "[0,2]"), 2));
        assertBad("tensor 'x': unsupported dtype F4", withData(ONE.replace("F32", "F4").replace("[0,8]", "[0,1]"), 1));
        assertBad("tensor 'x': unsupported dtype C64", withData(ONE.replace("F32", "C64").replace("[0,8]", "[0,16]"), 16));
        assertBad("span 8 bytes but I64 [2] needs 16", withData(ONE.replace("F32", "I64"), 8));
        assertBad("span 8 bytes but BOOL [2] needs 2", withData(ONE.replace("F32", "BOOL"), 8));
        assertBad("tensor 'x': BOOL element 1 is the byte 0x02", file(ONE.replace("F32", "BOOL").replace("[0,8]", "[0,2]")).raw(1, 2).bytes());
        assertBad("unknown dtype Q8", withData(ONE.replace("F32", "Q8"), 8));
        assertBad("not a non-negative integer", withData(ONE.replace("[2]", "[-2]"), 8));
        assertBad("not a non-negative integer", withData(ONE.replace("[2]", "[2.0]"), 8));
        assertBad("not a non-negative integer", withData(ONE.replace("[2]", "[\"2\"]"), 8));
        assertBad("absurd shape", withData(ONE.replace("[2]", "[10000000000,10000000000]"), 8));
        assertBad("absurd shape", withData(ONE.replace("[2]", "[4294967296,0]").replace("[0,8]", "[0,0]"), 0));
        assertBad("absurd shape", withData(ONE.replace("[2]", "[3000000000]").replace("[0,8]", "[0,12000000000]"), 8));
        assertBad("absurd shape entry", withData(ONE.replace("[2]", "[123456789012345678901234567890]"), 8));
        assertBad("rank 9", withData(ONE.replace("[2]", "[1,1,1,1,1,1,1,1,2]"), 8));
        assertBad("span 12 bytes", withData(ONE.replace("[0,8]", "[0,12]"), 12));
        assertBad("not a pair", withData(ONE.replace("[0,8]", "[0,8,8]"), 8));
        assertBad("not a pair", withData(ONE.replace("[0,8]", "[8,0]"), 8));
        assertBad("(a gap)", withData(ONE.replace("[0,8]", "[4,12]"), 12));
        assertBad("overlaps", withData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        // A header promising 16 GB (more than any test heap) in a 16-byte file is refused before allocating.
        assertBad("truncated: the tensors need 16000000000 data bytes", withData(ONE.replace("F32", "F64")
                .replace("[2]", "[2000000000]").replace("[0,8]", "[0,16000000000]"), 8));
        assertBad("truncated", withData(ONE, 7));
        assertBad("trailing garbage: 5 bytes", withData(ONE, 13));
        assertBad("is not a string", withData("{\"__metadata__\":{\"a\":1}}", 0));
        assertBad("__metadata__ is not a JSON object", withData("{\"__metadata__\":[]}", 0));
        assertBad("invalid UTF-8", Bytes.of().le64(8).ascii("{\"").raw(0xC3, 0x28).ascii("\":1}").bytes());
        assertBad("nesting deeper than 64", withData("{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", 0));
        assertBad("unpaired surrogate", withData("{\"\\ud800\":{}}", 0));
        assertBad("control character", withData("{\"a\nb\":{}}", 0));
    }

    /** Issue 18: a zero dimension makes the tensor empty however large the others are; not a Shapes error. */
    @Test
    void readsZeroSizeTensorsWhateverTheirOtherDimensions() throws Exception {
        byte[] image = withData(ONE.replace("[2]", "[65536,65536,0]").replace("[0,8]", "[0,0]"), 0);
        Tensor t = SafeTensors.fromBytes(image, "empty.safetensors").tensors().get("x");
        assertArrayEquals(new int[] {65536, 65536, 0}, t.shape());
        assertEquals(0, t.size());
    }

    /**
     * Issue 18: a header number of a million digits is refused at once (it took ~12 s of quadratic
     * BigInteger parsing) and no long value is copied into a message.
     */
    @Test
    void boundsHugeNumbersAndCutsLongValuesOutOfMessages() {
        String million = "9".repeat(1_000_000);
        String[] headers = {
                ONE.replace("[2]", "[" + million + "]"),
                ONE.replace("[0,8]", "[0," + million + "]"),
                ONE.replace("[2]", "[2." + million + "]"),
                ONE.replace("[2]", "[\"" + "s".repeat(100_000) + "\"]"),
                ONE.replace("\"x\"", "\"" + "n".repeat(100_000) + "\"").replace("[2]", "[-2]"),
                ONE.replace("\"dtype\"", "\"" + "k".repeat(100_000) + "\""),
                ONE.replace("F32", "Q".repeat(100_000)),
        };
        for (String header : headers) {
            byte[] image = withData(header, 8);
            QuiverIOException e = assertThrows(QuiverIOException.class, () -> SafeTensors.fromBytes(image, "long.safetensors"));
            assertTrue(e.getMessage().startsWith("long.safetensors: "), e.getMessage());
            assertTrue(e.getMessage().length() < 400, "message of " + e.getMessage().length() + " characters: "
                    + e.getMessage().substring(0, Math.min(400, e.getMessage().length())));
        }
        assertBad("a number of 1000000 characters", withData(ONE.replace("[2]", "[" + million + "]"), 8));
    }

    static void assertBad(String fragment, byte[] image) {
        QuiverIOException e = assertThrows(QuiverIOException.class, () -> SafeTensors.fromBytes(image, "bad.safetensors"));
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
