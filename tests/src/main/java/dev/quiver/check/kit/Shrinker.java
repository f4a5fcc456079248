package dev.quiver.check.kit;

import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Shrinks a failing choice sequence (see {@link Source}) to a locally minimal one, in the manner
 * of minithesis: delete blocks of choices, switch a choice off together with the choices after
 * it, zero blocks, then lower single choices by binary search, repeating until no pass helps or
 * the budget of test runs is spent. A candidate replaces the
 * current best only when it still fails and is simpler: shorter, or as long and smaller in
 * lexicographic order. Since each generator encodes its simplest outcome as choice 0, a simpler
 * sequence means lower rank, smaller dimensions, fewer nodes and values nearer their anchors.
 */
final class Shrinker {
    private final Predicate<long[]> fails; // true when the candidate fails the same way and became the best
    private final int budget;
    private final long deadline;
    private int runs;
    private long[] best;

    /**
     * @param replay   runs the property on a replay of the choices and returns the choices actually
     *                 consumed if the case failed the same way, else null
     * @param budget   most property runs to spend
     * @param deadline System.nanoTime() after which no more runs start
     */
    Shrinker(long[] failing, Function<long[], long[]> replay, int budget, long deadline) {
        this.best = failing;
        this.budget = budget;
        this.deadline = deadline;
        this.fails = candidate -> {
            // Success means "still fails AND simpler": a replay may consume more choices than the
            // candidate (draws past its end are 0), and such a case is no progress.
            long[] consumed = replay.apply(candidate);
            if (consumed == null || !simpler(consumed, best)) return false;
            best = consumed;
            return true;
        };
    }

    int runs() {
        return runs;
    }

    long[] shrink() {
        boolean improved = true;
        while (improved && !spent()) {
            long[] before = best;
            deleteBlocks();
            switchOffAndDrop();
            zeroBlocks();
            minimiseEach();
            improved = simpler(best, before);
        }
        return best;
    }

    private boolean spent() {
        return runs >= budget || System.nanoTime() - deadline > 0;
    }

    private boolean attempt(long[] candidate) {
        if (spent() || !simpler(candidate, best)) return false;
        runs++;
        return fails.test(candidate);
    }

    private void deleteBlocks() {
        // Every block size up to 8 for short sequences (a graph step is 3-5 choices); powers of two
        // for long ones (tensors with many elements), to stay within the budget.
        int[] sizes = best.length <= 300 ? new int[] {8, 7, 6, 5, 4, 3, 2, 1} : new int[] {8, 4, 2, 1};
        for (int k : sizes) {
            for (int i = best.length - k; i >= 0; i--) {
                if (i + k > best.length) continue;
                long[] c = new long[best.length - k];
                System.arraycopy(best, 0, c, 0, i);
                System.arraycopy(best, i + k, c, i, best.length - i - k);
                if (!attempt(c) && i > 0 && best[i - 1] > 0) {
                    // A size or count often precedes the deleted block: lower it too.
                    c[i - 1]--;
                    attempt(c);
                }
            }
        }
    }

    /**
     * Lowers one choice (to 0, or by 1) and deletes the 1-8 choices after it: a coin switched off
     * with the payload it guarded, or a count lowered with the element it counted.
     */
    private void switchOffAndDrop() {
        for (int i = best.length - 2; i >= 0; i--) {
            if (i >= best.length || best[i] == 0) continue;
            for (int k = 1; k <= 8 && i + 1 + k <= best.length; k++) {
                long[] c = new long[best.length - k];
                System.arraycopy(best, 0, c, 0, i + 1);
                System.arraycopy(best, i + 1 + k, c, i + 1, best.length - i - 1 - k);
                c[i] = 0;
                if (attempt(c)) break;
                c[i] = best[i] - 1;
                if (c[i] > 0 && attempt(c)) break;
            }
        }
    }

    private void zeroBlocks() {
        for (int k = 8; k >= 1; k /= 2) {
            for (int i = best.length - k; i >= 0; i--) {
                if (i + k > best.length) continue;
                boolean allZero = true;
                for (int j = i; j < i + k; j++) allZero &= best[j] == 0;
                if (allZero) continue;
                long[] c = best.clone();
                Arrays.fill(c, i, i + k, 0);
                attempt(c);
            }
        }
    }

    private void minimiseEach() {
        for (int i = best.length - 1; i >= 0; i--) {
            if (i >= best.length || best[i] == 0) continue;
            long lo = 0, hi = best[i]; // hi fails; find the smallest failing value by bisection
            long[] c = best.clone();
            c[i] = 0;
            if (attempt(c)) continue;
            while (lo + 1 < hi && !spent() && i < best.length) {
                long mid = lo + (hi - lo) / 2;
                c = best.clone();
                c[i] = mid;
                if (attempt(c)) hi = mid;
                else lo = mid;
            }
        }
    }

    /** Shortlex order: shorter first, then lexicographically smaller. */
    static boolean simpler(long[] a, long[] b) {
        if (a.length != b.length) return a.length < b.length;
        return Arrays.compare(a, b) < 0;
    }
}
