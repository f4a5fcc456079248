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
 * array of the whole tensor is ever built. The one place that knows how float32 and float64
 * elements are encoded.
 */
final class Elements {
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
        for (int start = 0; start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buffer.clear();
            if (contiguous && t.dtype() == DType.F64) {
                buffer.asDoubleBuffer().put(t.f64(), t.offset() + start, count);
            } else if (contiguous) {
                buffer.asFloatBuffer().put(t.f32(), t.offset() + start, count);
            } else if (t.dtype() == DType.F64) {
                for (int i = 0; i < count; i++) buffer.putDouble(i * 8, t.getFlat(start + i));
            } else {
                for (int i = 0; i < count; i++) buffer.putFloat(i * 4, (float) t.getFlat(start + i));
            }
            buffer.position(0).limit(count * t.dtype().bytes());
            sink.accept(buffer);
        }
    }

    /**
     * Reads {@code count} elements at byte {@code position} of {@code src} into {@code array}
     * ({@code float[]} or {@code double[]}), decoding with {@code order}; also feeds the raw bytes
     * to {@code checksum} when it is not null.
     */
    static void read(Source src, long position, Object array, int count, ByteOrder order, Checksum checksum)
            throws IOException {
        DType dtype = DType.of(array);
        int width = dtype.bytes();
        ByteBuffer buffer = scratch((long) count * width).order(order);
        int perChunk = buffer.capacity() / width;
        for (int start = 0; start < count; start += perChunk) {
            int n = Math.min(perChunk, count - start);
            buffer.clear().limit(n * width);
            src.readFully(position + (long) start * width, buffer);
            buffer.flip();
            if (checksum != null) checksum.update(buffer.duplicate());
            if (dtype == DType.F64) buffer.asDoubleBuffer().get((double[]) array, start, n);
            else buffer.asFloatBuffer().get((float[]) array, start, n);
        }
    }
}
