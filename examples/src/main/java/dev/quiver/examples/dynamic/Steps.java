package dev.quiver.examples.dynamic;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.graph.StepPipeline;

import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The examples' training steps, one minibatch (an array of example indices) each: built and compiled
 * on a second thread while the previous step runs ({@link StepPipeline}, {@code --pipeline on}), or
 * on the training thread. The same submit/take calls either way, and the same results, bit for bit.
 */
final class Steps implements AutoCloseable {
    private final StepPipeline<int[]> pipeline;
    private final BiFunction<Graph, int[], Node> build;
    private final CompileOptions options;
    private final Graph graph;
    private int[] submitted;

    Steps(boolean pipelined, BiFunction<Graph, int[], Node> build, CompileOptions options) {
        this(pipelined, build, options, Graph::new);
    }

    /** @param graphs the graphs to build in (two when pipelined), for their plan caches' limits */
    Steps(boolean pipelined, BiFunction<Graph, int[], Node> build, CompileOptions options, Supplier<Graph> graphs) {
        this.build = build;
        this.options = options;
        this.pipeline = pipelined ? new StepPipeline<>(build, options, graphs.get(), graphs.get()) : null;
        this.graph = pipelined ? null : graphs.get();
    }

    static Supplier<Graph> cached(int entries, long bytes) {
        return () -> new Graph(new PlanCache(entries, bytes));
    }

    void submit(int[] batch) {
        if (pipeline != null) pipeline.submit(batch); else submitted = batch;
    }

    Step take() {
        if (pipeline != null) return pipeline.take();
        graph.reset();
        return graph.compile(build.apply(graph, submitted), options);
    }

    @Override
    public void close() {
        if (pipeline != null) pipeline.close();
    }
}
