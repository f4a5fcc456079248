package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Correctness of dynamic use: parameters asked for twice, steps and threads, replicas over shared parameters. */
class DynamicUseTest {
    private static final TensorMath M = Backs.all().findFirst().orElseThrow();

    @Test
    void aParameterAskedForTwiceIsOneNode() {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(1, 2, 3));
        Node a = g.param(w), b = g.param(w);
        assertSame(a, b);
        Step s = g.compile(a.dot(b), Backs.on(M));     // f = w.w, df/dw = 2w: one gradient, both uses summed
        s.forward().backward();
        assertEquals(14, s.output().item());
        assertEquals(2, w.grad().get(0));
        assertEquals(6, w.grad().get(2));
        var other = new Parameter("w", Tensor.vector(1, 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> g.param(other));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        g.reset();                                      // after a reset, the parameter gets a node again
        assertSame(g.param(w), g.param(w));
    }

    @Test @org.junit.jupiter.api.Timeout(30)   // without the guard the second forward would block on the latch
    void aStepRunningOnOneThreadRefusesASecond() throws Exception {
        var g = new Graph();
        var x = g.input("x", F64, 1);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        // A custom op whose forward blocks, so the first thread is inside forward while the second calls it.
        Op blocking = new Op() {
            @Override public String name() { return "blocking"; }
            @Override public int[] shape(dev.quiver.ops.Operand[] in) { return in[0].shape(); }
            @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
                return m -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    m.copy(in[0], out);
                };
            }
            @Override public <V extends dev.quiver.ops.Value<V>> V[] vjp(V[] in, V out, V grad, boolean[] needed) { return Op.grads(in, grad); }
        };
        Step s = g.compile(g.apply(blocking, x).sum(), CompileOptions.inferenceOnly().withMath(M));
        s.feed("x", Tensor.vector(2));
        Thread first = new Thread(() -> {
            try {
                s.forward();
            } catch (Throwable t) {
                seen.set(t);
            }
        }, "first-runner");
        first.start();
        inside.await();
        var e = assertThrows(IllegalStateException.class, s::forward);
        assertTrue(e.getMessage().contains("first-runner") && e.getMessage().contains("replica"), e.getMessage());
        release.countDown();
        first.join();
        assertEquals(null, seen.get());
        assertEquals(2, s.forward().output().item());   // free again once the first thread left
    }

    /** Loss of one example: (w . x - y)^2. */
    private static Step example(Graph g, Parameter w, double[] x, double y) {
        g.reset();
        Node loss = g.param(w).dot(g.constant(Tensor.vector(x))).sub(y).square();
        return g.compile(loss, Backs.on(M));
    }

    @Test
    void replicasOnThreadsSumToTheSingleThreadGradient() throws Exception {
        double[][] xs = {{1, 2}, {0.5, -1}, {-2, 0.25}, {3, 1}, {1, 1}, {-1, 2}};
        double[] ys = {1, -1, 0.5, 2, 0, 1};
        var w = new Parameter("w", Tensor.vector(0.3, -0.2));
        // Reference: one thread, gradients of all examples summed in order.
        double[] expected = new double[2];
        var g = new Graph();
        for (int i = 0; i < xs.length; i++) {
            example(g, w, xs[i], ys[i]).forward().backward();
            expected[0] += w.grad().get(0);
            expected[1] += w.grad().get(1);
        }
        int threads = 2;
        List<Parameter> replicas = List.of(w.replica(), w.replica());
        Thread[] ts = new Thread[threads];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    var mine = new Graph();
                    Parameter r = replicas.get(id);
                    double[] acc = new double[2];
                    for (int i = id; i < xs.length; i += threads) {
                        example(mine, r, xs[i], ys[i]).forward().backward();
                        acc[0] += r.grad().get(0);
                        acc[1] += r.grad().get(1);
                    }
                    r.grad().set(acc[0], 0);
                    r.grad().set(acc[1], 1);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(null, failure.get());
        w.sumGradients(replicas);
        assertEquals(expected[0], w.grad().get(0), 1e-12);
        assertEquals(expected[1], w.grad().get(1), 1e-12);
        assertSame(w.value(), replicas.get(0).value());
        assertThrows(IllegalArgumentException.class, () -> w.sumGradients(List.of(new Parameter("w", Tensor.vector(0, 0)))));
    }

    @Test
    void backwardMarksParameterGradientsWritten() {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(1, 2));
        var unused = new Parameter("u", Tensor.vector(1, 2));
        long before = w.gradientVersion();
        Step s = g.compile(g.param(w).square().sum(), Backs.on(M));
        s.forward();
        assertEquals(before, w.gradientVersion());
        s.backward();
        assertEquals(before + 1, w.gradientVersion());
        assertEquals(0, unused.gradientVersion());
    }

    @Test
    void aNodeKeptAcrossAResetIsRefusedNotAliased() {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(1, 2));
        Node h = g.param(w).tanh();                        // built in the first example
        Step first = g.compile(h.sum(), Backs.on(M));
        g.reset();
        Node h2 = g.param(w).tanh();                       // the same structure again: recycled objects
        var e = assertThrows(IllegalStateException.class, () -> h.add(h2));
        assertTrue(e.getMessage().contains("reset()"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> g.compile(h));
        Step s = g.compile(h2.sum(), Backs.on(M));
        assertSame(first, s);                              // the plan is still shared
        assertThrows(IllegalStateException.class, () -> s.value(h));
        assertThrows(IllegalStateException.class, () -> s.grad(h));
        g.reset();                                         // two resets later the pools alternate back
        Node h3 = g.param(w).exp();
        assertThrows(IllegalStateException.class, () -> h2.add(h3));
    }

    @Test
    void aNewStructureReusesTheNodeHandlesOfTwoBuildsAgo() {
        var g = new Graph();
        var w = new Parameter("w", Tensor.vector(1, 2));
        Node h = g.param(w).tanh().mul(2.0);               // build 1: param, tanh, mul
        List<Node> first = List.copyOf(g.nodes());
        g.reset();
        Node e = g.param(w).exp().sum();                   // build 2, the other pool: param, exp, sum
        var stale = assertThrows(IllegalStateException.class, () -> h.add(e));
        // The stale node still describes itself from its own build, not from the slot's new occupant.
        assertTrue(stale.getMessage().contains("node mul_scalar#2 was built before"), stale.getMessage());
        g.reset();
        Node s = g.param(w).square().neg().add(1.0);       // build 3, a different structure in build 1's pool
        List<Node> third = g.nodes();
        for (int i = 0; i < first.size(); i++) assertSame(first.get(i), third.get(i), "node " + i);
        assertEquals("neg", third.get(2).op().name());
        Step step = g.compile(s.sum(), Backs.on(M));
        step.forward();
        assertEquals(1 - 1 + 1 - 4, step.output().item(), 1e-12);
    }

    @Test
    void sparseReplicaGradientsSumToASparseGradient() {
        var E = new Parameter("E", Tensor.zeros(F64, 6, 2));
        Parameter r0 = E.replica(), r1 = E.replica();
        Tensor a = Tensor.randn(F64, Seed.of(5), 6, 2), b = Tensor.randn(F64, Seed.of(6), 6, 2);
        SparseGrads.write(r0, a, 1, 4);
        SparseGrads.write(r1, b, 4, 5);
        E.sumGradients(List.of(r0, r1));
        assertEquals(3, E.sparseRows().size());
        for (int row = 0; row < 6; row++) {
            for (int j = 0; j < 2; j++) {
                double expected = (row == 1 || row == 4 ? a.get(row, j) : 0) + (row == 4 || row == 5 ? b.get(row, j) : 0);
                assertEquals(expected, E.grad().get(row, j), 0, "row " + row);
            }
        }
        SparseGrads.dense(r1);                      // one dense replica: the sum is dense
        E.sumGradients(List.of(r0, r1));
        assertEquals(null, E.sparseRows());
        for (int j = 0; j < 2; j++) {                // r1's rows other than 4 and 5 are zero
            assertEquals(a.get(1, j), E.grad().get(1, j), 0);
            assertEquals(a.get(4, j) + b.get(4, j), E.grad().get(4, j), 1e-15);
        }
    }
}
