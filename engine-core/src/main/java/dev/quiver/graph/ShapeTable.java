package dev.quiver.graph;

import java.util.Arrays;

/**
 * Canonical instances of recently seen shape arrays, so that the nodes of a dynamic graph share a
 * handful of shape arrays instead of holding one each (a tree of 10^5 cells has three or four
 * distinct shapes). Direct-mapped and bounded: a collision replaces the slot, so the table never
 * grows. Shape arrays are never mutated once a node holds them; a table belongs to one graph and
 * is used by one thread.
 */
final class ShapeTable {
    private static final int SLOTS = 64;
    private final int[][] slots = new int[SLOTS][];

    /** An array equal to {@code shape}: the one already in the table, or {@code shape}, which then enters it. */
    int[] intern(int[] shape) {
        int h = Arrays.hashCode(shape);
        int slot = (h ^ h >>> 7 ^ h >>> 16) & SLOTS - 1;
        int[] known = slots[slot];
        if (known != null && Arrays.equals(known, shape)) return known;
        slots[slot] = shape;
        return shape;
    }
}
