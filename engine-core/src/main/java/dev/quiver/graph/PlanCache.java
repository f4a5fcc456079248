package dev.quiver.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Compiled steps keyed by graph structure: ops (compared by value, so op records with array
 * fields define equals), edges, shapes, dtypes, names, the identity of parameters and constants,
 * the output and the compile options. A graph rebuilt with the same structure gets the same
 * {@link Step} back, rebound to its new nodes: no planning, no buffer allocation, and the lookup
 * itself allocates nothing (a structural hash, then a node-by-node comparison). A graph reset and
 * rebuilt with the very structure of its last compile skips even that comparison: the graph tracks
 * while building whether every recycled node came back unchanged.
 */
public final class PlanCache {
    private final List<Step> steps = new ArrayList<>();
    private final List<Long> hashes = new ArrayList<>();
    private long[] hashArray = new long[0];
    private int hits, misses;
    /** The step most recently compiled or found: a dynamic graph rebuilt each step usually matches it again. */
    private Step last;

    /**
     * The last step when the graph still has its structure, checked node by node without hashing
     * (the common case of a dynamic graph rebuilt identically every step); else null.
     */
    Step findLast(Graph g, Node out, CompileOptions options, dev.quiver.tensor.TensorMath math) {
        Step s = last;
        if (s != null && s.matches(g, out, options, math)) {
            hits++;
            return s;
        }
        return null;
    }

    /**
     * {@code unchanged}, the step the graph last compiled to, when the graph reports that no node
     * changed structure since (see {@link Graph#unchangedStep()}) and it is still the last plan of
     * this cache: only the output and the options are compared. Else null.
     */
    Step findUnchanged(Step unchanged, Graph g, Node out, CompileOptions options, dev.quiver.tensor.TensorMath math) {
        if (unchanged != null && unchanged == last && unchanged.matchesUnchanged(g, out, options, math)) {
            hits++;
            return unchanged;
        }
        return null;
    }

    Step find(long hash, Graph g, Node out, CompileOptions options, dev.quiver.tensor.TensorMath math) {
        for (int i = 0; i < hashArray.length; i++) {
            if (hashArray[i] == hash && steps.get(i).matches(g, out, options, math)) {
                hits++;
                last = steps.get(i);
                return last;
            }
        }
        misses++;
        return null;
    }

    void put(long hash, Step step) {
        steps.add(step);
        hashes.add(hash);
        last = step;
        hashArray = hashes.stream().mapToLong(Long::longValue).toArray();
    }

    /** Number of compiles answered from the cache. */
    public int hits() { return hits; }

    /** Number of compiles that planned a new step. */
    public int misses() { return misses; }

    /** Number of distinct plans held. */
    public int size() { return steps.size(); }

    /** Drops every cached plan. */
    public void clear() {
        steps.clear();
        hashes.clear();
        last = null;
        hashArray = new long[0];
    }
}
