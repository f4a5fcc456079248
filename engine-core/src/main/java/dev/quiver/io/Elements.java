package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.zip.Checksum;

/**
 * Moves tensor elements between storage arrays and bytes, in bounded chunks so that no byte
 * array of the whole tensor is ever built. The one place that knows how elements are encoded:
 * IEEE floats (binary16, bfloat16, binary32, binary64), two's-complement and unsigned integers,
 * and BOOL as one byte 0 or 1.
 */
final class Elements {
    /**
     * How elements are stored in a file, and the dtype they are read into. Each dtype writes as
     * its own encoding; the integer encodings with no Quiver dtype of their own are read only,
     * into the next wider one that holds every value: I16 and U16 into I32, U32 into I64, and U64
     * into I64 (a value beyond 2^63 - 1 is refused, naming the element).
     */
    enum Encoding {
        F32(4, DType.F32), F64(8, DType.F64), I32(4, DType.I32), I64(8, DType.I64), BOOL(1, DType.BOOL),
        F16(2, DType.F16), BF16(2, DType.BF16), I8(1, DType.I8), U8(1, DType.U8),
        I16(2, DType.I32), U16(2, DType.I32), U32(4, DType.I64), U64(8, DType.I64);

        final int width;
        final DType dtype;

        Encoding(int width, DType dtype) {
            this.width = width;
            this.dtype = dtype;
        }

        /** The encoding a dtype is written in. */
        static Encoding of(DType dtype) {
            return switch (dtype) {
                case F32 -> F32;
                case F64 -> F64;
                case I32 -> I32;
                case I64 -> I64;
                case BOOL -> BOOL;
                case F16 -> F16;
                case BF16 -> BF16;
                case I8 -> I8;
                case U8 -> U8;
            };
        }
    }

    /** Large enough to amortise system calls, small enough to stay in L2. */
    static final int CHUNK = 1 << 20;

    private Elements() {}

    /**
     * Scratch for moving {@code bytes} bytes: direct for large transfers, so that channel reads and
     * writes need no extra copy through a JDK-internal buffer; a small heap buffer for small ones,
     * where allocating direct memory would cost more than the copy.
     */
    static ByteBuffer scratch(long bytes) {
        return bytes >= SMALL ? ByteBuffer.allocateDirect(CHUNK) : ByteBuffer.allocate((int) Math.max(8, bytes));
    }

    private static final int SMALL = 1 << 16;

    /** The remaining bytes of {@code chunk} as a new array (consumes them). */
    static byte[] bytes(ByteBuffer chunk) {
        byte[] out = new byte[chunk.remaining()];
        chunk.get(out);
        return out;
    }

    /** Writes all of {@code buffer} (a channel may write less than asked per call). */
    static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }

    /** Receives consecutive chunks of encoded bytes (a channel, a checksum, ...). */
    interface Sink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    /**
     * Encodes the elements of {@code t} in row-major order of the view (any strides), little-endian,
     * into {@code sink}. {@code buffer} is reused scratch of at least 8 bytes.
     */
    static void write(Tensor t, ByteBuffer buffer, Sink sink) throws IOException {
        buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buffer.capacity() / t.dtype().bytes();
        int n = t.size();
        boolean contiguous = t.isContiguous();
        int at = t.offset();
        for (int start = 0; start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buffer.clear();
            if (contiguous) {
                switch (t.dtype()) {
                    case F64 -> buffer.asDoubleBuffer().put(t.f64(), at + start, count);
                    case F32 -> buffer.asFloatBuffer().put(t.f32(), at + start, count);
                    case I32 -> buffer.asIntBuffer().put(t.i32(), at + start, count);
                    case I64 -> buffer.asLongBuffer().put(t.i64(), at + start, count);
                    case BOOL -> {
                        boolean[] b = t.bool();
                        for (int i = 0; i < count; i++) buffer.put(i, b[at + start + i] ? (byte) 1 : (byte) 0);
                    }
                    case F16, BF16 -> buffer.asShortBuffer().put((short[]) t.data(), at + start, count);
                    case I8, U8 -> buffer.put(0, (byte[]) t.data(), at + start, count);
                }
            } else {
                switch (t.dtype()) {
                    case F64 -> { for (int i = 0; i < count; i++) buffer.putDouble(i * 8, t.getFlat(start + i)); }
                    // Raw bits: a float widened to double and back loses a signalling NaN's quiet bit.
                    case F32 -> { for (int i = 0; i < count; i++) buffer.putInt(i * 4, t.getFloatBitsFlat(start + i)); }
                    case I32 -> { for (int i = 0; i < count; i++) buffer.putInt(i * 4, t.getIntFlat(start + i)); }
                    case I64 -> { for (int i = 0; i < count; i++) buffer.putLong(i * 8, t.getLongFlat(start + i)); }
                    case BOOL -> { for (int i = 0; i < count; i++) buffer.put(i, t.getBoolFlat(start + i) ? (byte) 1 : (byte) 0); }
                    case F16, BF16 -> { for (int i = 0; i < count; i++) buffer.putShort(i * 2, t.getHalfBitsFlat(start + i)); }
                    case I8, U8 -> { for (int i = 0; i < count; i++) buffer.put(i, (byte) t.getIntFlat(start + i)); }
                }
            }
            buffer.position(0).limit(count * t.dtype().bytes());
            sink.accept(buffer);
        }
    }

    /**
     * Reads {@code count} elements at byte {@code position} of {@code src} into {@code array}
     * (the storage of {@code encoding.dtype}), decoding with {@code order}; also feeds the raw
     * bytes to {@code checksum} when it is not null. A BOOL byte other than 0 or 1 is a damaged
     * file, a U64 value beyond I64's range one Quiver cannot hold: a QuiverIOException naming
     * {@code what} and the element.
     */
    static void read(Source src, long position, Object array, int count, ByteOrder order, Encoding encoding,
                     String what, Checksum checksum) throws IOException {
        if (!encoding.dtype.isStorage(array)) {
            throw new IllegalArgumentException("unreachable: " + encoding + " read into " + array.getClass().getSimpleName());
        }
        int width = encoding.width;
        ByteBuffer buffer = scratch((long) count * width).order(order);
        int perChunk = buffer.capacity() / width;
        for (int start = 0; start < count; start += perChunk) {
            int n = Math.min(perChunk, count - start);
            buffer.clear().limit(n * width);
            src.readFully(position + (long) start * width, buffer);
            buffer.flip();
            if (checksum != null) checksum.update(buffer.duplicate());
            switch (encoding) {
                case F64 -> buffer.asDoubleBuffer().get((double[]) array, start, n);
                case F32 -> buffer.asFloatBuffer().get((float[]) array, start, n);
                case I32 -> buffer.asIntBuffer().get((int[]) array, start, n);
                case I64 -> buffer.asLongBuffer().get((long[]) array, start, n);
                case BOOL -> {
                    boolean[] b = (boolean[]) array;
                    for (int i = 0; i < n; i++) {
                        byte v = buffer.get(i);
                        if (v != 0 && v != 1) {
                            throw src.problem(what + ": BOOL element " + (start + i) + " is the byte "
                                    + String.format("0x%02x", v & 0xFF) + ", not 0 or 1 (corrupted data)");
                        }
                        b[start + i] = v == 1;
                    }
                }
                case F16, BF16 -> buffer.asShortBuffer().get((short[]) array, start, n);
                case I8, U8 -> buffer.get(0, (byte[]) array, start, n);
                case I16 -> { int[] a = (int[]) array; for (int i = 0; i < n; i++) a[start + i] = buffer.getShort(2 * i); }
                case U16 -> { int[] a = (int[]) array; for (int i = 0; i < n; i++) a[start + i] = buffer.getChar(2 * i); }
                case U32 -> { long[] a = (long[]) array; for (int i = 0; i < n; i++) a[start + i] = buffer.getInt(4 * i) & 0xFFFFFFFFL; }
                case U64 -> {
                    long[] a = (long[]) array;
                    for (int i = 0; i < n; i++) {
                        long v = buffer.getLong(8 * i);
                        if (v < 0) {
                            throw src.problem(what + ": U64 element " + (start + i) + " is " + Long.toUnsignedString(v)
                                    + ", beyond 2^63 - 1: Quiver reads U64 into I64, which cannot hold it");
                        }
                        a[start + i] = v;
                    }
                }
            }
        }
    }
}
