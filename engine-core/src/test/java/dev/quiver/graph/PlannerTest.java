package dev.quiver.graph;

import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The buffer planner's bars: 1.0x the lower bound on chains, within 1.10x on the two-layer net and random graphs. */
class PlannerTest {
    private static final TensorMath M = Backs.all().findFirst().orElseThrow();

    private static Node chain(Graph g, int length) {
        Node x = g.input("x", F64, 64);
        for (int i = 0; i < length; i++) x = i % 2 == 0 ? x.tanh() : x.exp();
        return x.sum();
    }

    @Test
    void straightChainIsOptimalForInference() {
        var g = new Graph();
        PlanReport r = g.compile(chain(g, 10), CompileOptions.inferenceOnly().withMath(M)).plan();
        assertEquals(1.0, r.ratioToLowerBound(), 0, r.toString());
        assertTrue(r.naiveBytes() > 3 * r.plannedBytes(), "buffers are reused: " + r);
    }

    @Test
    void straightChainIsOptimalForTraining() {
        var g = new Graph();
        PlanReport r = g.compile(chain(g, 10), Backs.on(M)).plan();
        assertEquals(1.0, r.ratioToLowerBound(), 0, r.toString());
    }

    @Test
    void twoLayerNetWithinTenPercent() {
        var g = new Graph();
        var x = g.input("x", F64, 64, 784);
        var t = g.input("t", F64, 64, 10);
        var W = g.param("W", Init.xavierUniform(F64, Seed.of(1), 784, 256));
        var b = g.param("b", Tensor.zeros(F64, 256));
        var V = g.param("V", Init.xavierUniform(F64, Seed.of(2), 256, 10));
        var a = g.param("a", Tensor.zeros(F64, 10));
        var loss = Losses.softmaxCrossEntropy(x.matmul(W).add(b).tanh().matmul(V).add(a), t);
        PlanReport train = g.compile(loss, Backs.on(M).withWrt(W, b, V, a)).plan();
        assertTrue(train.ratioToLowerBound() <= 1.10, train.toString());
        PlanReport infer = g.compile(loss, CompileOptions.inferenceOnly().withMath(M)).plan();
        assertTrue(infer.ratioToLowerBound() <= 1.10, infer.toString());
        System.out.println("two-layer 784-256-10 batch 64, training " + train + "; inference " + infer);
    }

    /** Random DAGs of elementwise, matmul and reduction ops over a few shapes. */
    @Test
    void randomGraphsWithinTenPercent() {
        double worst = 0;
        for (int trial = 0; trial < 40; trial++) {
            SplittableRandom rnd = new SplittableRandom(trial);
            var g = new Graph();
            int n = 4 + rnd.nextInt(12);
            int[] sizes = {8, 16, 32};
            List<Node> pool = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int s = sizes[rnd.nextInt(3)];
                pool.add(g.param("p" + i, Tensor.randn(F64, Seed.of(trial * 10 + i), s, s)));
            }
            pool.add(g.input("x", F64, 16, 16));
            for (int i = 0; i < n; i++) {
                Node a = pool.get(rnd.nextInt(pool.size()));
                Node b = pool.get(rnd.nextInt(pool.size()));
                Node c;
                switch (rnd.nextInt(5)) {
                    case 0 -> c = a.tanh();
                    case 1 -> c = a.dim(0) == b.dim(0) ? a.mul(b) : a.exp();
                    case 2 -> c = a.dim(1) == b.dim(0) ? a.matmul(b) : a.square();
                    case 3 -> c = a.sum(true, 1).mul(a);
                    default -> c = a.add(1.0).sigmoid();
                }
                pool.add(c);
            }
            Node loss = pool.getLast().sum();
            for (int i = pool.size() - 2; i >= pool.size() - 3; i--) loss = loss.add(pool.get(i).mean());
            PlanReport r = g.compile(loss, Backs.on(M)).plan();
            worst = Math.max(worst, r.ratioToLowerBound());
            assertTrue(r.ratioToLowerBound() <= 1.10, "trial " + trial + ": " + r);
        }
        System.out.println("planner: worst ratio over 40 random graphs " + worst);
    }

    /** Both placements never give two buffers that are live at the same time overlapping memory. */
    @Test
    void placementsAreValidOnRandomIntervals() {
        for (int trial = 0; trial < 200; trial++) {
            SplittableRandom rnd = new SplittableRandom(1000 + trial);
            int n = 1 + rnd.nextInt(trial < 100 ? 60 : 3000);
            long[] sizes = new long[n];
            int[] start = new int[n], end = new int[n];
            for (int i = 0; i < n; i++) {
                sizes[i] = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 300);
                start[i] = rnd.nextInt(2 * n);
                end[i] = start[i] + rnd.nextInt(1 + rnd.nextInt(40));
            }
            for (Planner.Assignment a : List.of(Planner.sweep(sizes, start, end), Planner.plan(sizes, start, end))) {
                for (int i = 0; i < n; i++) {
                    assertTrue(a.offsets()[i] >= 0 && a.offsets()[i] + sizes[i] <= a.arenaSize(), "inside the arena");
                    for (int j = i + 1; j < n && n <= 600; j++) {
                        boolean timeOverlap = start[i] <= end[j] && start[j] <= end[i];
                        boolean spaceOverlap = a.offsets()[i] < a.offsets()[j] + sizes[j] && a.offsets()[j] < a.offsets()[i] + sizes[i];
                        assertTrue(!(timeOverlap && spaceOverlap && sizes[i] > 0 && sizes[j] > 0),
                                "trial " + trial + ": buffers " + i + " and " + j + " overlap");
                    }
                }
                assertTrue(a.arenaSize() >= Planner.lowerBound(sizes, start, end));
            }
        }
    }

    /** A tree-shaped dynamic graph (thousands of buffers, the O(n log n) placement) stays near the lower bound. */
    @Test
    void largeTreeGraphsPlanNearTheLowerBound() {
        var g = new Graph();
        var E = g.param("E", Tensor.randn(F64, Seed.of(3), 30, 8));
        var W = g.param("W", Tensor.randn(F64, Seed.of(4), 8, 16));
        SplittableRandom rnd = new SplittableRandom(7);
        List<Node> frontier = new ArrayList<>();
        for (int i = 0; i < 400; i++) frontier.add(E.slice(dev.quiver.tensor.Index.at(rnd.nextInt(30))));
        while (frontier.size() > 1) {
            Node a = frontier.remove(rnd.nextInt(frontier.size())), b = frontier.remove(rnd.nextInt(frontier.size()));
            frontier.add(W.matmul(g.concat(0, a, b)).tanh());
        }
        PlanReport r = g.compile(frontier.getFirst().square().sum(), Backs.on(M)).plan();
        assertTrue(r.buffers() > Planner.BEST_FIT_LIMIT, r.toString());
        assertTrue(r.ratioToLowerBound() <= 1.5, r.toString());
        System.out.println("tree of 400 leaves, training: " + r);
    }

    /** A large weight used n times: its gradient terms are summed as they arrive, so the arena does not grow with n. */
    @Test
    void aSharedWeightsGradientDoesNotGrowTheArenaWithItsUses() {
        long[] planned = new long[2];
        int[] uses = {8, 40};
        for (int k = 0; k < 2; k++) {
            var g = new Graph();
            var W = g.param("W", Tensor.randn(F64, Seed.of(9), 64, 64));
            Node h = g.input("x", F64, 64);
            for (int i = 0; i < uses[k]; i++) h = W.matmul(h).tanh();
            planned[k] = g.compile(h.sum(), Backs.on(M)).plan().plannedBytes();
        }
        long weight = 64 * 64 * 8;
        assertTrue(planned[1] - planned[0] < weight, planned[0] + " B for 8 uses, " + planned[1] + " B for 40");
    }
}
