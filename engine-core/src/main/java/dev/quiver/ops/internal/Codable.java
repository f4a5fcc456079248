package dev.quiver.ops.internal;

import dev.quiver.tensor.Tensor;

/**
 * An op whose forward rule can be recorded into a step's {@link Code} (an op code and operand
 * offsets) instead of bound as a closure: the common kinds of a dynamic graph (elementwise, matrix
 * products, sums, concatenations and row moves). The compiler asks this first and binds with
 * {@link dev.quiver.ops.Op#bind} only when it returns false.
 */
public interface Codable {
    /**
     * Appends {@code out = op(in)} to {@code code} exactly as {@link dev.quiver.ops.Op#bind} would
     * compute it (the same kernel calls), and returns true; or returns false, appending nothing,
     * where the layouts need the bound instruction.
     */
    boolean code(Code code, Tensor[] in, Tensor out);
}
