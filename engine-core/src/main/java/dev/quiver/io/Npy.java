package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * NumPy's {@code .npy} format (format versions 1.0, 2.0 and 3.0 as specified in
 * {@code numpy.lib.format}), for float16, float32, float64, int8, uint8, int32, int64 and bool
 * arrays (and, read only, int16, uint16, uint32 and uint64).
 *
 * <p>Layout: the magic {@code \x93NUMPY}, major and minor version bytes, the header length
 * (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), then the header: a Python dict literal
 * {@code {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and
 * ended by a newline so that the data starts at a multiple of 64 bytes; then the raw elements.
 *
 * <p>Writing produces the bytes {@code numpy.save} produces for the same array (version 1.0,
 * little-endian, including NumPy's spare header room for growing the first axis): F16 as
 * {@code '<f2'}, F32 {@code '<f4'}, F64 {@code '<f8'}, I8 {@code '|i1'}, U8 {@code '|u1'}, I32
 * {@code '<i4'}, I64 {@code '<i8'}, BOOL {@code '|b1'}. BF16 has no NumPy dtype and is refused
 * (convert with {@code to(F32)}, exact, or save it in safetensors). Reading accepts those in either
 * byte order ({@code '>f8'}, {@code '>i4'}, {@code '>f2'}, ...), plus int16 and uint16
 * ({@code '<i2'}, {@code '<u2'}), widened into I32, uint32 ({@code '<u4'}) widened into I64, and
 * uint64 ({@code '<u8'}) read into I64 when every value is below 2^63; C and Fortran order; and
 * returns a C-contiguous tensor. A bool byte other than 0 or 1, a uint64 beyond 2^63 - 1, and
 * anything else unexpected, is a {@link QuiverIOException} naming the file.
 */
public final class Npy {
    /** The element order of the data section. */
    public enum Order { C, FORTRAN }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ARRAY_ALIGN = 64;
    /** NumPy leaves room in the header for the growing axis to reach this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final String SUPPORTED = "supported: f2, f4, f8, i4, i8 with '<' or '>', i2 and u2 (read as I32), u4 and u8"
            + " (read as I64) with '<' or '>', and the one-byte b1, i1 and u1 with '|'";
    /** Headers of float arrays are ~100 bytes; this bounds what a lying length can make us read. */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private Npy() {}

    // ---------------------------------------------------------------- reading

    /**
     * Reads an array. The whole file is validated before the tensor is returned.
     *
     * @throws QuiverIOException naming the file: bad magic or version, malformed header,
     *         unsupported dtype, shape too large for a Quiver tensor, truncated data or trailing bytes
     */
    public static Tensor read(Path file) throws IOException {
        try (Source src = Source.open(file)) {
            return read(src);
        }
    }

    /** Reads an array from the bytes of a {@code .npy} file; {@code name} appears in error messages. */
    public static Tensor fromBytes(byte[] image, String name) throws QuiverIOException {
        try (Source src = Source.of(image, name)) {
            return read(src);
        } catch (QuiverIOException e) {
            throw e;
        } catch (IOException e) {
            throw new QuiverIOException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    static Tensor read(Source src) throws IOException {
        if (src.size < MAGIC.length + 2) {
            throw src.problem("not a .npy file: only " + src.size + " bytes (truncated)");
        }
        byte[] lead = src.readBytes(0, MAGIC.length + 2);
        for (int i = 0; i < MAGIC.length; i++) {
            if (lead[i] != MAGIC[i]) throw src.problem("not a .npy file: wrong magic (expected \\x93NUMPY)");
        }
        int major = lead[6] & 0xFF, minor = lead[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw src.problem("unsupported .npy format version " + major + "." + minor + " (1.0, 2.0 and 3.0 are supported)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer lengthField = ByteBuffer.allocate(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        src.readFully(8, lengthField);
        long headerLength = major == 1 ? lengthField.getShort(0) & 0xFFFF : lengthField.getInt(0) & 0xFFFFFFFFL;
        long dataStart = 8 + lengthBytes + headerLength;
        if (dataStart > src.size) {
            throw src.problem("truncated: header length " + headerLength + " runs past the end of the file ("
                    + src.size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw src.problem("header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] raw = src.readBytes(8 + lengthBytes, (int) headerLength);
        String text;
        if (major == 3) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                throw new QuiverIOException(src.name, "header is not valid UTF-8 (format 3.0)", e);
            }
        } else {
            text = new String(raw, StandardCharsets.ISO_8859_1);
        }
        Header header = new HeaderParser(text, src).parse();

        long count = 1;
        for (long d : header.shape) {
            count = multiply(count, d, src, header);
        }
        if (header.shape.length > Shapes.MAX_RANK) {
            throw src.problem("shape " + header.shapeText() + " has rank " + header.shape.length
                    + ", more than the maximum " + Shapes.MAX_RANK);
        }
        for (long d : header.shape) {
            if (d > Integer.MAX_VALUE) {
                throw src.problem("absurd shape " + header.shapeText() + ": dimension " + d + " exceeds a Quiver tensor's int range");
            }
        }
        if (count > Integer.MAX_VALUE - 16) {
            throw src.problem("absurd shape " + header.shapeText() + ": " + count + " elements, more than a Quiver tensor holds");
        }
        long expected = multiply(count, header.encoding.width, src, header);
        long available = src.size - dataStart;
        if (available < expected) {
            throw src.problem("truncated: shape " + header.shapeText() + " of '" + header.descr + "' needs "
                    + expected + " data bytes, the file has " + available);
        }
        if (available > expected) {
            throw src.problem("trailing garbage: " + (available - expected) + " bytes after the data of shape "
                    + header.shapeText());
        }
        int[] shape = new int[header.shape.length];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) header.shape[i];
        Object data = header.encoding.dtype.newArray((int) count);
        Elements.read(src, dataStart, data, (int) count, header.order, header.encoding, "data of '" + header.descr + "'", null);
        try {
            if (!header.fortran || count == 0) return Tensor.of(header.encoding.dtype, data, shape);
            int[] strides = new int[shape.length];
            int s = 1;
            for (int i = 0; i < shape.length; i++) {
                strides[i] = s;
                s *= Math.max(shape[i], 1);
            }
            return new Tensor(header.encoding.dtype, data, 0, shape, strides).copy();   // Tensor.copy moves elements in their own type: bits kept
        } catch (IllegalArgumentException e) {
            throw src.problem("shape " + header.shapeText() + ": " + e.getMessage());
        }
    }

    private static long multiply(long a, long b, Source src, Header header) throws QuiverIOException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw src.problem("shape " + header.shapeText() + " overflows: its byte size exceeds 2^63");
        }
    }

    private record Header(String descr, Elements.Encoding encoding, ByteOrder order, boolean fortran, long[] shape) {
        String shapeText() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                if (i == Shapes.MAX_RANK + 1) return sb.append(", ... (").append(shape.length).append(" dimensions))").toString();
                sb.append(i > 0 ? ", " : "").append(shape[i]);
            }
            return sb.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    /** The subset of Python literal syntax a .npy header uses: a dict of strings, booleans and int tuples. */
    private static final class HeaderParser {
        private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");
        private final String s;
        private final Source src;
        private int pos;

        HeaderParser(String s, Source src) {
            this.s = s;
            this.src = src;
        }

        private QuiverIOException error(String problem) {
            return src.problem("malformed header at character " + pos + ": " + problem);
        }

        Header parse() throws QuiverIOException {
            Map<String, Object> dict = new LinkedHashMap<>();
            skip();
            expect('{');
            while (true) {
                skip();
                if (peek() == '}') { pos++; break; }
                String key = string();
                skip();
                expect(':');
                skip();
                Object value = value();
                if (dict.put(key, value) != null) throw error("duplicate key '" + Json.brief(key) + "'");
                skip();
                char c = peek();
                if (c == ',') { pos++; continue; }
                if (c == '}') { pos++; break; }
                throw error("expected ',' or '}'");
            }
            skip();
            if (pos != s.length()) throw error("unexpected text after the header dict");
            if (!dict.keySet().equals(KEYS)) {
                throw src.problem("header keys " + Json.brief(dict.keySet()) + " are not exactly 'descr', 'fortran_order' and 'shape'");
            }
            if (!(dict.get("descr") instanceof String descr)) {
                throw src.problem("unsupported dtype: descr " + Json.brief(dict.get("descr")) + " (structured dtypes are not supported; " + SUPPORTED + ")");
            }
            if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
                throw src.problem("fortran_order must be True or False");
            }
            if (!(dict.get("shape") instanceof long[] shape)) {
                throw src.problem("shape must be a tuple of integers");
            }
            if (descr.length() != 3) throw unsupported(descr);
            Elements.Encoding encoding = switch (descr.substring(1)) {
                case "f2" -> Elements.Encoding.F16;
                case "f4" -> Elements.Encoding.F32;
                case "f8" -> Elements.Encoding.F64;
                case "i4" -> Elements.Encoding.I32;
                case "i8" -> Elements.Encoding.I64;
                case "b1" -> Elements.Encoding.BOOL;
                case "i1" -> Elements.Encoding.I8;
                case "u1" -> Elements.Encoding.U8;
                case "i2" -> Elements.Encoding.I16;
                case "u2" -> Elements.Encoding.U16;
                case "u4" -> Elements.Encoding.U32;
                case "u8" -> Elements.Encoding.U64;
                default -> throw unsupported(descr);
            };
            // '|' (byte order not applicable) is what NumPy writes for one-byte types; '<' and '>' mean the same for them.
            ByteOrder order = switch (descr.charAt(0)) {
                case '<' -> ByteOrder.LITTLE_ENDIAN;
                case '>' -> ByteOrder.BIG_ENDIAN;
                case '|' -> {
                    if (encoding.width != 1) throw unsupported(descr);
                    yield ByteOrder.LITTLE_ENDIAN;
                }
                default -> throw unsupported(descr);
            };
            return new Header(descr, encoding, order, fortran, shape);
        }

        private QuiverIOException unsupported(String descr) {
            return src.problem("unsupported dtype '" + Json.brief(descr) + "' (" + SUPPORTED + ")");
        }

        private char peek() throws QuiverIOException {
            if (pos >= s.length()) throw error("unexpected end of header");
            return s.charAt(pos);
        }

        private void skip() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\n'
                    || s.charAt(pos) == '\t' || s.charAt(pos) == '\r')) pos++;
        }

        private void expect(char c) throws QuiverIOException {
            if (peek() != c) throw error("expected '" + c + "'");
            pos++;
        }

        private Object value() throws QuiverIOException {
            char c = peek();
            if (c == '\'' || c == '"') return string();
            if (s.startsWith("True", pos)) { pos += 4; return Boolean.TRUE; }
            if (s.startsWith("False", pos)) { pos += 5; return Boolean.FALSE; }
            if (c == '(') return tuple();
            throw error("unsupported value (expected a string, True, False or a tuple of integers)");
        }

        private String string() throws QuiverIOException {
            char quote = peek();
            if (quote != '\'' && quote != '"') throw error("expected a quoted string");
            int start = ++pos;
            while (pos < s.length() && s.charAt(pos) != quote) {
                if (s.charAt(pos) == '\\' || s.charAt(pos) == '\n') throw error("unsupported character in string");
                pos++;
            }
            if (pos >= s.length()) throw error("unterminated string");
            return s.substring(start, pos++);
        }

        private long[] tuple() throws QuiverIOException {
            pos++; // '('
            List<Long> items = new ArrayList<>();
            boolean trailingComma = false;
            while (true) {
                skip();
                if (peek() == ')') { pos++; break; }
                items.add(integer());
                skip();
                char c = peek();
                if (c == ',') { pos++; trailingComma = true; continue; }
                if (c == ')') { pos++; trailingComma = false; break; }
                throw error("expected ',' or ')' in shape tuple");
            }
            if (items.size() == 1 && !trailingComma) throw error("shape (n) is an integer, not a tuple: write (n,)");
            long[] out = new long[items.size()];
            for (int i = 0; i < out.length; i++) out[i] = items.get(i);
            return out;
        }

        private long integer() throws QuiverIOException {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
            if (start == pos) throw error("expected a non-negative integer in shape");
            String digits = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') pos++; // Python 2 long literal, as NumPy tolerates
            if (digits.length() > 1 && digits.charAt(0) == '0') throw error("integer with leading zero in shape");
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw src.problem("absurd shape: dimension " + (digits.length() > 30 ? digits.substring(0, 30) + "..." : digits)
                        + " exceeds 64 bits");
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes {@code t} in C order; see {@link #write(Path, Tensor, Order)}. */
    public static void write(Path file, Tensor t) throws IOException {
        write(file, t, Order.C);
    }

    /**
     * Writes {@code t} (any strides; not modified) as format 1.0, little-endian, in the given
     * element order, atomically replacing {@code file}. The bytes equal what NumPy 2's
     * {@code numpy.save} writes for the same array.
     */
    public static void write(Path file, Tensor t, Order order) throws IOException {
        byte[] header = header(t, order);
        ByteBuffer scratch = Elements.scratch((long) t.size() * t.dtype().bytes());
        AtomicFiles.replace(file, out -> {
            Elements.writeFully(out, ByteBuffer.wrap(header));
            Elements.write(elementOrder(t, order), scratch, chunk -> Elements.writeFully(out, chunk));
        });
    }

    /** The bytes of the {@code .npy} file {@link #write(Path, Tensor, Order)} would write. */
    public static byte[] toBytes(Tensor t, Order order) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(t, order));
        try {
            Elements.write(elementOrder(t, order), Elements.scratch((long) t.size() * t.dtype().bytes()),
                    chunk -> out.writeBytes(Elements.bytes(chunk)));
        } catch (IOException e) {
            throw new IllegalStateException("unreachable: in-memory write failed", e);
        }
        return out.toByteArray();
    }

    /** Fortran order is the row-major order of the axes reversed. */
    private static Tensor elementOrder(Tensor t, Order order) {
        if (order == Order.C || t.rank() < 2) return t;
        int[] reversed = new int[t.rank()];
        for (int i = 0; i < reversed.length; i++) reversed[i] = reversed.length - 1 - i;
        return t.permute(reversed);
    }

    /** The descr NumPy writes for a dtype. */
    static String descr(DType dtype) {
        return switch (dtype) {
            case F16 -> "<f2";
            case I8 -> "|i1";
            case U8 -> "|u1";
            case BF16 -> throw new IllegalArgumentException("Npy: NumPy has no bfloat16 dtype, so a BF16 tensor has no .npy form;"
                    + " convert with to(F32) (exact) or save it with SafeTensors");
            case F32 -> "<f4";
            case F64 -> "<f8";
            case I32 -> "<i4";
            case I64 -> "<i8";
            case BOOL -> "|b1";
        };
    }

    static byte[] header(Tensor t, Order order) {
        int[] shape = t.shape();
        StringBuilder dict = new StringBuilder("{'descr': '")
                .append(descr(t.dtype()))
                .append("', 'fortran_order': ").append(order == Order.FORTRAN ? "True" : "False")
                .append(", 'shape': (");
        for (int i = 0; i < shape.length; i++) dict.append(i > 0 ? ", " : "").append(shape[i]);
        dict.append(shape.length == 1 ? ",), }" : "), }");
        if (shape.length > 0) {
            int growing = shape[order == Order.FORTRAN ? shape.length - 1 : 0];
            dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Integer.toString(growing).length());
        }
        int length = dict.length() + 1; // + '\n'
        int pad = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + length) % ARRAY_ALIGN);
        dict.repeat(' ', pad).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }
}
