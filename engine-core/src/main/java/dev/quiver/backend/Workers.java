package dev.quiver.backend;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;

/**
 * A backend's own small pool of worker threads (the common ForkJoinPool has parallelism 1 on a
 * 2-CPU machine). Work is partitioned statically: task t always runs as one unit, so a kernel
 * that gives each task a fixed slice of the output is bitwise reproducible for any thread count.
 * Worker threads are daemons; the caller runs a share of the tasks itself.
 */
public final class Workers {
    private final int threads;
    private final ExecutorService pool;

    public Workers(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "quiver-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(t)} for every task t in [0, tasks), spread over the threads, and
     * returns when all are done. With one thread or one task it runs inline and allocates nothing;
     * otherwise it allocates a few small objects per call, so use it only for work well above the
     * ~10 µs a round trip costs. Exceptions from tasks are rethrown.
     */
    public void parallelFor(int tasks, IntConsumer body) {
        if (tasks <= 0) return;
        int workers = Math.min(threads, tasks);
        if (workers == 1) {
            for (int t = 0; t < tasks; t++) body.accept(t);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[workers - 1];
        for (int w = 1; w < workers; w++) {
            final int worker = w;
            futures[w - 1] = pool.submit(() -> {
                for (int t = worker; t < tasks; t += workers) body.accept(t);
            });
        }
        for (int t = 0; t < tasks; t += workers) body.accept(t);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for workers", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) throw r;
                if (cause instanceof Error err) throw err;
                throw new IllegalStateException(cause);
            }
        }
    }
}
