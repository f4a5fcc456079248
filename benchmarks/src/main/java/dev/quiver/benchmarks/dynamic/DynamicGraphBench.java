package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/**
 * The cost of a graph that is new every time, per node: each op builds a random binary tree of
 * tiny cells (hidden 4: leaf = a row of a [64, 4] parameter table, chosen at random; internal node
 * = tanh(W [h_l; h_r] + b)), compiles it for training, runs forward and backward. Nothing is reused
 * from one op to the next: the structures rotate through 8 random trees of the size and the plan
 * cache holds one entry (each compile evicts the previous structure's plan and recycles its arena). The forward graph of a tree with L leaves has exactly 5L nodes
 * ({@code g.nodes().size()} before compiling: 3 parameters, L slices, 4 ops per internal node, the
 * final sum), checked at setup; each method is one size and {@code @OperationsPerInvocation} is
 * that node count, so <b>the score is ns per forward-graph node</b>. Issue 12's target: at most
 * 500 ns/node, flat from 10^2 to 10^6 nodes, on one thread.
 *
 * <p>{@link #compileMillion} times building and compiling (no forward or backward) one graph of
 * 10^6 forward nodes, single shot, for issue 12's "a 10^6-node graph compiles in under 2 s"; run
 * it with a large heap, e.g. {@code 'DynamicGraphBench.compileMillion' -jvmArgsAppend
 * '--add-modules=jdk.incubator.vector -Xmx8g'}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class DynamicGraphBench {
    static final int HIDDEN = 4, TABLE_ROWS = 64, STRUCTURES = 8;

    @Param({"1"})
    public int threads;

    private final Map<Integer, int[][]> programs = new HashMap<>();
    private final int[] nextProgram = new int[8];
    private final ArrayDeque<Node> stack = new ArrayDeque<>();
    private Parameter table, W, b;
    private CompileOptions training;
    private Graph g;

    @Setup
    public void setup() {
        TensorMath math = TensorMath.of(Backends.create(Backends.current().name(), threads));
        training = CompileOptions.training().withMath(math);
        table = new Parameter("X", Init.uniform(DType.F32, Seed.of(1), new int[] {TABLE_ROWS, HIDDEN}, -1, 1));
        W = new Parameter("W", Init.xavierUniform(DType.F32, Seed.of(2), 2 * HIDDEN, HIDDEN));
        b = new Parameter("b", Tensor.zeros(DType.F32, 1, HIDDEN));
        g = new Graph(new PlanCache(1, PlanCache.DEFAULT_MAX_BYTES));   // one entry: the previous structure is evicted, its arena recycled
    }

    /**
     * Random binary trees with {@code nodes / 5} leaves as post-order programs: a value >= 0 is a
     * leaf reading that table row, -1 combines the top two subtrees. Shapes come from a random
     * sequence of shifts and reductions (no recursion, so deep trees are fine).
     */
    private int[][] programs(int nodes) {
        return programs.computeIfAbsent(nodes, n -> {
            int leaves = n / 5;
            SplittableRandom r = new SplittableRandom(n);
            int[][] p = new int[STRUCTURES][];
            for (int s = 0; s < STRUCTURES; s++) {
                int[] prog = new int[2 * leaves - 1];
                int k = 0, pushed = 0, depth = 0;
                while (k < prog.length) {
                    if (depth >= 2 && (pushed == leaves || r.nextBoolean())) {
                        prog[k++] = -1;
                        depth--;
                    } else {
                        prog[k++] = r.nextInt(TABLE_ROWS);
                        pushed++;
                        depth++;
                    }
                }
                p[s] = prog;
            }
            // check the node count once per size
            int built = build(p[0]);
            if (built != n) throw new IllegalStateException("DynamicGraphBench: expected " + n + " forward nodes, built " + built);
            return p;
        });
    }

    /** Builds the tree of {@code prog} in the reset graph; returns the forward node count (the loss node is g's last). */
    private int build(int[] prog) {
        g.reset();
        Node x = g.param(table), w = g.param(W), bb = g.param(b);
        stack.clear();
        for (int op : prog) {
            if (op >= 0) {
                stack.push(x.slice(range(op, op + 1), all()));
            } else {
                Node r = stack.pop(), l = stack.pop();
                stack.push(g.concat(1, l, r).matmul(w).add(bb).tanh());
            }
        }
        stack.pop().sum();
        return g.nodes().size();
    }

    private double run(int nodes, int slot) {
        int[][] p = programs(nodes);
        int[] prog = p[nextProgram[slot]];
        nextProgram[slot] = (nextProgram[slot] + 1) % STRUCTURES;
        build(prog);
        Node loss = g.nodes().get(g.nodes().size() - 1);
        Step step = g.compile(loss, training);
        double v = step.forward().output().item();
        step.backward();
        return v;
    }

    @Benchmark @OperationsPerInvocation(100)
    public double nodes100() { return run(100, 0); }

    @Benchmark @OperationsPerInvocation(1000)
    public double nodes1000() { return run(1000, 1); }

    @Benchmark @OperationsPerInvocation(10000)
    public double nodes10000() { return run(10000, 2); }

    @Benchmark @OperationsPerInvocation(100000)
    public double nodes100000() { return run(100000, 3); }

    /**
     * What a compiled graph of {@code args[0]} forward nodes (default 10^5) keeps alive: builds,
     * compiles, runs three structures of that size, then prints the live class histogram (after a
     * full GC) of this JVM: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
     * dev.quiver.benchmarks.dynamic.DynamicGraphBench 100000}. The objects per node it counts are
     * what each young collection copies while a large graph is built and compiled.
     */
    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        var bench = new DynamicGraphBench();
        bench.threads = 1;
        bench.setup();
        for (int s = 0; s < 3; s++) bench.run(nodes, 0);
        String histogram = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        String[] lines = histogram.split("\n");
        for (int i = 0; i < Math.min(27, lines.length); i++) System.out.println(lines[i]);
        System.out.println(lines[lines.length - 1]);
        System.out.println(nodes + " forward nodes; the graph and its step are live: " + bench.g.nodes().size());
    }

    /** Build and compile (for training) of a new 10^6-node structure; seconds per graph. */
    @Benchmark @BenchmarkMode(Mode.SingleShotTime) @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2) @Measurement(iterations = 3)
    public Step compileMillion() {
        int[][] p = programs(1_000_000);
        int[] prog = p[nextProgram[4]];
        nextProgram[4] = (nextProgram[4] + 1) % STRUCTURES;
        build(prog);
        return g.compile(g.nodes().get(g.nodes().size() - 1), training);
    }
}
