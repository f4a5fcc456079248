package dev.quiver.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A backend's own small pool of worker threads (the common ForkJoinPool has parallelism 1 on a
 * 2-CPU machine). Work is partitioned statically: task t always runs as one unit, so a kernel
 * that gives each task a fixed slice of the output is bitwise reproducible for any thread count.
 * Worker threads are daemons, started on the first parallel call, that park between calls; the
 * caller runs a share of the tasks itself.
 *
 * <p>{@link #parallelFor} allocates nothing, so kernels may use it on hot paths; pass it an
 * {@link IntConsumer} that is not a fresh capturing lambda (reuse one object) to keep the whole
 * call allocation-free. Calls from different threads are serialised; a call made from inside a
 * task runs inline on the calling thread.
 */
public final class Workers {
    private final int threads;
    private final Helper[] helpers;
    private final ReentrantLock callLock = new ReentrantLock();
    private final AtomicInteger remaining = new AtomicInteger();

    // The current job: written by the caller under callLock before it hands out the job, read
    // by helpers after they observe their (volatile) assignment.
    private IntConsumer body;
    private int tasks;
    private int active;
    private Thread caller;
    private volatile Throwable failure;
    private int generation;
    private boolean started;

    public Workers(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int w = 1; w < threads; w++) helpers[w - 1] = new Helper(w);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(t)} for every task t in [0, tasks), spread over the threads (thread
     * w runs tasks w, w + W, w + 2W, ... for W = min(threads, tasks)), and returns when all are
     * done. The first exception thrown by a task is rethrown here after every thread has finished.
     */
    public void parallelFor(int tasks, IntConsumer body) {
        if (tasks <= 0) return;
        int workers = Math.min(threads, tasks);
        if (workers == 1 || callLock.isHeldByCurrentThread() || Thread.currentThread() instanceof Helper) {
            for (int t = 0; t < tasks; t++) body.accept(t);
            return;
        }
        callLock.lock();
        try {
            if (!started) {
                // Threads start on the first parallel call: a backend that never splits work costs none.
                for (Helper h : helpers) h.start();
                started = true;
            }
            this.body = body;
            this.tasks = tasks;
            this.active = workers;
            this.caller = Thread.currentThread();
            this.failure = null;
            remaining.set(workers - 1);
            int job = ++generation;
            for (int w = 1; w < workers; w++) {
                Helper h = helpers[w - 1];
                h.assigned = job; // volatile write: publishes the job fields above
                LockSupport.unpark(h);
            }
            Throwable own = null;
            try {
                for (int t = 0; t < tasks; t += workers) body.accept(t);
            } catch (Throwable e) {
                own = e;
            }
            while (remaining.get() != 0) LockSupport.park(this);
            Throwable first = own != null ? own : failure;
            if (first instanceof RuntimeException r) throw r;
            if (first instanceof Error err) throw err;
            if (first != null) throw new IllegalStateException(first);
        } finally {
            this.body = null;
            this.caller = null;
            callLock.unlock();
        }
    }

    private final class Helper extends Thread {
        private final int index;
        volatile int assigned;

        Helper(int index) {
            super("quiver-worker-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            int done = 0;
            while (true) {
                int job;
                while ((job = assigned) == done) LockSupport.park(this);
                done = job;
                // The caller waits for every assigned helper before it touches the job fields again.
                IntConsumer work = body;
                int n = tasks, stride = active;
                try {
                    for (int t = index; t < n; t += stride) work.accept(t);
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                }
                Thread waiting = caller;
                if (remaining.decrementAndGet() == 0) LockSupport.unpark(waiting);
            }
        }
    }
}
