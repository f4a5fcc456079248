package dev.quiver.spark;

/** A training run stopped: the message names the round and, for a task's failure, the partition. */
public final class SparkTrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long round;
    private final int partition;

    SparkTrainingException(long round, int partition, String message, Throwable cause) {
        super(message, cause);
        this.round = round;
        this.partition = partition;
    }

    /** The round that failed (0-based). */
    public long round() { return round; }

    /** The partition whose task reported the problem, or -1 when it was not one partition's. */
    public int partition() { return partition; }
}
