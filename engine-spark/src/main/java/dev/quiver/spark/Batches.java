package dev.quiver.spark;

import java.util.SplittableRandom;

/**
 * Which examples of a partition make up its local batches. A partition of {@code n} examples
 * reads them epoch after epoch, each epoch in its own order (a seeded shuffle of the partition,
 * or the stored order); local step {@code s} takes positions {@code s*b .. s*b+b-1} of that
 * endless sequence. A pure function of (seed, partition, step), so a retried task, a resumed run
 * and the single-machine reference ({@link LocalDataParallel}) all read the same examples.
 */
public final class Batches {
    private Batches() {}

    /** The partition-local indices of local step {@code step}'s batch of {@code b} examples. */
    public static int[] indices(int n, int partition, long step, int b, long seed, boolean shuffle) {
        if (n <= 0) throw new IllegalArgumentException("partition " + partition + " is empty");
        int[] out = new int[b];
        long first = step * b;
        long epoch = -1;
        int[] order = null;
        for (int i = 0; i < b; i++) {
            long q = first + i;
            long e = q / n;
            if (e != epoch) {
                epoch = e;
                order = shuffle ? permutation(n, seed, partition, e) : null;
            }
            int j = (int) (q % n);
            out[i] = order == null ? j : order[j];
        }
        return out;
    }

    static int[] permutation(int n, long seed, int partition, long epoch) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (partition + 1L) * 0xBF58476D1CE4E5B9L ^ (epoch + 1) * 0x94D049BB133111EBL);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int k = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[k];
            p[k] = t;
        }
        return p;
    }

    /** Fills {@code step} with the examples at {@code idx[from .. from + n)} of {@code data} ({@code scratch} holds them on the way). */
    static <T> void fill(ModelDefinition<T> model, dev.quiver.graph.Step step, java.util.List<T> data, int[] idx, int from, int n, java.util.List<T> scratch) {
        scratch.clear();
        for (int i = from; i < from + n; i++) scratch.add(data.get(idx[i]));
        model.fill(step, scratch);
    }
}
