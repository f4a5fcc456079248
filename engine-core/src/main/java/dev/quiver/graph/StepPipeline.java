package dev.quiver.graph;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * Builds and compiles the next example's (or minibatch's) graph on a second thread while the caller
 * runs the current step: for dynamic graphs, where building and planning a new structure costs as
 * much as running it, a training loop keeps both cores busy.
 *
 * <pre>{@code
 * try (var pipeline = new StepPipeline<List<Tree>>((g, trees) -> model.loss(g, trees), training)) {
 *     pipeline.submit(batches.get(0));
 *     for (int i = 0; i < batches.size(); i++) {
 *         Step step = pipeline.take();                          // the step of the batch submitted last
 *         if (i + 1 < batches.size()) pipeline.submit(batches.get(i + 1));
 *         step.forward();
 *         step.backward();
 *         optimizer.step();
 *     }
 * }
 * }</pre>
 *
 * Two graphs alternate, each with its own plan cache, so the graph of the step being run is never
 * the one being rebuilt: at most one submitted build is outstanding, and a step taken stays valid
 * until the second {@link #submit} after it. Compiling reads only the parameters' identities, never
 * their values, so it may overlap the running step's forward, backward and update; the results
 * are bitwise those of building and compiling on the caller's thread.
 */
public final class StepPipeline<T> implements AutoCloseable {
    private final BiFunction<Graph, T, Node> build;
    private final CompileOptions options;
    private final Graph[] graphs;
    private final ExecutorService worker;
    private Future<Step> pending;
    private int next;

    /**
     * @param build   builds an example's output (its loss) in the graph given, which has been reset
     * @param options how to compile it (e.g. training with autobatching)
     */
    public StepPipeline(BiFunction<Graph, T, Node> build, CompileOptions options) {
        this(build, options, new Graph(), new Graph());
    }

    /** As above, on two graphs of the caller's (for their plan caches' limits); they must differ. */
    public StepPipeline(BiFunction<Graph, T, Node> build, CompileOptions options, Graph first, Graph second) {
        if (first == second) throw new IllegalArgumentException("StepPipeline: the two graphs must differ");
        this.build = build;
        this.options = options;
        this.graphs = new Graph[] {first, second};
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quiver-step-pipeline");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts building and compiling {@code example}'s step on the pipeline's thread. */
    public void submit(T example) {
        if (pending != null) throw new IllegalStateException("StepPipeline: take() the submitted step before submitting another");
        Graph g = graphs[next];
        next ^= 1;
        pending = worker.submit(() -> {
            g.reset();
            return g.compile(build.apply(g, example), options);
        });
    }

    /** The step of the example submitted last, waiting for its compile; build errors are rethrown as they were. */
    public Step take() {
        if (pending == null) throw new IllegalStateException("StepPipeline: nothing submitted");
        Future<Step> f = pending;
        pending = null;
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("StepPipeline: interrupted while waiting for a compile", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops the pipeline's thread (a build in progress finishes first). */
    @Override
    public void close() {
        worker.shutdown();
    }
}
