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

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new PlanCache(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PlanCache(10, 0));
    }
}
