package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.Checksum;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, a
 * JSON header of N bytes, then the raw little-endian C-order tensor data.
 *
 * <p>The header maps each tensor name to {@code {"dtype":"F32","shape":[2,3],"data_offsets":[b,e]}}
 * (offsets relative to the start of the data section) and may hold {@code "__metadata__"}, a map
 * of strings to strings.
 *
 * <p>Quiver's dtypes are stored under the format's names F32, F64, F16, BF16, I32, I64, I8, U8
 * and BOOL (one byte, 0 or 1). Writing follows the reference writer: tensors ordered by dtype in
 * the reference's order (I64, F64, F32, I32, BF16, F16, I8, U8, BOOL) then by name, packed with
 * no gaps; {@code __metadata__} first (its keys sorted); compact JSON padded with spaces to a
 * multiple of 8 bytes so that the data section is 8-byte aligned. Reading accepts those nine
 * dtypes, and the integer ones Quiver has no dtype for into the next wider one that holds every
 * value (I16 and U16 into I32, U32 into I64, U64 into I64 with a value beyond 2^63 - 1 refused,
 * naming the tensor and element); the float formats with no Quiver dtype (F8_E4M3, F8_E5M2,
 * F8_E8M0, F6_E2M3, F6_E3M2, F4, and the complex C64) are refused with a message naming the dtype
 * and the tensor. It enforces what the reference reader enforces (offsets contiguous from 0 to
 * exactly the end of the file, spans matching dtype and shape) plus strict JSON with no duplicate
 * or unknown keys, and BOOL bytes of 0 or 1 only.
 */
public final class SafeTensors {
    /** The reference implementation's limit on the header length. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> INFO_KEYS = Set.of("dtype", "shape", "data_offsets");
    /** Every dtype name the format defines (the reference's {@code Dtype} enum); all but the float8, float6, float4 and complex ones can become Quiver tensors. */
    private static final Set<String> KNOWN_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
            "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64");

    private SafeTensors() {}

    /** One tensor's header entry: how its elements are stored in the file. Offsets are relative to the data section. */
    record Entry(String name, Elements.Encoding encoding, int[] shape, long begin, long end) {
        /** The dtype the tensor is read into. */
        DType dtype() { return encoding.dtype; }
    }

    /** A validated header: every entry fits the file exactly. */
    record Header(SequencedMap<String, String> metadata, List<Entry> entries, long dataStart) {}

    // ---------------------------------------------------------------- reading

    /**
     * Reads every tensor and the metadata. The header and all offsets are validated against the
     * file's size before any tensor is allocated, so the allocation never exceeds the file size.
     *
     * @throws QuiverIOException naming the file and the problem
     */
    public static TensorSet read(Path file) throws IOException {
        try (Source src = Source.open(file)) {
            Header header = readHeader(src);
            return new TensorSet(readData(src, header, null), header.metadata());
        }
    }

    /** Reads the bytes of a safetensors file; {@code name} appears in error messages. */
    public static TensorSet fromBytes(byte[] image, String name) throws QuiverIOException {
        try (Source src = Source.of(image, name)) {
            Header header = readHeader(src);
            return new TensorSet(readData(src, header, null), header.metadata());
        } catch (QuiverIOException e) {
            throw e;
        } catch (IOException e) {
            throw new QuiverIOException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    static Header readHeader(Source src) throws IOException {
        if (src.size < 8) throw src.problem("truncated: " + src.size + " bytes, shorter than the 8-byte header length");
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        src.readFully(0, lengthField);
        long n = lengthField.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw src.problem("header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES
                    + " bytes (not a safetensors file?)");
        }
        if (8 + n > src.size) {
            throw src.problem("truncated: header length " + n + " runs past the end of the file (" + src.size + " bytes)");
        }
        byte[] json = src.readBytes(8, (int) n);
        if (n == 0 || json[0] != '{') throw src.problem("header does not start with '{' (not a safetensors file?)");
        if (!(Json.parse(json, 0, json.length, src.name) instanceof Map<?, ?> top)) {
            throw src.problem("header is not a JSON object");
        }
        SequencedMap<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(e.getValue() instanceof Map<?, ?> meta)) throw src.problem("__metadata__ is not a JSON object");
                for (Map.Entry<?, ?> m : meta.entrySet()) {
                    if (!(m.getValue() instanceof String value)) {
                        throw src.problem("__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadata.put((String) m.getKey(), value);
                }
            } else {
                entries.add(entry(src, name, e.getValue()));
            }
        }
        entries.sort(FILE_ORDER);
        long dataStart = 8 + n;
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin != expected) {
                throw src.problem("tensor '" + e.name + "': data_offsets start at " + e.begin + ", expected " + expected
                        + (e.begin > expected ? " (a gap)" : " (overlaps the previous tensor)"));
            }
            expected = e.end;
        }
        long available = src.size - dataStart;
        if (expected > available) {
            throw src.problem("truncated: the tensors need " + expected + " data bytes, the file has " + available);
        }
        if (expected < available) {
            throw src.problem("trailing garbage: " + (available - expected) + " bytes after the last tensor's data");
        }
        return new Header(metadata, entries, dataStart);
    }

    private static Entry entry(Source src, String name, Object value) throws QuiverIOException {
        String where = "tensor '" + Json.brief(name) + "'";
        if (!(value instanceof Map<?, ?> info)) throw src.problem(where + ": header entry is not a JSON object");
        if (!info.keySet().equals(INFO_KEYS)) {
            throw src.problem(where + ": header entry has keys " + Json.brief(info.keySet()) + ", expected dtype, shape and data_offsets");
        }
        if (!(info.get("dtype") instanceof String dtypeName)) throw src.problem(where + ": dtype is not a string");
        Elements.Encoding encoding = switch (dtypeName) {
            case "F32" -> Elements.Encoding.F32;
            case "F64" -> Elements.Encoding.F64;
            case "F16" -> Elements.Encoding.F16;
            case "BF16" -> Elements.Encoding.BF16;
            case "I32" -> Elements.Encoding.I32;
            case "I64" -> Elements.Encoding.I64;
            case "I8" -> Elements.Encoding.I8;
            case "U8" -> Elements.Encoding.U8;
            case "I16" -> Elements.Encoding.I16;
            case "U16" -> Elements.Encoding.U16;
            case "U32" -> Elements.Encoding.U32;
            case "U64" -> Elements.Encoding.U64;
            case "BOOL" -> Elements.Encoding.BOOL;
            default -> throw src.problem(where + ": " + (KNOWN_DTYPES.contains(dtypeName) ? "unsupported" : "unknown")
                    + " dtype " + (dtypeName.length() > 40 ? dtypeName.substring(0, 40) + "..." : dtypeName)
                    + " (Quiver reads F64, F32, F16, BF16, I64, I32, I8, U8 and BOOL, and I16, U16, U32, U64 widened;"
                    + " not the float8, float6, float4 or complex dtypes)");
        };
        int width = encoding.width;
        long[] shape = naturals(src, where, "shape", info.get("shape"));
        long[] offsets = naturals(src, where, "data_offsets", info.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw src.problem(where + ": data_offsets " + Arrays.toString(offsets) + " is not a pair [begin, end] with begin <= end");
        }
        if (shape.length > Shapes.MAX_RANK) {
            throw src.problem(where + ": shape " + Arrays.toString(shape) + " has rank " + shape.length
                    + ", more than the maximum " + Shapes.MAX_RANK);
        }
        long count = 1;
        try {
            for (long d : shape) count = Math.multiplyExact(count, d);
            Math.multiplyExact(count, width);
        } catch (ArithmeticException overflow) {
            throw src.problem(where + ": absurd shape " + Arrays.toString(shape) + ", its byte size overflows 64 bits");
        }
        long span = offsets[1] - offsets[0];
        if (span != count * width) {
            throw src.problem(where + ": data_offsets " + Arrays.toString(offsets) + " span " + span + " bytes but "
                    + dtypeName + " " + Arrays.toString(shape) + " needs " + count * width);
        }
        if (count > Integer.MAX_VALUE - 16) {
            throw src.problem(where + ": absurd shape " + Arrays.toString(shape) + ", " + count
                    + " elements is more than a Quiver tensor holds");
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw src.problem(where + ": absurd shape " + Arrays.toString(shape) + ", dimension exceeds the int range");
            }
            dims[i] = (int) shape[i];
        }
        return new Entry(name, encoding, dims, offsets[0], offsets[1]);
    }

    private static long[] naturals(Source src, String where, String field, Object value) throws QuiverIOException {
        if (!(value instanceof List<?> list)) throw src.problem(where + ": " + field + " is not a JSON array");
        if (list.size() > 64) throw src.problem(where + ": " + field + " has " + list.size() + " entries");
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (v instanceof Long l && l >= 0) out[i] = l;
            else if (v instanceof BigInteger b && b.signum() > 0) {
                throw src.problem(where + ": absurd " + field + " entry " + Json.brief(b) + " (beyond 64 bits)");
            } else {
                throw src.problem(where + ": " + field + " entry " + Json.brief(v) + " is not a non-negative integer");
            }
        }
        return out;
    }

    /** Reads every entry's data (in file order, feeding {@code checksum} if not null). */
    static SequencedMap<String, Tensor> readData(Source src, Header header, Checksum checksum) throws IOException {
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : header.entries()) {
            int count = Shapes.size(e.shape());
            Object data = e.dtype().newArray(count);
            Elements.read(src, header.dataStart() + e.begin(), data, count, ByteOrder.LITTLE_ENDIAN,
                    e.encoding(), "tensor '" + e.name() + "'", checksum);
            try {
                tensors.put(e.name(), Tensor.of(e.dtype(), data, e.shape()));
            } catch (IllegalArgumentException bad) {
                throw src.problem("tensor '" + Json.brief(e.name()) + "': shape " + Arrays.toString(e.shape()) + ": " + bad.getMessage());
            }
        }
        return tensors;
    }

    // ---------------------------------------------------------------- writing

    /** Writes {@code tensors} with no metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes named tensors (not modified; any strides) and string metadata, atomically replacing
     * {@code file}. An empty metadata map writes no {@code __metadata__} entry.
     *
     * @throws IllegalArgumentException for the reserved name {@code __metadata__} or a name that is
     *         not valid Unicode
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Entry> entries = layout(tensors);
        byte[] header = paddedHeader(metadata, entries);
        AtomicFiles.replace(file, out -> {
            Elements.writeFully(out, ByteBuffer.wrap(header));
            writeData(tensors, entries, chunk -> Elements.writeFully(out, chunk));
        });
    }

    /** The bytes {@link #write(Path, Map, Map)} would write. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Entry> entries = layout(tensors);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(paddedHeader(metadata, entries));
        try {
            writeData(tensors, entries, chunk -> out.writeBytes(Elements.bytes(chunk)));
        } catch (IOException e) {
            throw new IllegalStateException("unreachable: in-memory write failed", e);
        }
        return out.toByteArray();
    }

    static void writeData(Map<String, Tensor> tensors, List<Entry> entries, Elements.Sink sink) throws IOException {
        ByteBuffer scratch = Elements.scratch(entries.isEmpty() ? 0 : entries.getLast().end());
        for (Entry e : entries) Elements.write(tensors.get(e.name()), scratch, sink);
    }

    /** Orders and packs the tensors as the reference writer does. */
    static List<Entry> layout(Map<String, Tensor> tensors) {
        List<Map.Entry<String, Tensor>> sorted = new ArrayList<>(tensors.entrySet());
        for (var e : sorted) {
            checkText("tensor name", e.getKey());
            if (e.getKey().equals(METADATA_KEY)) throw new IllegalArgumentException("safetensors: the tensor name __metadata__ is reserved");
        }
        sorted.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -referenceRank(Elements.Encoding.of(e.getValue().dtype())))
                .thenComparing(e -> utf8(e.getKey()), Arrays::compareUnsigned));
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        for (var e : sorted) {
            Tensor t = e.getValue();
            long bytes = (long) t.size() * t.dtype().bytes();
            entries.add(new Entry(e.getKey(), Elements.Encoding.of(t.dtype()), t.shape(), offset, offset + bytes));
            offset += bytes;
        }
        return entries;
    }

    /** The header padded with spaces to a multiple of 8 bytes, preceded by its length. */
    static byte[] paddedHeader(Map<String, String> metadata, List<Entry> entries) {
        byte[] json = utf8(headerJson(metadata, entries));
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }

    /** Compact JSON: {@code __metadata__} (keys sorted) first, then the entries in the given order. */
    static String headerJson(Map<String, String> metadata, List<Entry> entries) {
        StringBuilder sb = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Json.quote(sb, METADATA_KEY);
            sb.append(":{");
            boolean first = true;
            for (var m : new TreeMap<>(metadata).entrySet()) {
                checkText("metadata key", m.getKey());
                checkText("metadata value", m.getValue());
                if (!first) sb.append(',');
                first = false;
                Json.quote(sb, m.getKey());
                sb.append(':');
                Json.quote(sb, m.getValue());
            }
            sb.append('}');
            if (!entries.isEmpty()) sb.append(',');
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (i > 0) sb.append(',');
            Json.quote(sb, e.name());
            sb.append(":{\"dtype\":\"").append(e.encoding().name()).append("\",\"shape\":[");
            int[] shape = e.shape();
            for (int d = 0; d < shape.length; d++) sb.append(d > 0 ? "," : "").append(shape[d]);
            sb.append("],\"data_offsets\":[").append(e.begin()).append(',').append(e.end()).append("]}");
        }
        return sb.append('}').toString();
    }

    /** File order: by offsets; empty tensors at one offset as the writer placed them (dtype, then name). */
    static final Comparator<Entry> FILE_ORDER = Comparator.comparingLong(Entry::begin)
            .thenComparingLong(Entry::end)
            .thenComparingInt(e -> -referenceRank(e.encoding()))
            .thenComparing(e -> utf8(e.name()), Arrays::compareUnsigned);

    /**
     * The position of a dtype in the reference implementation's {@code Dtype} enum (BOOL, F4,
     * F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32,
     * C64, F64, I64, U64), whose descending order is the writer's tensor order. The encodings'
     * names are the format's names.
     */
    static int referenceRank(Elements.Encoding encoding) {
        return switch (encoding) {
            case BOOL -> 0;
            case U8 -> 4;
            case I8 -> 5;
            case I16 -> 9;
            case U16 -> 10;
            case F16 -> 11;
            case BF16 -> 12;
            case I32 -> 13;
            case U32 -> 14;
            case F32 -> 15;
            case F64 -> 17;
            case I64 -> 18;
            case U64 -> 19;
        };
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void checkText(String what, String s) {
        if (s == null) throw new IllegalArgumentException("safetensors: null " + what);
        try {
            StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(java.nio.CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("safetensors: " + what + " '" + s + "' is not valid Unicode (unpaired surrogate)");
        }
    }
}
