package dev.quiver.backend;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.*;

class WorkersTest {
    @Test
    void everyTaskRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            Workers w = new Workers(threads);
            for (int tasks : new int[] {0, 1, 2, 5, 100}) {
                for (int rep = 0; rep < 50; rep++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, tasks));
                    w.parallelFor(tasks, runs::incrementAndGet);
                    for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), threads + " threads, task " + t + " of " + tasks);
                }
            }
        }
    }

    @Test
    void exceptionsReachTheCallerAndThePoolSurvives() {
        Workers w = new Workers(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.parallelFor(4, t -> {
            if (t == 1) throw new IllegalStateException("task 1 failed");
        }));
        assertEquals("task 1 failed", e.getMessage());
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        w.parallelFor(4, runs::incrementAndGet);
        for (int t = 0; t < 4; t++) assertEquals(1, runs.get(t));
    }

    @Test
    void concurrentCallersAndNestedCalls() throws InterruptedException {
        Workers w = new Workers(2);
        AtomicIntegerArray runs = new AtomicIntegerArray(2 * 1000);
        Thread[] callers = new Thread[2];
        for (int c = 0; c < 2; c++) {
            int base = c * 1000;
            callers[c] = new Thread(() -> {
                for (int rep = 0; rep < 100; rep++) {
                    int slot = base + rep * 10;
                    w.parallelFor(10, t -> runs.incrementAndGet(slot + t));
                }
            });
            callers[c].start();
        }
        for (Thread t : callers) t.join(30_000);
        for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i), "slot " + i);
        // a task that calls parallelFor again runs the inner loop inline instead of deadlocking
        AtomicIntegerArray inner = new AtomicIntegerArray(6);
        w.parallelFor(2, t -> w.parallelFor(3, u -> inner.incrementAndGet(t * 3 + u)));
        for (int i = 0; i < 6; i++) assertEquals(1, inner.get(i));
    }

    @Test
    void reusedBodyAllocatesNothing() throws Throwable {
        Workers w = new Workers(2);
        long[] sink = new long[64];
        IntConsumer body = t -> sink[t] += t;
        var bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        var counter = java.lang.invoke.MethodHandles.publicLookup()
                .findVirtual(Class.forName("com.sun.management.ThreadMXBean"), "getCurrentThreadAllocatedBytes",
                        java.lang.invoke.MethodType.methodType(long.class)).bindTo(bean);
        for (int i = 0; i < 20_000; i++) w.parallelFor(64, body);
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 5 && least > 0; round++) {
            long before = (long) counter.invokeExact();
            for (int i = 0; i < 2000; i++) w.parallelFor(64, body);
            least = Math.min(least, (long) counter.invokeExact() - before);
        }
        assertEquals(0, least);
    }
}
