package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    @Test
    void roundTripsTensorsAndTypedMetadataBitExact(@TempDir Path dir) throws Exception {
        Rng rng = new Rng(99);
        rng.nextGaussian();
        Tensor w = Tensor.randn(DType.F64, Seed.of(17), 3, 4, 5);
        Tensor m = Tensor.randn(DType.F32, Seed.of(18), 4, 7);
        double[] tricky = {0.1, 1e-8, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 0.9990000000000001, Double.NEGATIVE_INFINITY};
        Checkpoint.Builder b = Checkpoint.builder().tensor("W", w).tensors("adam.", Map.of("m", m))
                .put("step", 123_456_789_012L).rng("rng", rng).put("note", "é \"x\"");
        for (int i = 0; i < tricky.length; i++) b.put("d" + i, tricky[i]);
        Path file = dir.resolve("ckpt.safetensors");
        b.build().save(file);

        Checkpoint c = Checkpoint.load(file);
        assertTrue(w.bitwiseEquals(c.tensor("W")));
        assertTrue(m.bitwiseEquals(c.tensor("adam.m")));
        assertEquals(123_456_789_012L, c.getLong("step"));
        for (int i = 0; i < tricky.length; i++) {
            assertEquals(Double.doubleToRawLongBits(tricky[i]), Double.doubleToRawLongBits(c.getDouble("d" + i)), "d" + i);
        }
        Rng restored = new Rng(0);
        c.restoreRng("rng", restored);
        assertEquals(rng.nextLong(), restored.nextLong());
        assertEquals("é \"x\"", c.get("note"));
        assertFalse(c.metadata().keySet().stream().anyMatch(k -> k.startsWith("quiver.")));

        Tensor target = Tensor.zeros(DType.F64, 5, 4, 3).transpose(0, 2); // a strided view
        c.copyInto("W", target);
        assertTrue(w.bitwiseEquals(target));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> c.copyInto("W", Tensor.zeros(DType.F64, 3, 4)));
        assertTrue(wrong.getMessage().contains("[3, 4, 5]") && wrong.getMessage().contains("[3, 4]"), wrong.getMessage());

        // copyAllInto checks every name and shape before copying anything.
        Tensor untouched = Tensor.zeros(DType.F32, 4, 7);
        Map<String, Tensor> targets = new java.util.LinkedHashMap<>();
        targets.put("m", untouched);
        targets.put("missing", Tensor.zeros(DType.F32, 1));
        assertThrows(IllegalArgumentException.class, () -> c.copyAllInto("adam.", targets));
        assertTrue(untouched.bitwiseEquals(Tensor.zeros(DType.F32, 4, 7)), "a failed restore must not copy anything");
        c.copyAllInto("adam.", Map.of("m", untouched));
        assertTrue(m.bitwiseEquals(untouched));

        // An ordinary safetensors file for other tools.
        TensorSet asSafetensors = SafeTensors.read(file);
        assertEquals(Checkpoint.FORMAT, asSafetensors.metadata().get("quiver.format"));
        assertEquals(List.of("W", "adam.m"), List.copyOf(asSafetensors.tensors().keySet()));
    }

    @Test
    void roundTripsIntegerAndBoolTensors(@TempDir Path dir) throws Exception {
        Tensor ids = Tensor.ofInts(new int[] {4, 0, Integer.MAX_VALUE, -1, 7, Integer.MIN_VALUE}, 2, 3);
        Tensor positions = Tensor.ofLongs(new long[] {(1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE}, 3);
        Tensor mask = Tensor.ofBools(new boolean[] {true, false, false, true, true}, 5);
        Tensor w = Tensor.randn(DType.F64, Seed.of(3), 2, 2);
        Path file = dir.resolve("ints.ckpt");
        Checkpoint.builder().tensor("ids", ids.transpose()).tensor("pos", positions).tensor("mask", mask).tensor("w", w)
                .put("step", 9).build().save(file);
        Checkpoint c = Checkpoint.load(file);
        assertTrue(ids.transpose().bitwiseEquals(c.tensor("ids")));
        assertTrue(positions.bitwiseEquals(c.tensor("pos")));
        assertTrue(mask.bitwiseEquals(c.tensor("mask")));
        assertTrue(w.bitwiseEquals(c.tensor("w")));
        assertEquals(9, c.getLong("step"));
        // copyInto is exact for every dtype (an I64 beyond 2^53 has no double value), into any view.
        Tensor posTarget = Tensor.zeros(DType.I64, 3), idsTarget = Tensor.zeros(DType.I32, 2, 3).transpose();
        Tensor maskTarget = Tensor.zeros(DType.BOOL, 5);
        c.copyAllInto("", Map.of("pos", posTarget, "ids", idsTarget, "mask", maskTarget));
        assertTrue(positions.bitwiseEquals(posTarget));
        assertTrue(ids.transpose().bitwiseEquals(idsTarget));
        assertTrue(mask.bitwiseEquals(maskTarget));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.copyInto("pos", Tensor.zeros(DType.I32, 3)));
        assertTrue(e.getMessage().contains("I64") && e.getMessage().contains("I32"), e.getMessage());
        // The file is a plain safetensors file with the format's dtype names.
        TensorSet plain = SafeTensors.read(file);
        assertTrue(mask.bitwiseEquals(plain.tensor("mask")));
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(header.contains("\"dtype\":\"BOOL\"") && header.contains("\"dtype\":\"I64\"") && header.contains("\"dtype\":\"I32\""));
    }

    @Test
    void checksumIsCrc32cOfTheCanonicalHeaderAndTheData(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.safetensors");
        Checkpoint.builder().tensor("x", Tensor.of(new float[] {1, 2}, 2)).put("step", 7).build().save(file);
        // Written out by hand: the header without the checksum entry, then 1.0f and 2.0f little-endian.
        String canonical = "{\"__metadata__\":{\"quiver.format\":\"checkpoint/1\",\"step\":\"7\"},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        CRC32C crc = new CRC32C();
        crc.update(canonical.getBytes(StandardCharsets.UTF_8));
        crc.update(Bytes.of().le32(0x3F800000).le32(0x40000000).bytes());
        assertEquals(String.format("%08x", crc.getValue()), SafeTensors.read(file).metadata().get("quiver.crc32c"));
    }

    @Test
    void detectsCorruptionAndForeignFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.safetensors");
        Checkpoint.builder().tensor("x", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3)).put("step", 12).build().save(file);
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x10; // inside the data
        assertLoadFails(dir, flipped, "checksum mismatch");

        String text = new String(good, StandardCharsets.ISO_8859_1);
        assertLoadFails(dir, text.replace("\"step\":\"12\"", "\"step\":\"13\"").getBytes(StandardCharsets.ISO_8859_1), "checksum mismatch");
        assertLoadFails(dir, text.replace("[2,3]", "[3,2]").getBytes(StandardCharsets.ISO_8859_1), "checksum mismatch");
        assertLoadFails(dir, text.replace("quiver.crc32c", "quiver.crc32x").getBytes(StandardCharsets.ISO_8859_1), "no quiver.crc32c");

        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.write(plain, Map.of("x", Tensor.zeros(DType.F32, 2)));
        QuiverIOException e = assertThrows(QuiverIOException.class, () -> Checkpoint.load(plain));
        assertTrue(e.getMessage().contains("not a Quiver checkpoint"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().put("quiver.step", 1));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().put("a", 1).put("a", 2));
    }

    private static void assertLoadFails(Path dir, byte[] image, String fragment) throws Exception {
        Path f = dir.resolve("corrupt.safetensors");
        Files.write(f, image);
        QuiverIOException e = assertThrows(QuiverIOException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in " + e.getMessage());
    }

    @Test
    void saveReplacesThePreviousCheckpointAndCleansUpInterruptedTemporaries(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.ckpt");
        Files.writeString(dir.resolve(".run.ckpt.tmp-deadbeef"), "left by a killed writer");
        Checkpoint.builder().put("step", 1).build().save(file);
        Checkpoint.builder().put("step", 2).build().save(file);
        assertEquals(2, Checkpoint.load(file).getLong("step"));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    // ------------------------------------------------ a training run continues bit-identically

    /** A tiny logistic regression trained by Adam on shuffled minibatches: parameters, moments, step, RNG. */
    static final class Run {
        static final int FEATURES = 5, EXAMPLES = 64, BATCH = 8;
        static final double LR = 0.05, BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
        final Tensor x = Tensor.randn(DType.F64, Seed.of(1), EXAMPLES, FEATURES);
        final double[] y = new double[EXAMPLES];
        final Tensor w = Tensor.zeros(DType.F64, FEATURES), m = Tensor.zeros(DType.F64, FEATURES), v = Tensor.zeros(DType.F64, FEATURES);
        final Rng rng = new Rng(2024);
        final int[] order = new int[EXAMPLES];
        long step;

        Run() {
            for (int i = 0; i < EXAMPLES; i++) {
                y[i] = x.get(i, 0) - 0.5 * x.get(i, 3) > 0 ? 1 : 0;
                order[i] = i;
            }
        }

        void train(int steps) {
            double[] grad = new double[FEATURES];
            for (int s = 0; s < steps; s++) {
                if (step % (EXAMPLES / BATCH) == 0) rng.shuffle(order);
                int start = (int) (step % (EXAMPLES / BATCH)) * BATCH;
                java.util.Arrays.fill(grad, 0);
                for (int k = start; k < start + BATCH; k++) {
                    int i = order[k];
                    double z = 0;
                    for (int f = 0; f < FEATURES; f++) z += w.get(f) * x.get(i, f);
                    double err = 1 / (1 + Math.exp(-z)) - y[i];
                    for (int f = 0; f < FEATURES; f++) grad[f] += err * x.get(i, f) / BATCH;
                }
                step++;
                for (int f = 0; f < FEATURES; f++) {
                    double g = grad[f] + 1e-3 * rng.nextGaussian(); // noisy gradients: the RNG state matters
                    m.set(BETA1 * m.get(f) + (1 - BETA1) * g, f);
                    v.set(BETA2 * v.get(f) + (1 - BETA2) * g * g, f);
                    double mHat = m.get(f) / (1 - Math.pow(BETA1, step)), vHat = v.get(f) / (1 - Math.pow(BETA2, step));
                    w.set(w.get(f) - LR * mHat / (Math.sqrt(vHat) + EPS), f);
                }
            }
        }

        Checkpoint checkpoint() {
            return Checkpoint.builder().tensor("w", w).tensor("adam.m", m).tensor("adam.v", v)
                    .put("step", step).rng("rng", rng).put("order", java.util.Arrays.toString(order)).build();
        }

        void restore(Checkpoint c, boolean withRng) {
            c.copyInto("w", w);
            c.copyInto("adam.m", m);
            c.copyInto("adam.v", v);
            step = c.getLong("step");
            if (withRng) c.restoreRng("rng", rng);
            String[] parts = c.get("order").replaceAll("[\\[\\] ]", "").split(",");
            for (int i = 0; i < order.length; i++) order[i] = Integer.parseInt(parts[i]);
        }
    }

    @Test
    void aRestoredRunContinuesBitIdenticallyToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Run uninterrupted = new Run();
        uninterrupted.train(13);
        Path file = dir.resolve("run.ckpt");
        uninterrupted.checkpoint().save(file);
        uninterrupted.train(29);

        Run resumed = new Run();
        resumed.restore(Checkpoint.load(file), true);
        resumed.train(29);
        assertTrue(uninterrupted.w.bitwiseEquals(resumed.w), uninterrupted.w + " vs " + resumed.w);
        assertTrue(uninterrupted.v.bitwiseEquals(resumed.v));
        assertEquals(uninterrupted.rng.state(), resumed.rng.state());

        // The comparison has teeth: forgetting the RNG state changes the result.
        Run forgetful = new Run();
        forgetful.restore(Checkpoint.load(file), false);
        forgetful.train(29);
        assertFalse(uninterrupted.w.bitwiseEquals(forgetful.w));
    }
}
