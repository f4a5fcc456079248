package dev.quiver.examples.dynamic;

import java.util.Locale;

/** A progress line every few seconds: examples/s, mean loss since the last line, elapsed, percentage. */
public final class Progress {
    private final String unit;
    private final long total;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long last = start, done, doneAtLast;
    private double lossSum;
    private long lossCount;

    public Progress(String unit, long total, double seconds) {
        this.unit = unit;
        this.total = total;
        this.intervalNanos = (long) (seconds * 1e9);
    }

    /** Records one example with its loss (and the number of loss terms it averages over). */
    public void tick(String phase, double loss, long terms) {
        tick(phase, loss, terms, 1);
    }

    /** Records a minibatch of {@code examples} with their summed loss over {@code terms} loss terms. */
    public void tick(String phase, double loss, long terms, int examples) {
        done += examples;
        lossSum += loss;
        lossCount += terms;
        long now = System.nanoTime();
        if (now - last >= intervalNanos) {
            System.out.printf(Locale.ROOT, "  %s %5.1f%%  %,d/%,d %s  %.1f %s/s  loss %.4f  elapsed %.0f s%n",
                    phase, 100.0 * done / Math.max(1, total), done, total, unit,
                    (done - doneAtLast) / ((now - last) / 1e9), unit, lossSum / Math.max(1, lossCount), (now - start) / 1e9);
            last = now;
            doneAtLast = done;
            lossSum = 0;
            lossCount = 0;
        }
    }

    /** The used heap in MB after a full GC. */
    public static double heapMb() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 2; i++) System.gc();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }
}
