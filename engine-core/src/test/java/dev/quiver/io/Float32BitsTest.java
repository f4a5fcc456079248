package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every float32 bit pattern class survives every reader and writer unchanged (issue 18: a
 * Fortran-order float32 {@code .npy} lost signalling NaNs because elements went through double).
 * Not all 2^32 patterns (too slow for CI): every one of the 65,536 upper halves (sign, exponent
 * and the top 7 mantissa bits, so every NaN class: quiet and signalling, both signs) with lower
 * halves 0, 1, 0x7FFF, 0x8000, 0xFFFF and a random one, plus the named corner cases.
 */
class Float32BitsTest {
    static final int[] LOW = {0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, -1};
    static final int[] CORNERS = {0x7F800001, 0x7FBFFFFF, 0x7FC00000, 0x7FC00001, 0x7FFFFFFF, 0xFF800001, 0xFFBFFFFF,
            0xFFC00000, 0xFFFFFFFF, 0x7F800000, 0xFF800000, 0x00000000, 0x80000000, 0x00000001, 0x807FFFFF};
    /** Rows x 8 columns, so that Fortran order really permutes. */
    static final int COLS = 8;

    static int[] patterns() {
        SplittableRandom random = new SplittableRandom(18);
        int n = 65536 * LOW.length + CORNERS.length;
        n += (COLS - n % COLS) % COLS;
        int[] bits = new int[n];
        int k = 0;
        for (int high = 0; high < 65536; high++) {
            for (int low : LOW) bits[k++] = high << 16 | (low < 0 ? random.nextInt(65536) : low);
        }
        for (int c : CORNERS) bits[k++] = c;
        while (k < n) bits[k++] = 0x7F800001 + k;   // more signalling NaNs
        return bits;
    }

    static Tensor tensorOf(int[] bits, int rows, int cols) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) f[i] = Float.intBitsToFloat(bits[i]);
        return Tensor.of(f, rows, cols);
    }

    static void assertSameBits(String how, int[] expected, Tensor actual) {
        assertEquals(DType.F32, actual.dtype(), how);
        assertArrayEquals(new int[] {expected.length / COLS, COLS}, actual.shape(), how);
        for (int i = 0; i < expected.length; i++) {
            int got = actual.getFloatBitsFlat(i);
            if (got != expected[i]) {
                fail(how + ": element " + i + " was 0x" + Integer.toHexString(expected[i]) + ", came back 0x" + Integer.toHexString(got));
            }
        }
    }

    @Test
    void everyFloat32ClassRoundTripsThroughEveryReaderAndWriter(@TempDir Path dir) throws Exception {
        int[] bits = patterns();
        Tensor t = tensorOf(bits, bits.length / COLS, COLS);
        // The writers take any view: a transposed copy read back through its transpose is the same tensor.
        Tensor transposedView = tensorOf(transposed(bits), COLS, bits.length / COLS).transpose();
        assertSameBits("the test's own transposed view", bits, transposedView.copy());
        for (Tensor source : new Tensor[] {t, transposedView}) {
            String view = source == t ? "contiguous" : "transposed view";
            for (Npy.Order order : Npy.Order.values()) {
                assertSameBits(".npy " + order + " bytes, " + view, bits, Npy.fromBytes(Npy.toBytes(source, order), "t.npy"));
                Path file = dir.resolve("t.npy");
                Npy.write(file, source, order);
                assertSameBits(".npy " + order + " file, " + view, bits, Npy.read(file));
            }
            assertSameBits("safetensors bytes, " + view, bits,
                    SafeTensors.fromBytes(SafeTensors.toBytes(Map.of("t", source), Map.of()), "t.safetensors").tensors().get("t"));
            Path st = dir.resolve("t.safetensors");
            SafeTensors.write(st, Map.of("t", source));
            assertSameBits("safetensors file, " + view, bits, SafeTensors.read(st).tensors().get("t"));
            Path ck = dir.resolve("t.ckpt");
            Checkpoint.builder().tensor("t", source).build().save(ck);
            Checkpoint loaded = Checkpoint.load(ck);
            assertSameBits("checkpoint, " + view, bits, loaded.tensor("t"));
            Tensor target = Tensor.zeros(DType.F32, bits.length / COLS, COLS);
            loaded.copyInto("t", target);
            assertSameBits("checkpoint copyInto, " + view, bits, target);
        }
        // Other writers' files: big-endian, and Fortran order written column by column.
        for (boolean fortran : new boolean[] {false, true}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                String descr = (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + "f4";
                String header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
                        + bits.length / COLS + ", " + COLS + "), }\n";
                int[] stored = fortran ? transposed(bits) : bits;
                ByteBuffer data = ByteBuffer.allocate(4 * bits.length).order(order);
                for (int b : stored) data.putInt(b);
                byte[] prefix = NpyTest.prefix(1, header).bytes();
                byte[] image = java.util.Arrays.copyOf(prefix, prefix.length + data.capacity());
                System.arraycopy(data.array(), 0, image, prefix.length, data.capacity());
                assertSameBits(".npy " + descr + (fortran ? " Fortran" : " C") + " from another writer", bits, Npy.fromBytes(image, "o.npy"));
            }
        }
    }

    /** The row-major elements of the transpose of the rows x COLS matrix {@code bits}. */
    static int[] transposed(int[] bits) {
        int rows = bits.length / COLS;
        int[] out = new int[bits.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < COLS; c++) out[c * rows + r] = bits[r * COLS + c];
        return out;
    }
}
