package dev.quiver.io;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small strict JSON (RFC 8259) reader and writer that safetensors headers need.
 *
 * <p>Values: objects are {@code LinkedHashMap<String, Object>} in file order (duplicate keys are
 * rejected), arrays {@code List<Object>}, strings {@code String}, integers {@code Long} (or
 * {@code BigInteger} beyond 64 bits), other numbers {@code Double}, {@code Boolean}, and
 * {@link #NULL}. The input must be valid UTF-8; nesting is bounded by {@link #MAX_DEPTH}; the
 * caller bounds the input length. Only whitespace may follow the value. Number literals longer than
 * {@value #MAX_NUMBER_CHARS} characters are refused.
 *
 * <p>Public for the other modules' small JSON needs (the benchmarks read JMH's result files with
 * {@link #parse(String, String)}); one reader for the whole project.
 */
public final class Json {
    /** JSON {@code null}. */
    public static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };
    static final int MAX_DEPTH = 64;

    private final byte[] in;
    private final int end;
    private final String file;
    private int pos;
    private int depth;

    private Json(byte[] in, int from, int to, String file) {
        this.in = in;
        this.pos = from;
        this.end = to;
        this.file = file;
    }

    /**
     * Parses {@code text} as one JSON value (see the class comment for the Java types).
     *
     * @param source names the text in messages (a file name)
     * @throws QuiverIOException naming {@code source} and the byte offset when the text is not valid JSON
     */
    public static Object parse(String text, String source) throws QuiverIOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, source);
    }

    /** Parses {@code in[from, to)} as one JSON value; problems name {@code file}. */
    static Object parse(byte[] in, int from, int to, String file) throws QuiverIOException {
        Json p = new Json(in, from, to, file);
        p.skipWhitespace();
        Object value = p.value();
        p.skipWhitespace();
        if (p.pos != p.end) throw p.error("unexpected '" + p.printable(p.in[p.pos]) + "' after the JSON value");
        return value;
    }

    private QuiverIOException error(String problem) {
        return new QuiverIOException(file, "malformed JSON header at byte " + pos + ": " + problem);
    }

    private String printable(byte b) {
        int c = b & 0xFF;
        return c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c);
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte b = in[pos];
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') pos++;
            else break;
        }
    }

    private Object value() throws QuiverIOException {
        if (pos >= end) throw error("unexpected end of header");
        byte b = in[pos];
        return switch (b) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (b == '-' || (b >= '0' && b <= '9')) yield number();
                throw error("unexpected '" + printable(b) + "'");
            }
        };
    }

    private Object literal(String word, Object value) throws QuiverIOException {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= end || in[pos + i] != word.charAt(i)) throw error("invalid literal, expected " + word);
        }
        pos += word.length();
        return value;
    }

    private void enter() throws QuiverIOException {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
    }

    private Map<String, Object> object() throws QuiverIOException {
        enter();
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < end && in[pos] == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= end || in[pos] != '"') throw error("expected a string key");
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = value();
            if (map.putIfAbsent(key, value) != null) throw error("duplicate key \"" + key + "\"");
            skipWhitespace();
            if (pos >= end) throw error("unterminated object");
            if (in[pos] == ',') { pos++; continue; }
            if (in[pos] == '}') { pos++; depth--; return map; }
            throw error("expected ',' or '}' in object");
        }
    }

    private List<Object> array() throws QuiverIOException {
        enter();
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < end && in[pos] == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            if (pos >= end) throw error("unterminated array");
            if (in[pos] == ',') { pos++; continue; }
            if (in[pos] == ']') { pos++; depth--; return list; }
            throw error("expected ',' or ']' in array");
        }
    }

    private void expect(char c) throws QuiverIOException {
        if (pos >= end || in[pos] != c) throw error("expected '" + c + "'");
        pos++;
    }

    private String string() throws QuiverIOException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        int run = pos;
        while (true) {
            if (pos >= end) throw error("unterminated string");
            int b = in[pos] & 0xFF;
            if (b == '"') {
                appendUtf8(sb, run, pos);
                pos++;
                return sb.toString();
            }
            if (b < 0x20) throw error("control character in string");
            if (b != '\\') { pos++; continue; }
            appendUtf8(sb, run, pos);
            pos++;
            if (pos >= end) throw error("unterminated escape");
            byte e = in[pos++];
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char c = hex4();
                    if (Character.isHighSurrogate(c)) {
                        if (pos + 1 < end && in[pos] == '\\' && in[pos + 1] == 'u') {
                            pos += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) throw error("unpaired surrogate in \\u escape");
                            sb.append(c).append(low);
                        } else {
                            throw error("unpaired surrogate in \\u escape");
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        throw error("unpaired surrogate in \\u escape");
                    } else {
                        sb.append(c);
                    }
                }
                default -> { pos--; throw error("invalid escape '\\" + printable(e) + "'"); }
            }
            run = pos;
        }
    }

    private char hex4() throws QuiverIOException {
        if (pos + 4 > end) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(in[pos + i], 16);
            if (d < 0) throw error("invalid hex digit in \\u escape");
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private void appendUtf8(StringBuilder sb, int from, int to) throws QuiverIOException {
        if (from == to) return;
        try {
            sb.append(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(in, from, to - from)));
        } catch (CharacterCodingException e) {
            throw new QuiverIOException(file, "malformed JSON header: invalid UTF-8 in a string near byte " + from, e);
        }
    }

    private Object number() throws QuiverIOException {
        int start = pos;
        boolean integer = true;
        if (in[pos] == '-') pos++;
        if (pos >= end) throw error("truncated number");
        if (in[pos] == '0') {
            pos++;
        } else if (in[pos] >= '1' && in[pos] <= '9') {
            while (pos < end && isDigit(in[pos])) pos++;
        } else {
            throw error("invalid number");
        }
        if (pos < end && in[pos] == '.') {
            integer = false;
            pos++;
            if (pos >= end || !isDigit(in[pos])) throw error("invalid number: digit expected after '.'");
            while (pos < end && isDigit(in[pos])) pos++;
        }
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            integer = false;
            pos++;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) pos++;
            if (pos >= end || !isDigit(in[pos])) throw error("invalid number: digit expected in exponent");
            while (pos < end && isDigit(in[pos])) pos++;
        }
        int length = pos - start;
        if (length > MAX_NUMBER_CHARS) {
            // BigInteger and Double parsing of a million digits is slow (quadratic) and no header needs it.
            throw new QuiverIOException(file, "malformed JSON header at byte " + start + ": a number of " + length
                    + " characters (" + brief(new String(in, start, Math.min(length, 40), StandardCharsets.US_ASCII) + "...")
                    + "), more than the " + MAX_NUMBER_CHARS + " accepted");
        }
        String text = new String(in, start, length, StandardCharsets.US_ASCII);
        if (!integer) return Double.parseDouble(text);
        BigInteger big = new BigInteger(text);   // at most MAX_NUMBER_CHARS digits: cheap
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    /**
     * The longest number literal accepted: a double needs at most ~25 characters, a shape or offset
     * at most 20 digits; beyond this the header is not a real one.
     */
    static final int MAX_NUMBER_CHARS = 100;

    /** {@code String.valueOf(value)}, cut to its first 40 characters with the length when longer (for messages). */
    static String brief(Object value) {
        String s = String.valueOf(value);
        return s.length() <= 60 ? s : s.substring(0, 40) + "... (" + s.length() + " characters)";
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    // ---------------------------------------------------------------- writing

    /**
     * Appends {@code s} as a JSON string, escaped the way serde_json (the safetensors reference
     * writer) does: quote, backslash and control characters only; other characters verbatim.
     */
    static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
