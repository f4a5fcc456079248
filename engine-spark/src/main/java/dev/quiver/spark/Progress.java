package dev.quiver.spark;

import java.util.Locale;

/**
 * One finished round, as logged and handed to the trainer's listener. Times in seconds: the
 * driver's broadcast (encoding plus {@code sc.broadcast}), the slowest task's parameter decode and
 * its compute (wall time, and the CPU time its thread got: less when the core is shared), the rest of the aggregation job (scheduling, result transfer, {@code treeAggregate}
 * merges), and the driver's update.
 *
 * @param round    rounds finished (1-based)
 * @param rounds   rounds in the run
 * @param loss     mean over partitions of the round's mean batch loss (before the update)
 * @param examples examples the round processed (global batch times local steps)
 * @param phasesMs finer split (ms): the driver's encode, broadcast, schedule (job submitted, or in
 *                 persistent tasks the image sent, to the first task's start), tail (last task end
 *                 to the summed result, i.e. result transfer and merge), update and GC pauses in
 *                 the round (this JVM's collectors), and the slowest task's collect, decode, fill,
 *                 forward, backward, check and results
 */
public record Progress(long round, long rounds, double loss, long examples, double seconds, double examplesPerSecond,
                       double broadcastSeconds, double decodeSeconds, double computeSeconds, double computeCpuSeconds, double aggregateSeconds,
                       double updateSeconds, long broadcastBytes, java.util.SequencedMap<String, Double> phasesMs) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "round %d/%d  loss %.5f  %,.0f examples/s  (%.1f ms: broadcast %.1f, decode %.1f, compute %.1f,"
                        + " aggregate %.1f, update %.1f; %,d bytes)", round, rounds, loss, examplesPerSecond, seconds * 1e3,
                broadcastSeconds * 1e3, decodeSeconds * 1e3, computeSeconds * 1e3, aggregateSeconds * 1e3, updateSeconds * 1e3, broadcastBytes);
    }
}
