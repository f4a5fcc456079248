package dev.quiver.graph;

import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Steady state allocates nothing: feed + forward + backward + optimiser step, measured per thread. */
class AllocationTest {
    /**
     * com.sun.management.ThreadMXBean#getThreadAllocatedBytes, reached through a public method
     * handle because the engine module does not read jdk.management (invokeExact: no boxing).
     */
    private static final MethodHandle ALLOCATED_BYTES;
    private static final Object THREADS;

    static {
        try {
            var lookup = MethodHandles.publicLookup();
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            THREADS = factory.getMethod("getThreadMXBean").invoke(null);
            Class<?> bean = Class.forName("com.sun.management.ThreadMXBean");
            ALLOCATED_BYTES = lookup.findVirtual(bean, "getThreadAllocatedBytes", MethodType.methodType(long.class, long.class))
                    .asType(MethodType.methodType(long.class, Object.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static long allocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invokeExact(THREADS, Thread.currentThread().threadId());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Bytes this thread allocates running r the given number of times. */
    static long allocated(Runnable r, int times) {
        allocatedBytes();
        long before = allocatedBytes();
        for (int i = 0; i < times; i++) r.run();
        return allocatedBytes() - before;
    }

    record Net(Step step, Node x, Node t, Tensor xData, Tensor tData) {}

    static Net net(TensorMath m, dev.quiver.tensor.DType dt) {
        var g = new Graph();
        var x = g.input("x", dt, 16, 8);
        var t = g.input("t", dt, 16, 3);
        var W = g.param("W", Init.xavierUniform(dt, 1, 8, 12));
        var b = g.param("b", Tensor.zeros(dt, 12));
        var V = g.param("V", Init.xavierUniform(dt, 2, 12, 3));
        var a = g.param("a", Tensor.zeros(dt, 3));
        var logits = x.matmul(W).add(b).tanh().matmul(V).add(a);
        var loss = Losses.softmaxCrossEntropy(logits, t).add(Losses.mse(logits, t));
        Step step = g.compile(loss, Backs.on(m).withWrt(W, b, V, a));
        return new Net(step, x, t, Tensor.uniform(dt, 3, -1, 1, 16, 8), Tensor.uniform(dt, 4, 0, 1, 16, 3));
    }

    static void assertSteadyStateAllocatesNothing(Net n, Optimizer opt) {
        Runnable iteration = () -> {
            n.step().feed(n.x(), n.xData()).feed(n.t(), n.tData()).forward().backward();
            opt.step();
        };
        // The first runs load classes and allocate; later, C2's tier transitions (OSR, deoptimisation)
        // occasionally allocate a few hundred bytes on this thread outside our code. A per-step
        // allocation would show in every window, so the best of several 200-step windows must be 0.
        allocated(iteration, 300);
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 8 && best != 0; window++) best = Math.min(best, allocated(iteration, 200));
        assertEquals(0, best, "bytes allocated by 200 steady-state training steps (best window)");
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void trainingStepWithSgdAllocatesNothing(TensorMath m) {
        Net n = net(m, F64);
        assertSteadyStateAllocatesNothing(n, new Sgd(n.step().parameters(), 0.01, 0.9, 1e-4, m));
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void float32TrainingStepWithAdamAllocatesNothing(TensorMath m) {
        Net n = net(m, F32);
        assertSteadyStateAllocatesNothing(n, new Adam(n.step().parameters(), 0.01, 0.9, 0.999, 1e-8, m));
    }
}
