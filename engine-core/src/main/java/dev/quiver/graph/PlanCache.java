package dev.quiver.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiled steps keyed by graph structure: ops and their attributes, edges, shapes, dtypes,
 * names, the identity of parameters and constants, and the compile options. A graph rebuilt with
 * the same structure gets the same {@link Step} back, rebound to its new nodes, with no planning
 * and no buffer allocation.
 */
public final class PlanCache {
    record Key(String structure, List<Object> identities) {
        @Override public boolean equals(Object o) {
            if (!(o instanceof Key k) || !structure.equals(k.structure) || identities.size() != k.identities.size()) return false;
            for (int i = 0; i < identities.size(); i++) if (identities.get(i) != k.identities.get(i)) return false;
            return true;
        }

        @Override public int hashCode() {
            int h = structure.hashCode();
            for (Object o : identities) h = 31 * h + System.identityHashCode(o);
            return h;
        }
    }

    private final Map<Key, Step> steps = new HashMap<>();
    private int hits, misses;

    Step get(Key key) {
        Step s = steps.get(key);
        if (s == null) misses++; else hits++;
        return s;
    }

    void put(Key key, Step step) { steps.put(key, step); }

    /** Number of compiles answered from the cache. */
    public int hits() { return hits; }

    /** Number of compiles that planned a new step. */
    public int misses() { return misses; }

    /** Number of distinct plans held. */
    public int size() { return steps.size(); }

    /** Drops every cached plan. */
    public void clear() { steps.clear(); }
}
