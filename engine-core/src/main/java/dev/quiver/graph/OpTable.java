package dev.quiver.graph;

import dev.quiver.ops.Op;

/**
 * Canonical instances of recently built shaping and scalar ops (slices, concatenations,
 * permutations, reshapes, {@code x op c}), which are values compared with {@code equals}. A
 * dynamic graph builds one such op per node, nearly all equal to one another (every leaf slices
 * one row the same way; every concatenation's gradient slices out the same halves), and each
 * node and step kept the op, with its index arrays, alive until the next structure. Sharing them
 * removes a quarter of the objects a compiled tree of 10^5 nodes holds. Direct-mapped and
 * bounded like {@link ShapeTable}; ops are immutable, so a shared instance changes no value.
 */
final class OpTable {
    private static final int SLOTS = 256;
    private final Op[] slots = new Op[SLOTS];

    /** An op equal to {@code op}: the one already in the table, or {@code op}, which then enters it. */
    @SuppressWarnings("unchecked")
    <T extends Op> T intern(T op) {
        int h = op.hashCode();
        int slot = (h ^ h >>> 8 ^ h >>> 16) & SLOTS - 1;
        Op known = slots[slot];
        if (known != null && known.getClass() == op.getClass() && known.equals(op)) return (T) known;
        slots[slot] = op;
        return op;
    }
}
