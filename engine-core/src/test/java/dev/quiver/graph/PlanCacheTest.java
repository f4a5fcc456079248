package dev.quiver.graph;

import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan cache is bounded (entries and bytes, least recently used first) and evicted steps refuse to run. */
class PlanCacheTest {
    private static final TensorMath M = Backs.all().findFirst().orElseThrow();

    /** A chain of {@code length} tanh nodes on a parameter: a distinct structure per length. */
    private static Step chain(Graph g, Parameter w, int length) {
        g.reset();
        Node x = g.param(w);
        for (int i = 0; i < length; i++) x = x.tanh();
        return g.compile(x.sum(), Backs.on(M));
    }

    @Test
    void leastRecentlyUsedStepsAreEvictedAtTheEntryLimit() {
        var g = new Graph(new PlanCache(2, 1L << 30));
        var w = new Parameter("w", Tensor.vector(0.5, -0.25));
        Step one = chain(g, w, 1), two = chain(g, w, 2);
        assertSame(one, chain(g, w, 1));            // hit: 1 is now the most recent
        Step three = chain(g, w, 3);                // evicts 2, the least recently used
        assertEquals(2, g.planCache().size());
        assertEquals(1, g.planCache().evictions());
        assertTrue(two.isEvicted());
        assertTrue(!one.isEvicted() && !three.isEvicted());
        var e = assertThrows(IllegalStateException.class, two::forward);
        assertTrue(e.getMessage().contains("evicted"), e.getMessage());
        assertThrows(IllegalStateException.class, two::output);
        assertSame(one, chain(g, w, 1));
        Step twoAgain = chain(g, w, 2);             // recompiled: a new, working step
        assertNotSame(two, twoAgain);
        twoAgain.forward().backward();
        double expected = Math.tanh(Math.tanh(0.5)) + Math.tanh(Math.tanh(-0.25));
        assertEquals(expected, twoAgain.output().item(), 1e-15);
        assertEquals(3, g.planCache().misses() - 1);   // 1, 2, 3, 2 again
        assertTrue(g.planCache().toString().contains("evictions"), g.planCache().toString());
    }

    @Test
    void theByteLimitEvictsButKeepsTheNewestStep() {
        var g = new Graph(new PlanCache(1000, 1));  // every step is over the limit alone
        var w = new Parameter("w", Tensor.zeros(F64, 64));
        for (int n = 1; n <= 20; n++) {
            Step s = chain(g, w, n);
            assertEquals(1, g.planCache().size());
            s.forward().backward();                 // the newest step always runs
        }
        assertEquals(19, g.planCache().evictions());
    }

    @Test
    void manyDistinctStructuresStayWithinTheLimits() {
        var cache = new PlanCache(16, 1L << 20);
        var g = new Graph(cache);
        var w = new Parameter("w", Tensor.zeros(F64, 32));
        for (int n = 1; n <= 300; n++) chain(g, w, n).forward().backward();
        assertTrue(cache.size() <= 16, cache.toString());
        assertTrue(cache.bytes() <= 1L << 20, cache.toString());
        assertEquals(300, cache.misses());
        assertTrue(cache.evictions() >= 284, cache.toString());
    }

    /**
     * A new structure takes the arena an evicted one gave back, also when arenas are too large for
     * the power-of-two buckets (a minibatch of trees: some 20 MB each, a new structure per step).
     * A step is evicted after the next one is planned, so a new structure reuses the arena of the
     * one before the last.
     */
    @Test
    void largeArenasOfEvictedStepsAreReused() {
        var g = new Graph(new PlanCache(1, PlanCache.DEFAULT_MAX_BYTES));
        var w = new Parameter("w", Tensor.zeros(dev.quiver.tensor.DType.F32, 4_500_000));   // above the bucketed sizes
        Step two = chain(g, w, 2);
        Object twoArena = two.output().data();
        Step one = chain(g, w, 1);                  // evicts two: its arena goes to the pool
        Object oneArena = one.output().data();
        assertTrue(two.isEvicted());
        Step twoAgain = chain(g, w, 2);             // takes two's arena; evicts one
        assertTrue(twoAgain.output().data() == twoArena, "a new structure's arena is the evicted step's");
        Step oneAgain = chain(g, w, 1);             // best fit: one's smaller arena, not twoAgain's
        assertTrue(oneAgain.output().data() == oneArena, "the smallest pooled arena that fits");
        oneAgain.forward().backward();
        assertEquals(0.0, oneAgain.output().item());
        assertEquals(3, g.planCache().evictions());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new PlanCache(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PlanCache(10, 0));
    }

    /** Small constants are data: a rebuild with other values (a one-hot target) reuses the plan and computes with the new values. */
    @Test
    void smallConstantsAreDataNotStructure() {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(0.5, -1.0, 2.0));
        Step first = null;
        for (int k = 0; k < 3; k++) {
            g.reset();
            double[] target = new double[3];
            target[k] = 1;
            Node loss = g.param(w).sub(g.constant(Tensor.vector(target))).square().sum();
            Step s = g.compile(loss, Backs.on(M));
            if (first == null) first = s;
            assertSame(first, s);
            s.forward().backward();
            double expected = 0;
            for (int i = 0; i < 3; i++) expected += Math.pow(w.value().get(i) - target[i], 2);
            assertEquals(expected, s.output().item(), 1e-15);
            assertEquals(2 * (w.value().get(k) - 1), w.grad().get(k), 1e-15);
        }
        assertEquals(1, g.planCache().misses());
        // A large constant is bound by reference: another tensor is another plan.
        var big = new Parameter("big", Tensor.zeros(F64, Graph.DATA_CONSTANT_MAX + 1));
        g.reset();
        Step a = g.compile(g.param(big).add(g.constant(Tensor.zeros(F64, Graph.DATA_CONSTANT_MAX + 1))).sum(), Backs.on(M));
        g.reset();
        Step b = g.compile(g.param(big).add(g.constant(Tensor.zeros(F64, Graph.DATA_CONSTANT_MAX + 1))).sum(), Backs.on(M));
        assertNotSame(a, b);
    }
}
