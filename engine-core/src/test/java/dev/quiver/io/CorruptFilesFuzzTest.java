package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded mutations of valid files (bit flips, byte overwrites, truncations, appended garbage,
 * header-length edits, digit edits inside the header): every load either returns a well-formed
 * result or throws {@link QuiverIOException}; nothing else escapes (no OutOfMemoryError, no
 * ArrayIndexOutOfBounds, no hang). A checkpoint that still loads must be exactly the original.
 */
class CorruptFilesFuzzTest {
    private static final int CASES = 3000;

    interface Loader {
        void loadAndCheck(byte[] image) throws Exception;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void mutatedNpyFilesLoadOrFailClearly() throws Exception {
        byte[][] bases = {
                Npy.toBytes(Tensor.randn(DType.F64, Seed.of(1), 3, 4), Npy.Order.C),
                Npy.toBytes(Tensor.randn(DType.F32, Seed.of(2), 2, 3, 2), Npy.Order.FORTRAN),
                NpyTest.prefix(2, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }\n").hex("3F800000 C0000000 3F000000").bytes(),
                Npy.toBytes(Tensor.ofInts(new int[] {3, -1, 7, Integer.MIN_VALUE, 0, 9}, 2, 3), Npy.Order.C),
                Npy.toBytes(Tensor.ofLongs(new long[] {Long.MAX_VALUE, -5, 1L << 60}, 3, 1), Npy.Order.FORTRAN),
                Npy.toBytes(Tensor.ofBools(new boolean[] {true, false, true, true, false, false, true, false}, 2, 4), Npy.Order.C),
                NpyTest.prefix(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2, 2), }\n").hex("FFFE 0100 8000 7FFF").bytes(),
                NpyTest.prefix(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (3, 2), }\n").hex("FF 00 80 7F 01 02").bytes(),
                // issue 18: empty, with other dimensions whose product overflows an int
                Npy.toBytes(Tensor.zeros(DType.F32, 65536, 65536, 0), Npy.Order.C),
                Npy.toBytes(Tensor.zeros(DType.F64, 0, 65536, 65536), Npy.Order.FORTRAN),
        };
        fuzz(bases, 11, image -> wellFormed(Npy.fromBytes(image, "fuzz.npy")));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void mutatedSafetensorsFilesLoadOrFailClearly() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(DType.F64, Seed.of(3), 2, 3));
        tensors.put("b", Tensor.randn(DType.F32, Seed.of(4), 3));
        tensors.put("empty", Tensor.zeros(DType.F32, 0, 5));
        Map<String, Tensor> indices = new LinkedHashMap<>();
        indices.put("ids", Tensor.ofInts(new int[] {4, 8, 15, 16, 23, 42}, 3, 2));
        indices.put("pos", Tensor.ofLongs(new long[] {Long.MIN_VALUE, 1, (1L << 53) + 1}, 3));
        indices.put("mask", Tensor.ofBools(new boolean[] {true, false, true, true, false, true, false}, 7));
        indices.put("none", Tensor.zeros(DType.BOOL, 0));
        indices.put("huge_but_empty", Tensor.zeros(DType.F32, 65536, 65536, 0));   // issue 18
        byte[][] bases = {
                SafeTensors.toBytes(tensors, Map.of("framework", "quiver", "epoch", "12")),
                SafeTensors.toBytes(Map.of("s", Tensor.scalar(DType.F64, 2)), Map.of()),
                SafeTensors.toBytes(indices, Map.of("vocab", "10")),
        };
        fuzz(bases, 22, image -> {
            TensorSet set = SafeTensors.fromBytes(image, "fuzz.safetensors");
            for (Tensor t : set.tensors().values()) wellFormed(t);
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void mutatedCheckpointsLoadOnlyWhenUnchanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("base.ckpt");
        Checkpoint original = Checkpoint.builder()
                .tensor("w", Tensor.randn(DType.F64, Seed.of(5), 4, 3)).tensor("m", Tensor.randn(DType.F32, Seed.of(6), 5))
                .tensor("ids", Tensor.ofInts(new int[] {2, 7, 1, 8}, 2, 2)).tensor("pos", Tensor.ofLongs(new long[] {-1, Long.MAX_VALUE}, 2))
                .tensor("mask", Tensor.ofBools(new boolean[] {true, false, false}, 3))
                .put("step", 42).put("lr", 1e-3).build();
        original.save(file);
        byte[][] bases = {Files.readAllBytes(file)};
        fuzz(bases, 33, image -> {
            Checkpoint c;
            try (Source src = Source.of(image, "fuzz.ckpt")) {
                c = Checkpoint.load(src);
            }
            assertEquals(original.metadata(), c.metadata());
            assertEquals(original.tensors().keySet(), c.tensors().keySet());
            for (var e : original.tensors().entrySet()) assertTrue(e.getValue().bitwiseEquals(c.tensor(e.getKey())));
        });
    }

    private static void wellFormed(Tensor t) {
        assertEquals(Shapes.size(t.shape()), t.size());
        for (int i = 0; i < t.size(); i++) { // every element reachable, read in its own type
            switch (t.dtype()) {
                case F32, F64 -> t.getFlat(i);
                case I32 -> t.getIntFlat(i);
                case I64 -> t.getLongFlat(i);
                case BOOL -> t.getBoolFlat(i);
            }
        }
        assertTrue(t.bitwiseEquals(t.copy()));
        assertNotNull(t.toString());
    }

    private static void fuzz(byte[][] bases, long seed, Loader loader) throws Exception {
        Random random = new Random(seed);
        int loaded = 0, rejected = 0;
        for (int n = 0; n < CASES; n++) {
            byte[] base = bases[n % bases.length];
            String[] how = new String[1];
            byte[] image = mutate(base, random, how);
            try {
                loader.loadAndCheck(image);
                loaded++;
            } catch (QuiverIOException expected) {
                assertTrue(expected.getMessage().startsWith("fuzz."), expected.getMessage());
                // issue 18: long values (a number of 100,000 digits) are cut out of messages
                assertTrue(expected.getMessage().length() < 1000, "case " + n + " (" + how[0] + "): a message of "
                        + expected.getMessage().length() + " characters: " + expected.getMessage().substring(0, Math.min(1000, expected.getMessage().length())));
                rejected++;
            } catch (Throwable t) {
                throw new AssertionError("case " + n + " (seed " + seed + ", " + how[0] + ") escaped as " + t, t);
            }
        }
        System.out.printf("fuzz seed %d: %d loaded, %d rejected%n", seed, loaded, rejected);
        assertTrue(rejected > CASES / 2, "most mutations should be rejected: " + rejected);
    }

    private static byte[] insert(byte[] b, int at, String text) {
        byte[] grown = new byte[b.length + text.length()];
        System.arraycopy(b, 0, grown, 0, at);
        for (int i = 0; i < text.length(); i++) grown[at + i] = (byte) text.charAt(i);
        System.arraycopy(b, at, grown, at + text.length(), b.length - at);
        return grown;
    }

    /** One random corruption of {@code base}; {@code how[0]} describes it for failure messages. */
    static byte[] mutate(byte[] base, Random random, String[] how) {
        byte[] b = base.clone();
        int headerEnd = Math.min(b.length, headerEnd(base));
        switch (random.nextInt(9)) {
            case 0 -> {
                int flips = 1 + random.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    int at = random.nextInt(b.length);
                    b[at] ^= (byte) (1 << random.nextInt(8));
                }
                how[0] = flips + " bit flips";
            }
            case 1 -> {
                int at = random.nextInt(headerEnd);
                b[at] ^= (byte) (1 << random.nextInt(8));
                how[0] = "header bit flip at " + at;
            }
            case 2 -> {
                int at = random.nextInt(b.length);
                b[at] = (byte) random.nextInt(256);
                how[0] = "byte overwrite at " + at;
            }
            case 3 -> {
                int length = random.nextInt(b.length);
                b = Arrays.copyOf(b, length);
                how[0] = "truncated to " + length;
            }
            case 4 -> {
                int extra = 1 + random.nextInt(64);
                b = Arrays.copyOf(b, b.length + extra);
                for (int i = base.length; i < b.length; i++) b[i] = (byte) random.nextInt(256);
                how[0] = extra + " trailing bytes";
            }
            case 5 -> {
                // a lying length field: safetensors' 8 bytes at 0, or .npy's at 8
                long lie = switch (random.nextInt(4)) {
                    case 0 -> random.nextLong();
                    case 1 -> random.nextInt(1 << 20);
                    case 2 -> Long.MAX_VALUE;
                    default -> random.nextInt(b.length + 16);
                };
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                if (b[0] == (byte) 0x93) bb.putShort(8, (short) lie);
                else bb.putLong(0, lie);
                how[0] = "length field " + lie;
            }
            case 6 -> {
                // change a digit inside the header (shapes, offsets, lengths)
                int at = findDigit(b, headerEnd, random);
                if (at >= 0) b[at] = (byte) ('0' + random.nextInt(10));
                how[0] = "header digit edit at " + at;
            }
            case 7 -> {
                // issue 18: a number of 60,000-100,000 digits (quadratic to parse as a BigInteger, huge in a message)
                // and the length field grown to match, so the parser meets the whole number.
                int at = findDigit(b, headerEnd, random);
                boolean npy = b[0] == (byte) 0x93;
                int digits = npy ? 60_000 : 100_000;
                if (at >= 0) {
                    b = insert(b, at + 1, "7".repeat(digits));
                    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    if (!npy) bb.putLong(0, bb.getLong(0) + digits);
                    else if (b[6] == 1) bb.putShort(8, (short) ((bb.getShort(8) & 0xFFFF) + digits));
                    else bb.putInt(8, bb.getInt(8) + digits);
                }
                how[0] = digits + " digits inserted at " + at;
            }
            default -> {
                // make a header number absurd: insert digits after a digit
                int at = findDigit(b, headerEnd, random);
                String digits = random.nextBoolean() ? "99999999999" : "0000000000000000000009";
                if (at >= 0) {
                    byte[] grown = new byte[b.length + digits.length()];
                    System.arraycopy(b, 0, grown, 0, at + 1);
                    for (int i = 0; i < digits.length(); i++) grown[at + 1 + i] = (byte) digits.charAt(i);
                    System.arraycopy(b, at + 1, grown, at + 1 + digits.length(), b.length - at - 1);
                    b = grown;
                }
                how[0] = "digits inserted at " + at;
            }
        }
        return b;
    }

    private static int headerEnd(byte[] base) {
        ByteBuffer bb = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
        if (base[0] == (byte) 0x93) return 10 + (bb.getShort(8) & 0xFFFF) + (base[6] == 1 ? 0 : 2);
        return (int) (8 + bb.getLong(0));
    }

    private static int findDigit(byte[] b, int headerEnd, Random random) {
        int start = random.nextInt(Math.max(1, headerEnd));
        for (int i = 0; i < headerEnd; i++) {
            int at = (start + i) % headerEnd;
            if (at >= 10 && b[at] >= '0' && b[at] <= '9') return at;
        }
        return -1;
    }
}
