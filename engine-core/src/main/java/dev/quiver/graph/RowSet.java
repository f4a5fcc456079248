package dev.quiver.graph;

import java.util.Arrays;

/**
 * The rows of a parameter's gradient that a backward pass wrote, when the parameter is read only
 * through lookups (its gradient is row-sparse): rows in first-touched order, each once. Adding a
 * row and clearing cost O(1) and O(rows touched), never O(table rows), and allocate nothing once
 * the set has grown to the largest number of rows one step touches.
 */
public final class RowSet {
    private final boolean[] member;
    private int[] rows = new int[16];
    private int size;

    RowSet(int tableRows) {
        this.member = new boolean[tableRows];
    }

    /** Number of distinct rows touched. */
    public int size() { return size; }

    /** The i-th touched row, {@code 0 <= i < size()}. */
    public int row(int i) {
        if (i >= size) throw new IndexOutOfBoundsException("row " + i + " of " + size);
        return rows[i];
    }

    /** Whether {@code row} was touched. */
    public boolean contains(int row) { return member[row]; }

    /** Records {@code row} (no effect when already present). */
    public void add(int row) {
        if (member[row]) return;
        member[row] = true;
        if (size == rows.length) rows = Arrays.copyOf(rows, 2 * size);
        rows[size++] = row;
    }

    /** Forgets every row (O(rows touched)). */
    public void clear() {
        for (int i = 0; i < size; i++) member[rows[i]] = false;
        size = 0;
    }

    /** Number of rows of the table this set indexes. */
    public int tableRows() { return member.length; }

    @Override public String toString() {
        return "RowSet" + Arrays.toString(Arrays.copyOf(rows, size));
    }
}
