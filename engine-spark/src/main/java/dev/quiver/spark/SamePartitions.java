package dev.quiver.spark;

import org.apache.spark.Partitioner;

/** Sends a record keyed by its original partition index back to that partition. */
final class SamePartitions extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    SamePartitions(int partitions) { this.partitions = partitions; }

    @Override public int numPartitions() { return partitions; }

    @Override public int getPartition(Object key) { return (Integer) key; }

    @Override public boolean equals(Object o) { return o instanceof SamePartitions s && s.partitions == partitions; }

    @Override public int hashCode() { return partitions; }
}
