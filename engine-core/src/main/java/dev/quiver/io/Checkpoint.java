package dev.quiver.io;

import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.zip.CRC32C;

/**
 * A training checkpoint: named tensors (parameters, optimiser moments, and index or mask tensors
 * of any dtype: F32, F64, F16, BF16, I32, I64, I8, U8, BOOL) and metadata (step count, RNG state, hyper-parameters), saved so that a crash at any moment leaves either the
 * previous checkpoint or the new one, and verified by a CRC32C checksum on load.
 *
 * <pre>{@code
 * Checkpoint.builder().tensors("", params).tensors("adam.", adamState)
 *         .put("step", step).put("lr", lr).put("rng", rng.state())
 *         .build().save(Path.of("run/ckpt.safetensors"));
 * ...
 * Checkpoint c = Checkpoint.load(Path.of("run/ckpt.safetensors"));
 * c.copyInto("W", W);  step = c.getLong("step");  rng.restore(c.getLong("rng"));
 * }</pre>
 *
 * <p>The file is a valid safetensors file (NumPy/PyTorch users can open it with the reference
 * library), whose {@code __metadata__} also holds {@code quiver.format} and
 * {@code quiver.crc32c}: the CRC32C of the canonical header without the checksum entry
 * (compact JSON, metadata keys sorted, tensors in file order) followed by the whole data section.
 * Doubles are stored as Java's shortest round-trip decimal ({@link Double#toString}), which
 * parses back to the identical bits for every value except NaN payloads.
 *
 * <p>Saving writes a temporary file in the same directory, forces it to disk, renames it over
 * the target atomically and forces the directory (see {@code AtomicFiles}). One writer per path.
 */
public final class Checkpoint {
    static final String FORMAT_KEY = "quiver.format";
    static final String FORMAT = "checkpoint/1";
    static final String CRC_KEY = "quiver.crc32c";
    private static final String RESERVED_PREFIX = "quiver.";

    private final SequencedMap<String, Tensor> tensors;
    private final SequencedMap<String, String> metadata;

    private Checkpoint(SequencedMap<String, Tensor> tensors, SequencedMap<String, String> metadata) {
        this.tensors = Collections.unmodifiableSequencedMap(tensors);
        this.metadata = Collections.unmodifiableSequencedMap(metadata);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects tensors and metadata; tensors are referenced, not copied, until {@link Checkpoint#save}. */
    public static final class Builder {
        private final SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        private final SequencedMap<String, String> metadata = new LinkedHashMap<>();

        private Builder() {}

        public Builder tensor(String name, Tensor t) {
            if (tensors.putIfAbsent(name, t) != null) throw new IllegalArgumentException("Checkpoint: duplicate tensor name '" + name + "'");
            return this;
        }

        /** Adds every tensor of {@code named} under {@code prefix + name}. */
        public Builder tensors(String prefix, Map<String, Tensor> named) {
            for (var e : named.entrySet()) tensor(prefix + e.getKey(), e.getValue());
            return this;
        }

        public Builder put(String key, String value) {
            if (key.startsWith(RESERVED_PREFIX)) {
                throw new IllegalArgumentException("Checkpoint: metadata keys starting with '" + RESERVED_PREFIX + "' are reserved, got '" + key + "'");
            }
            if (metadata.putIfAbsent(key, value) != null) throw new IllegalArgumentException("Checkpoint: duplicate metadata key '" + key + "'");
            return this;
        }

        public Builder put(String key, long value) {
            return put(key, Long.toString(value));
        }

        public Builder put(String key, double value) {
            return put(key, Double.toString(value));
        }

        /** Stores {@code rng}'s state under {@code key}; restore with {@link Checkpoint#restoreRng}. */
        public Builder rng(String key, Rng rng) {
            return put(key, rng.state());
        }

        public Checkpoint build() {
            return new Checkpoint(new LinkedHashMap<>(tensors), new LinkedHashMap<>(metadata));
        }
    }

    /** The tensors, in file order after {@link #load}. */
    public SequencedMap<String, Tensor> tensors() {
        return tensors;
    }

    /** The caller's metadata (without the reserved {@code quiver.*} entries). */
    public SequencedMap<String, String> metadata() {
        return metadata;
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("Checkpoint: no tensor '" + name + "' (have " + tensors.keySet() + ")");
        return t;
    }

    public String get(String key) {
        String v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException("Checkpoint: no metadata '" + key + "' (have " + metadata.keySet() + ")");
        return v;
    }

    public long getLong(String key) {
        String v = get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Checkpoint: metadata '" + key + "' = '" + Json.brief(v) + "' is not a long", e);
        }
    }

    public double getDouble(String key) {
        String v = get(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Checkpoint: metadata '" + key + "' = '" + Json.brief(v) + "' is not a double", e);
        }
    }

    /** Sets {@code rng}'s state to the one stored under {@code key} (modifies {@code rng}). */
    public void restoreRng(String key, Rng rng) {
        rng.restore(getLong(key));
    }

    /**
     * Copies the stored tensor {@code name} into {@code target} element by element, bit for bit
     * (modifies {@code target}, which may be any view; dtype and shape must match).
     */
    public void copyInto(String name, Tensor target) {
        Tensor source = tensor(name);
        if (source.dtype() != target.dtype() || !source.sameShape(target)) {
            throw new IllegalArgumentException("Checkpoint.copyInto: '" + name + "' is " + source.dtype() + " "
                    + Shapes.str(source.shape()) + " but the target is " + target.dtype() + " " + Shapes.str(target.shape()));
        }
        switch (source.dtype()) {
            case F64 -> { for (int i = 0; i < source.size(); i++) target.setFlat(i, source.getFlat(i)); }
            // Raw bits: through double a signalling NaN would come back quiet.
            case F32 -> { for (int i = 0; i < source.size(); i++) target.setFloatBitsFlat(i, source.getFloatBitsFlat(i)); }
            case I32 -> { for (int i = 0; i < source.size(); i++) target.setIntFlat(i, source.getIntFlat(i)); }
            case I64 -> { for (int i = 0; i < source.size(); i++) target.setLongFlat(i, source.getLongFlat(i)); }
            case BOOL -> { for (int i = 0; i < source.size(); i++) target.setBoolFlat(i, source.getBoolFlat(i)); }
            case F16, BF16 -> { for (int i = 0; i < source.size(); i++) target.setHalfBitsFlat(i, source.getHalfBitsFlat(i)); }
            case I8, U8 -> { for (int i = 0; i < source.size(); i++) target.setIntFlat(i, source.getIntFlat(i)); }
        }
    }

    /**
     * {@link #copyInto} for every entry of {@code targets}, reading the stored tensor
     * {@code prefix + name}: the inverse of {@link Builder#tensors}. Typical targets are the live
     * state map of an optimiser or the parameters of a freshly built graph (modified in place).
     * Every name is checked before anything is copied, so a mismatch leaves the targets untouched.
     */
    public void copyAllInto(String prefix, Map<String, Tensor> targets) {
        for (var e : targets.entrySet()) {
            Tensor source = tensor(prefix + e.getKey());
            Tensor target = e.getValue();
            if (source.dtype() != target.dtype() || !source.sameShape(target)) copyInto(prefix + e.getKey(), target); // throws
        }
        for (var e : targets.entrySet()) copyInto(prefix + e.getKey(), e.getValue());
    }

    // ---------------------------------------------------------------- files

    /**
     * Atomically replaces {@code file} with this checkpoint. The tensors must not be modified
     * while this runs (they are read twice: once for the checksum, once to write).
     */
    public void save(Path file) throws IOException {
        List<SafeTensors.Entry> entries = SafeTensors.layout(tensors);
        SequencedMap<String, String> stored = new LinkedHashMap<>(metadata);
        stored.put(FORMAT_KEY, FORMAT);
        CRC32C crc = new CRC32C();
        crc.update(SafeTensors.utf8(SafeTensors.headerJson(stored, entries)));
        SafeTensors.writeData(tensors, entries, crc::update);
        stored.put(CRC_KEY, hex(crc.getValue()));
        byte[] header = SafeTensors.paddedHeader(stored, entries);
        AtomicFiles.replace(file, out -> {
            Elements.writeFully(out, ByteBuffer.wrap(header));
            SafeTensors.writeData(tensors, entries, chunk -> Elements.writeFully(out, chunk));
        });
    }

    /**
     * Loads and verifies a checkpoint: nothing is returned unless the structure is valid and the
     * checksum matches.
     *
     * @throws QuiverIOException naming the file: not a checkpoint, malformed, truncated, or
     *         checksum mismatch
     */
    public static Checkpoint load(Path file) throws IOException {
        try (Source src = Source.open(file)) {
            return load(src);
        }
    }

    static Checkpoint load(Source src) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(src);
        SequencedMap<String, String> stored = new LinkedHashMap<>(header.metadata());
        if (!FORMAT.equals(stored.get(FORMAT_KEY))) {
            throw src.problem("not a Quiver checkpoint: __metadata__ has no " + FORMAT_KEY + " = " + FORMAT);
        }
        String expected = stored.remove(CRC_KEY);
        if (expected == null) throw src.problem("not a Quiver checkpoint: no " + CRC_KEY + " checksum");
        CRC32C crc = new CRC32C();
        crc.update(SafeTensors.utf8(SafeTensors.headerJson(stored, header.entries())));
        SequencedMap<String, Tensor> tensors = SafeTensors.readData(src, header, crc);
        String actual = hex(crc.getValue());
        if (!actual.equals(expected)) {
            throw src.problem("checksum mismatch: stored " + CRC_KEY + " " + Json.brief(expected) + ", computed " + actual + " (corrupted file)");
        }
        SequencedMap<String, String> user = new LinkedHashMap<>();
        for (var e : stored.entrySet()) if (!e.getKey().startsWith(RESERVED_PREFIX)) user.put(e.getKey(), e.getValue());
        return new Checkpoint(tensors, user);
    }

    private static String hex(long crc) {
        return String.format("%08x", crc);
    }
}
