package dev.quiver.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Test helpers that build file images by hand from the format specifications. */
final class Bytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Bytes of() { return new Bytes(); }

    Bytes raw(int... values) {
        for (int v : values) out.write(v);
        return this;
    }

    Bytes hex(String hex) {
        out.writeBytes(HexFormat.of().parseHex(hex.replace(" ", "")));
        return this;
    }

    Bytes ascii(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    Bytes utf8(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Little-endian, {@code width} bytes. */
    Bytes le(long value, int width) {
        for (int i = 0; i < width; i++) out.write((int) (value >>> (8 * i)) & 0xFF);
        return this;
    }

    Bytes le64(long bits) { return le(bits, 8); }

    Bytes le32(int bits) { return le(bits & 0xFFFFFFFFL, 4); }

    byte[] bytes() { return out.toByteArray(); }

    static String spaces(int n) { return " ".repeat(n); }
}
