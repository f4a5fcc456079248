package dev.quiver.graph;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiled steps keyed by graph structure: ops (compared by value, so op records with array
 * fields define equals), edges, shapes, dtypes, names, the identity of parameters and of large
 * constants, the output and the compile options. A graph rebuilt with the same structure gets the
 * same {@link Step} back, rebound to its new nodes: no planning, no buffer allocation, and the
 * lookup itself allocates nothing (a structural hash into a chained table, then a node-by-node
 * comparison). A graph reset and rebuilt with the very structure of its last compile skips even
 * that comparison: the graph tracks while building whether every recycled node came back unchanged.
 *
 * <p><b>Bounded.</b> The cache holds at most {@link #maxEntries()} steps and about
 * {@link #maxBytes()} bytes (a step's arena plus an estimate of its objects); beyond either, the
 * least recently used step is evicted. An evicted step refuses to run (compile the graph again)
 * and its arena goes to a pool (bounded by the same byte limit) from which new steps take theirs, so a workload with a new
 * structure every example (trees, sentences) recycles its buffers instead of allocating them: the
 * heap stays flat however many structures a run sees. The most recent step is never evicted, even
 * when it alone exceeds the byte limit. {@link #toString()} reports hits, misses and evictions.
 *
 * <p>Not thread-safe: one cache per graph, or graphs used from one thread.
 */
public final class PlanCache {
    /** Default limits: enough for every sentence length of a corpus, small next to a training heap. */
    public static final int DEFAULT_MAX_ENTRIES = 256;
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    /** Estimated heap bytes per instruction and per node snapshot of a step, beyond its arena. */
    static final int OBJECT_BYTES_PER_NODE = 400;

    private final int maxEntries;
    private final long maxBytes;
    /** Hash chains: bucket heads, chained through {@link Step#bucketNext}. */
    private Step[] buckets = new Step[64];
    /** Least recently used order: head most recent, chained through {@link Step#lruNext}/{@link Step#lruPrev}. */
    private Step head, tail;
    private int size;
    private long bytes;
    private long hits, misses, evictions;
    /** The step most recently compiled or found: a dynamic graph rebuilt each step usually matches it again. */
    private Step last;
    private final ArenaPool arenas;

    /** A cache with the default limits ({@value #DEFAULT_MAX_ENTRIES} steps, 64 MiB). */
    public PlanCache() {
        this(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES);
    }

    /**
     * A cache holding at most {@code maxEntries} steps and about {@code maxBytes} bytes of them.
     *
     * @throws IllegalArgumentException if a limit is below 1
     */
    public PlanCache(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("PlanCache: limits must be >= 1, got " + maxEntries + " entries, " + maxBytes + " bytes");
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.arenas = new ArenaPool(maxBytes);
    }

    /**
     * The last step when the graph still has its structure, checked node by node without hashing
     * (the common case of a dynamic graph rebuilt identically every step); else null.
     */
    Step findLast(Graph g, Node out, CompileOptions options, TensorMath math) {
        Step s = last;
        if (s != null && s.matches(g, out, options, math)) {
            hits++;
            touch(s);
            return s;
        }
        return null;
    }

    /**
     * {@code unchanged}, the step the graph last compiled to, when the graph reports that no node
     * changed structure since (see {@link Graph#unchangedStep()}) and it is still the last plan of
     * this cache: only the output and the options are compared. Else null.
     */
    Step findUnchanged(Step unchanged, Graph g, Node out, CompileOptions options, TensorMath math) {
        if (unchanged != null && unchanged == last && unchanged.matchesUnchanged(g, out, options, math)) {
            hits++;
            return unchanged;
        }
        return null;
    }

    Step find(long hash, Graph g, Node out, CompileOptions options, TensorMath math) {
        for (Step s = buckets[bucket(hash)]; s != null; s = s.bucketNext) {
            if (s.cacheHash == hash && s.matches(g, out, options, math)) {
                hits++;
                touch(s);
                last = s;
                return s;
            }
        }
        misses++;
        return null;
    }

    void put(long hash, Step step) {
        step.cacheHash = hash;
        step.cacheBytes = step.plan().plannedBytes() + (long) OBJECT_BYTES_PER_NODE * step.nodeCount();
        if (size >= buckets.length) rehash(buckets.length * 2);
        int b = bucket(hash);
        step.bucketNext = buckets[b];
        buckets[b] = step;
        step.lruPrev = null;
        step.lruNext = head;
        if (head != null) head.lruPrev = step;
        head = step;
        if (tail == null) tail = step;
        size++;
        bytes += step.cacheBytes;
        last = step;
        while (size > maxEntries || bytes > maxBytes && size > 1) evict(tail);
    }

    /**
     * Before a new step is built: when the cache is full by entry count, evicts the least recently
     * used step now rather than when the new one is put. Its program is then garbage while the new
     * one is built (not copied by the collections the build triggers) and its arenas are in the pool
     * for the new step to take: with one entry, a graph of 10^6 nodes otherwise holds two steps of
     * that size at once. If the build fails, the step stays evicted (a later compile rebuilds it).
     */
    void makeRoom() {
        while (size >= maxEntries && tail != null) evict(tail);
    }

    /** A zero-length or recycled array of at least {@code length} elements for a new step's arena. */
    Object arena(DType dtype, int length) {
        return arenas.take(dtype, length);
    }

    private int bucket(long hash) {
        long h = hash ^ (hash >>> 29) ^ (hash >>> 47);
        return (int) (h & (buckets.length - 1));
    }

    private void rehash(int capacity) {
        Step[] old = buckets;
        buckets = new Step[capacity];
        for (Step chain : old) {
            for (Step s = chain; s != null; ) {
                Step next = s.bucketNext;
                int b = bucket(s.cacheHash);
                s.bucketNext = buckets[b];
                buckets[b] = s;
                s = next;
            }
        }
    }

    /** Moves a step to the most recently used end. */
    private void touch(Step s) {
        if (head == s) return;
        unlinkLru(s);
        s.lruNext = head;
        head.lruPrev = s;
        head = s;
    }

    private void unlinkLru(Step s) {
        if (s.lruPrev != null) s.lruPrev.lruNext = s.lruNext; else head = s.lruNext;
        if (s.lruNext != null) s.lruNext.lruPrev = s.lruPrev; else tail = s.lruPrev;
        s.lruPrev = s.lruNext = null;
    }

    private void evict(Step s) {
        unlinkLru(s);
        int b = bucket(s.cacheHash);
        if (buckets[b] == s) {
            buckets[b] = s.bucketNext;
        } else {
            Step p = buckets[b];
            while (p.bucketNext != s) p = p.bucketNext;
            p.bucketNext = s.bucketNext;
        }
        s.bucketNext = null;
        size--;
        bytes -= s.cacheBytes;
        evictions++;
        if (last == s) last = null;
        for (Object arena : s.evict()) arenas.give(arena);
    }

    /** Number of compiles answered from the cache. */
    public long hits() { return hits; }

    /** Number of compiles that planned a new step. */
    public long misses() { return misses; }

    /** Number of steps evicted to keep within the limits. */
    public long evictions() { return evictions; }

    /** Number of distinct plans held. */
    public int size() { return size; }

    /** Estimated bytes held by the cached steps (arenas plus objects). */
    public long bytes() { return bytes; }

    public int maxEntries() { return maxEntries; }

    public long maxBytes() { return maxBytes; }

    /** Drops every cached plan (the steps are evicted: they refuse to run afterwards). */
    public void clear() {
        while (tail != null) evict(tail);
        last = null;
    }

    @Override
    public String toString() {
        return String.format("plan cache: %d steps, %.1f MiB of %d / %.0f MiB; %d hits, %d misses, %d evictions; arena pool %.1f MiB",
                size, bytes / 1048576.0, maxEntries, maxBytes / 1048576.0, hits, misses, evictions, arenas.bytes / 1048576.0);
    }

    /**
     * Arrays of evicted steps' arenas, handed to new steps. Up to {@link #BUCKETED_MAX} elements
     * they are kept by dtype and power-of-two length; larger ones (the arena of a minibatch of 32
     * trees is some 20 MB, and a new minibatch is a new structure) are kept in a short list and
     * handed out best fit, allocated with a quarter more than asked so that the next structure,
     * a little larger, still fits. Bounded in bytes (the cache's own limit); an array that does not
     * fit is left to the garbage collector, and an arena larger than the bound (a static model,
     * planned once) is allocated at its exact size.
     */
    private static final class ArenaPool {
        static final int BUCKETED_MAX = 1 << 22;
        private final long maxBytes;
        @SuppressWarnings("unchecked")
        private final ArrayDeque<Object>[][] free = new ArrayDeque[DType.values().length][32];
        private final List<Object> large = new ArrayList<>();
        long bytes;

        ArenaPool(long maxBytes) { this.maxBytes = maxBytes; }

        Object take(DType dtype, int length) {
            if (length == 0) return dtype.newArray(0);
            if (length > BUCKETED_MAX) return takeLarge(dtype, length);
            int bucket = bucket(length);
            ArrayDeque<Object> q = free[dtype.ordinal()][bucket];
            if (q != null && !q.isEmpty()) {
                Object a = q.pop();
                bytes -= (long) DType.length(a) * dtype.bytes();
                return a;
            }
            return dtype.newArray(1 << bucket);
        }

        private Object takeLarge(DType dtype, int length) {
            int best = -1;
            for (int i = 0; i < large.size(); i++) {
                Object a = large.get(i);
                int l = DType.length(a);
                if (DType.of(a) == dtype && l >= length && (best < 0 || l < DType.length(large.get(best)))) best = i;
            }
            if (best >= 0) {
                Object a = large.remove(best);
                bytes -= (long) DType.length(a) * dtype.bytes();
                return a;
            }
            long roomy = length + (long) length / 4;
            boolean poolable = roomy * dtype.bytes() <= maxBytes && roomy <= Integer.MAX_VALUE - 16;
            return dtype.newArray(poolable ? (int) roomy : length);
        }

        void give(Object array) {
            int length = DType.length(array);
            if (length == 0) return;
            DType dtype = DType.of(array);
            long b = (long) length * dtype.bytes();
            if (length > BUCKETED_MAX) {
                // Make room by dropping smaller large arenas: the newest step's size is the likeliest next.
                while (bytes + b > maxBytes && dropSmallestLarge(b)) { }
                if (bytes + b > maxBytes) return;
                large.add(array);
                bytes += b;
                return;
            }
            if (Integer.bitCount(length) != 1 || bytes + b > maxBytes) return;
            int bucket = Integer.numberOfTrailingZeros(length);
            ArrayDeque<Object>[] byLength = free[dtype.ordinal()];
            if (byLength[bucket] == null) byLength[bucket] = new ArrayDeque<>();
            byLength[bucket].push(array);
            bytes += b;
        }

        /** Drops the smallest large arena if it is smaller than {@code than} bytes; false if none was dropped. */
        private boolean dropSmallestLarge(long than) {
            int smallest = -1;
            long smallestBytes = Long.MAX_VALUE;
            for (int i = 0; i < large.size(); i++) {
                Object a = large.get(i);
                long ab = (long) DType.length(a) * DType.of(a).bytes();
                if (ab < smallestBytes) {
                    smallest = i;
                    smallestBytes = ab;
                }
            }
            if (smallest < 0 || smallestBytes >= than) return false;
            large.remove(smallest);
            bytes -= smallestBytes;
            return true;
        }

        private static int bucket(int length) {
            return length <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(length - 1);
        }
    }
}
