package dev.quiver.graph;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Static memory planning over live intervals (XLA's heap simulator; Pisarchyk and Lee,
 * arXiv 2001.03288). Buffer i lives over schedule positions {@code [start[i], end[i]]}
 * (inclusive); two buffers may share memory only when their intervals are disjoint. Sizes are in
 * elements of one dtype.
 *
 * <p>Two strategies. Small plans (up to {@link #BEST_FIT_LIMIT} buffers: static models, where the
 * arena is large and planned once) are placed greedily, largest buffer first, each into the
 * smallest gap between the already placed buffers it overlaps in time (best fit), a second pass in
 * order of first use tried too, and the smallest arena of those and of the linear strategy kept:
 * that search is quadratic, but bounded by the limit. Larger plans (dynamic graphs, a new structure
 * per example) are placed in O(n log n): a sweep in schedule order frees buffers whose interval has
 * ended onto a free list per exact size and takes a new buffer's slot from its size's list, else
 * from the end of the arena. Dynamic graphs have few distinct sizes (hidden-size vectors, gate
 * blocks, scalars), so exact-size reuse packs them nearly as well as best fit.
 */
final class Planner {
    private Planner() {}

    /**
     * Offsets and the arena size; for a sweep's placement also, per buffer, the buffer whose freed
     * slot it took ({@code donor}, -1 for a slot at the arena's end), else null.
     */
    record Assignment(long[] offsets, long arenaSize, int[] donor) {
        Assignment(long[] offsets, long arenaSize) { this(offsets, arenaSize, null); }
    }

    /** Plans with at most this many buffers also try the quadratic best-fit placements. */
    static final int BEST_FIT_LIMIT = 96;

    static Assignment plan(long[] sizes, int[] start, int[] end) {
        return plan(sizes, start, end, sizes.length, new Scratch());
    }

    /**
     * The plan of the first {@code n} buffers, working in {@code scratch}'s arrays; the offsets
     * are scratch too (read them before the next plan).
     */
    static Assignment plan(long[] sizes, int[] start, int[] end, int n, Scratch scratch) {
        Assignment linear = sweep(sizes, start, end, n, scratch);
        if (n > BEST_FIT_LIMIT) return linear;
        linear = new Assignment(Arrays.copyOf(linear.offsets, n), linear.arenaSize);
        Assignment fit = bestFit(Arrays.copyOf(sizes, n), Arrays.copyOf(start, n), Arrays.copyOf(end, n));
        return fit.arenaSize <= linear.arenaSize ? fit : linear;
    }

    /**
     * The O(n log n) placement: buffers in order of first use; before each, every buffer whose
     * interval ended earlier returns its slot to the free list of its exact size.
     */
    static Assignment sweep(long[] sizes, int[] start, int[] end) {
        Assignment a = sweep(sizes, start, end, sizes.length, new Scratch());
        return new Assignment(Arrays.copyOf(a.offsets, sizes.length), a.arenaSize);
    }

    private static Assignment sweep(long[] sizes, int[] start, int[] end, int n, Scratch scratch) {
        long[] offsets = scratch.longs(Scratch.OFFSETS, n);
        if (n == 0) return new Assignment(offsets, 0);
        // Size classes: equal sizes share a class, numbered in order of first appearance by a hash
        // table over the sizes (O(n); sorting them was the one O(n log n) step of a new structure's
        // compile). A class only names a free list, so the placement is the same whatever the numbering.
        int[] sizeClass = scratch.intsDirty(Scratch.SIZE_CLASS, n);
        int classes = sizeClasses(sizes, n, sizeClass);
        int[] freeHead = scratch.intsDirty(Scratch.FREE_HEAD, classes);
        Arrays.fill(freeHead, 0, classes, -1);
        int[] nextFree = scratch.intsDirty(Scratch.NEXT_FREE, n);
        int[] donor = scratch.intsDirty(Scratch.DONOR, n);
        // Buffers in order of first use (a counting sort over positions, stable by index), and per
        // position the buffers whose interval ends there: a sweep over positions frees each buffer
        // once, with no priority queue.
        int positions = 0;
        for (int i = 0; i < n; i++) positions = Math.max(positions, Math.max(start[i], end[i]) + 1);
        int[] firstAt = scratch.ints(Scratch.FIRST_AT, positions + 1);
        for (int i = 0; i < n; i++) firstAt[start[i] + 1]++;
        for (int q = 0; q < positions; q++) firstAt[q + 1] += firstAt[q];
        int[] byStart = scratch.intsDirty(Scratch.BY_START, n);
        for (int i = 0; i < n; i++) byStart[firstAt[start[i]]++] = i;
        int[] endingHead = scratch.intsDirty(Scratch.ENDING_HEAD, positions), endingNext = scratch.intsDirty(Scratch.ENDING_NEXT, n);
        Arrays.fill(endingHead, 0, positions, -1);
        int freedBefore = 0;   // positions whose ending buffers are back on the free lists
        long arena = 0;
        for (int b = 0; b < n; b++) {
            int i = byStart[b];
            for (; freedBefore < start[i]; freedBefore++) {
                for (int j = endingHead[freedBefore]; j >= 0; j = endingNext[j]) {
                    nextFree[j] = freeHead[sizeClass[j]];
                    freeHead[sizeClass[j]] = j;
                }
            }
            donor[i] = -1;
            if (sizes[i] == 0) continue;
            int c = sizeClass[i], slot = freeHead[c];
            if (slot >= 0) {
                freeHead[c] = nextFree[slot];
                offsets[i] = offsets[slot];
                donor[i] = slot;
            } else {
                offsets[i] = arena;
                arena += sizes[i];
            }
            endingNext[i] = endingHead[end[i]];
            endingHead[end[i]] = i;
        }
        return new Assignment(offsets, arena, donor);
    }

    /**
     * Numbers the distinct sizes among the first {@code n} 0, 1, 2, ... in order of first
     * appearance into {@code sizeClass}; returns how many there are. Open addressing over a table
     * that doubles when half full: dynamic graphs have a handful of distinct sizes.
     */
    static int sizeClasses(long[] sizes, int n, int[] sizeClass) {
        int capacity = 64, classes = 0;
        long[] key = new long[capacity];
        int[] id = new int[capacity];   // class + 1; 0 marks an empty slot
        for (int i = 0; i < n; i++) {
            long size = sizes[i];
            int at = Long.hashCode(size * 0x9E3779B97F4A7C15L) & capacity - 1;
            while (id[at] != 0 && key[at] != size) at = at + 1 & capacity - 1;
            if (id[at] == 0) {
                key[at] = size;
                id[at] = ++classes;
                if (2 * classes > capacity) {   // rehash into twice the table
                    long[] oldKey = key;
                    int[] oldId = id;
                    capacity *= 2;
                    key = new long[capacity];
                    id = new int[capacity];
                    for (int j = 0; j < oldKey.length; j++) {
                        if (oldId[j] == 0) continue;
                        int to = Long.hashCode(oldKey[j] * 0x9E3779B97F4A7C15L) & capacity - 1;
                        while (id[to] != 0) to = to + 1 & capacity - 1;
                        key[to] = oldKey[j];
                        id[to] = oldId[j];
                    }
                }
                sizeClass[i] = classes - 1;
            } else {
                sizeClass[i] = id[at] - 1;
            }
        }
        return classes;
    }

    private static Assignment bestFit(long[] sizes, int[] start, int[] end) {
        Integer[] bySize = IntStream.range(0, sizes.length).boxed().toArray(Integer[]::new);
        Arrays.sort(bySize, Comparator.<Integer>comparingLong(i -> -sizes[i]).thenComparingInt(i -> start[i]));
        Assignment a = place(bySize, sizes, start, end);
        Integer[] byStart = IntStream.range(0, sizes.length).boxed().toArray(Integer[]::new);
        Arrays.sort(byStart, Comparator.<Integer>comparingInt(i -> start[i]).thenComparingLong(i -> -sizes[i]));
        Assignment b = place(byStart, sizes, start, end);
        return b.arenaSize < a.arenaSize ? b : a;
    }

    private static Assignment place(Integer[] order, long[] sizes, int[] start, int[] end) {
        int n = sizes.length;
        long[] offsets = new long[n];
        int[] placed = new int[n];
        int placedCount = 0;
        long arena = 0;
        Integer[] conflicts = new Integer[n];
        for (int i : order) {
            int c = 0;
            for (int p = 0; p < placedCount; p++) {
                int j = placed[p];
                if (start[i] <= end[j] && start[j] <= end[i] && sizes[j] > 0) conflicts[c++] = j;
            }
            Arrays.sort(conflicts, 0, c, Comparator.comparingLong(j -> offsets[j]));
            long prev = 0, best = -1, bestGap = Long.MAX_VALUE;
            for (int k = 0; k < c; k++) {
                int j = conflicts[k];
                long gap = offsets[j] - prev;
                if (gap >= sizes[i] && gap < bestGap) {
                    best = prev;
                    bestGap = gap;
                }
                prev = Math.max(prev, offsets[j] + sizes[j]);
            }
            offsets[i] = best >= 0 ? best : prev;
            arena = Math.max(arena, offsets[i] + sizes[i]);
            placed[placedCount++] = i;
        }
        return new Assignment(offsets, arena);
    }

    /** The largest total size of buffers live at one position: a lower bound on any arena. */
    static long lowerBound(long[] sizes, int[] start, int[] end) {
        return lowerBound(sizes, start, end, sizes.length, new Scratch());
    }

    /** {@link #lowerBound} of the first {@code n} buffers, working in {@code scratch}. */
    static long lowerBound(long[] sizes, int[] start, int[] end, int n, Scratch scratch) {
        int last = 0;
        for (int i = 0; i < n; i++) last = Math.max(last, end[i]);
        long[] delta = scratch.longs(Scratch.DELTA, last + 2);
        for (int i = 0; i < n; i++) {
            delta[start[i]] += sizes[i];
            delta[end[i] + 1] -= sizes[i];
        }
        long live = 0, peak = 0;
        for (int q = 0; q < last + 2; q++) {
            live += delta[q];
            peak = Math.max(peak, live);
        }
        return peak;
    }
}
