package dev.quiver.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file (or an in-memory image of one) being read: positional reads that either fill the buffer
 * or fail with "truncated", and the real size every header field is checked against.
 */
final class Source implements AutoCloseable {
    final String name;
    final long size;
    private final SeekableByteChannel channel;

    private Source(String name, SeekableByteChannel channel) throws IOException {
        this.name = name;
        this.channel = channel;
        this.size = channel.size();
    }

    static Source open(Path file) throws IOException {
        return new Source(file.toString(), FileChannel.open(file, StandardOpenOption.READ));
    }

    static Source of(byte[] image, String name) throws IOException {
        return new Source(name, new BytesChannel(image));
    }

    /** Fills {@code dst} from {@code position}; a short file is a {@link QuiverIOException}. */
    void readFully(long position, ByteBuffer dst) throws IOException {
        if (position + dst.remaining() > size) {
            throw new QuiverIOException(name, "truncated: needs " + (position + dst.remaining())
                    + " bytes, the file has " + size);
        }
        channel.position(position);
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw new QuiverIOException(name, "truncated: the file ended at byte " + channel.position()
                        + " while reading " + dst.remaining() + " more bytes");
            }
        }
    }

    byte[] readBytes(long position, int length) throws IOException {
        byte[] bytes = new byte[length];
        readFully(position, ByteBuffer.wrap(bytes));
        return bytes;
    }

    QuiverIOException problem(String problem) {
        return new QuiverIOException(name, problem);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** A read-only channel over a byte array. */
    private static final class BytesChannel implements SeekableByteChannel {
        private final byte[] bytes;
        private int position;
        private boolean open = true;

        BytesChannel(byte[] bytes) { this.bytes = bytes; }

        @Override public int read(ByteBuffer dst) {
            if (position >= bytes.length) return -1;
            int n = Math.min(dst.remaining(), bytes.length - position);
            dst.put(bytes, position, n);
            position += n;
            return n;
        }
        @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException("read-only"); }
        @Override public long position() { return position; }
        @Override public SeekableByteChannel position(long p) {
            position = (int) Math.min(p, bytes.length);
            return this;
        }
        @Override public long size() { return bytes.length; }
        @Override public SeekableByteChannel truncate(long size) { throw new UnsupportedOperationException("read-only"); }
        @Override public boolean isOpen() { return open; }
        @Override public void close() { open = false; }
    }
}
