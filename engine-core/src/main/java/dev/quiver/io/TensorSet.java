package dev.quiver.io;

import dev.quiver.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * Named tensors plus string metadata, as stored in a safetensors file. Both maps are unmodifiable
 * and keep the file's order (tensors by data offset); the tensors themselves are fresh, owned by
 * the caller.
 */
public record TensorSet(SequencedMap<String, Tensor> tensors, SequencedMap<String, String> metadata) {
    public TensorSet {
        tensors = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor called {@code name}; throws naming the missing and the present names. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no tensor named '" + name + "' (have " + tensors.keySet() + ")");
        return t;
    }
}
