package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static dev.quiver.tensor.DType.F32;

/**
 * {@code ./quiver structures [count] [hidden]}: the memory proof for dynamic graphs. Trains a tree
 * RNN (leaf = embedding lookup in a 10,000-word table, internal node = tanh(W [hl; hr] + b), a
 * class-index loss at every node, Adam) on {@code count} random trees (default 100,000) of 2 to 60
 * leaves, almost every one a structure never seen before, with the engine's defaults. Every 10% it
 * prints the used heap after a full GC, the plan cache's report and the cost per node; it ends with
 * {@code result: structures=... heap_mb_first=... heap_mb_last=... us_per_node=... bytes_per_node=...}.
 * Run it under a small heap to see that nothing accumulates: {@code QUIVER_JAVA_OPTS=-Xmx512m ./quiver structures}.
 */
public final class Structures {
    private Structures() {}

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int vocab = 10_000, classes = 5;
        var E = new Parameter("E", Tensor.randn(F32, Seed.of(1), vocab, hidden).mul(0.1));
        var W = new Parameter("W", Init.xavierUniform(F32, Seed.of(2), hidden, 2 * hidden));
        var b = new Parameter("b", Tensor.zeros(F32, hidden));
        var U = new Parameter("U", Init.xavierUniform(F32, Seed.of(3), classes, hidden));
        var adam = new Adam(List.of(E, W, b, U), 0.001);
        var g = new Graph();
        var rnd = new SplittableRandom(42);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long nodes = 0, cpu0 = threads.getCurrentThreadCpuTime(), bytes0 = threads.getCurrentThreadAllocatedBytes();
        double firstHeap = -1, lastHeap = 0, loss = 0;
        int every = Math.max(1, count / 10);
        for (int i = 1; i <= count; i++) {
            g.reset();
            List<Node> losses = new ArrayList<>();
            tree(g, E, W, b, U, 2 + rnd.nextInt(59), rnd, vocab, classes, losses);
            nodes += g.nodes().size();
            Step s = g.compile(g.addN(losses.toArray(new Node[0])));
            s.forward().backward();
            adam.step();
            loss += s.output().item() / losses.size();
            if (i % every == 0) {
                double cpu = threads.getCurrentThreadCpuTime() - cpu0, alloc = threads.getCurrentThreadAllocatedBytes() - bytes0;
                System.gc();
                double heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0;
                if (firstHeap < 0) firstHeap = heap;
                lastHeap = heap;
                System.out.printf(Locale.ROOT, "%7d structures  loss %.3f  heap after GC %.1f MiB  %.2f us/node  %.0f B/node  %s%n",
                        i, loss / every, heap, cpu / 1e3 / nodes, alloc / nodes, g.planCache());
                loss = 0;
                nodes = 0;
                cpu0 = threads.getCurrentThreadCpuTime();
                bytes0 = threads.getCurrentThreadAllocatedBytes();
            }
        }
        System.out.printf(Locale.ROOT, "result: structures=%d heap_mb_first=%.1f heap_mb_last=%.1f max_heap_mb=%.0f cache_misses=%d cache_evictions=%d%n",
                count, firstHeap, lastHeap, Runtime.getRuntime().maxMemory() / 1048576.0, g.planCache().misses(), g.planCache().evictions());
    }

    static Node tree(Graph g, Parameter E, Parameter W, Parameter b, Parameter U, int leaves, SplittableRandom rnd,
                             int vocab, int classes, List<Node> losses) {
        Node h;
        if (leaves == 1) {
            h = g.lookup(g.param(E), rnd.nextInt(vocab));
        } else {
            int left = 1 + rnd.nextInt(leaves - 1);
            Node l = tree(g, E, W, b, U, left, rnd, vocab, classes, losses);
            Node r = tree(g, E, W, b, U, leaves - left, rnd, vocab, classes, losses);
            h = g.param(W).matmul(g.concat(0, l, r)).add(g.param(b)).tanh();
        }
        losses.add(g.pickNegLogSoftmax(g.param(U).matmul(h), rnd.nextInt(classes)));
        return h;
    }
}
