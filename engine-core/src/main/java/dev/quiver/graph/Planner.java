package dev.quiver.graph;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Static memory planning over live intervals (XLA's heap simulator; Pisarchyk and Lee,
 * arXiv 2001.03288). Buffer i lives over schedule positions {@code [start[i], end[i]]}
 * (inclusive); two buffers may share memory only when their intervals are disjoint. Offsets are
 * assigned greedily, largest buffer first, each into the smallest gap that fits between the
 * already placed buffers it overlaps in time (best fit); a second pass in order of first use is
 * tried too and the smaller arena kept. Sizes are in elements of one dtype.
 */
final class Planner {
    private Planner() {}

    /** Offsets and the arena size. */
    record Assignment(long[] offsets, long arenaSize) {}

    static Assignment plan(long[] sizes, int[] start, int[] end) {
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
        int last = 0;
        for (int e : end) last = Math.max(last, e);
        long[] delta = new long[last + 2];
        for (int i = 0; i < sizes.length; i++) {
            delta[start[i]] += sizes[i];
            delta[end[i] + 1] -= sizes[i];
        }
        long live = 0, peak = 0;
        for (long d : delta) {
            live += d;
            peak = Math.max(peak, live);
        }
        return peak;
    }
}
