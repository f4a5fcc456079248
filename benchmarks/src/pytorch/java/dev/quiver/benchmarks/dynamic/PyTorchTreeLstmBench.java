package dev.quiver.benchmarks.dynamic;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.quiver.examples.dynamic.Sst;
import dev.quiver.examples.dynamic.TreeLstm;
import org.openjdk.jmh.annotations.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code treenn} TreeLSTM (embedding 128, hidden 128, float32, per-node softmax cross-entropy
 * summed, Adam 0.001, one tree per step) written with PyTorch 2.7.1 through DJL, eager autograd, on
 * the same rotating SST trees as {@link TreeLstmBench}; one PyTorch thread. ops/s = sentences/s.
 * <ul>
 * <li>{@code embedding=dense}: the leaves' rows gathered from the [vocab, 128] table inside the
 *     autograd tape, so backward produces a dense gradient of the whole table and Adam updates all of
 *     it (nn.Embedding's default, torch.optim.Adam).
 * <li>{@code embedding=sparse}: the tree's distinct rows copied out as a small leaf tensor, and only
 *     those rows (and their Adam moments) updated afterwards (nn.Embedding(sparse=True) with
 *     torch.optim.SparseAdam).
 * </ul>
 * glibc's allocator matters for the dense variant (it returns the table-sized temporaries to the OS
 * and faults them in again every step): run also with
 * {@code MALLOC_TRIM_THRESHOLD_=1000000000 MALLOC_MMAP_THRESHOLD_=1000000000} in the environment
 * (JMH's fork inherits it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 5)   // the JIT needs ~20 s on these models
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchTreeLstmBench {
    static final int EMBED = 128, HIDDEN = 128, H = HIDDEN, CLASSES = TreeLstm.CLASSES;
    private static final NDIndex LEAF_SIG = new NDIndex(":, 0:" + 2 * H), LEAF_U = new NDIndex(":, " + 2 * H + ":" + 3 * H),
            NODE_SIG = new NDIndex(":, 0:" + 4 * H), NODE_U = new NDIndex(":, " + 4 * H + ":" + 5 * H);
    private static final NDIndex[] PART = {new NDIndex(":, 0:" + H), new NDIndex(":, " + H + ":" + 2 * H),
            new NDIndex(":, " + 2 * H + ":" + 3 * H), new NDIndex(":, " + 3 * H + ":" + 4 * H)};

    @Param({"200"})
    public int sentences;
    @Param({"dense", "sparse"})
    public String embedding;

    private NDManager manager;
    private List<Sst.Tree> trees;
    private NDArray E, Wleaf, bleaf, W, b, Wout, bout;
    private NDArray[] params;
    private TorchAdam adam;
    private int next;

    @Setup
    public void setup() {
        System.setProperty("ai.djl.offline", "true");
        var data = Workloads.trees("PyTorchTreeLstmBench", sentences);
        trees = data.trees();
        manager = Engine.getEngine("PyTorch").newBaseManager();
        manager.getEngine().setRandomSeed(1);
        int vocab = data.vocab().size();
        E = manager.randomUniform(-0.1f, 0.1f, new Shape(vocab, EMBED));
        Wleaf = xavier(EMBED, 3 * H);
        bleaf = manager.zeros(new Shape(1, 3 * H));
        W = xavier(2 * H, 5 * H);
        b = manager.zeros(new Shape(1, 5 * H));
        Wout = xavier(H, CLASSES);
        bout = manager.zeros(new Shape(1, CLASSES));
        params = new NDArray[] {E, Wleaf, bleaf, W, b, Wout, bout};
        for (int i = embedding.equals("sparse") ? 1 : 0; i < params.length; i++) params[i].setRequiresGradient(true);
        adam = new TorchAdam(manager, params);
    }

    private NDArray xavier(int in, int out) {
        float a = (float) Math.sqrt(6.0 / (in + out));
        return manager.randomUniform(-a, a, new Shape(in, out));
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public float trainStep() {
        Sst.Tree t = trees.get(next);
        next = (next + 1) % trees.size();
        boolean sparse = embedding.equals("sparse");
        try (NDScope scope = new NDScope()) {
            // the leaves' word ids, and for the sparse variant the tree's distinct rows
            int n = t.size(), leaves = t.leaves();
            long[] leafWords = new long[leaves];
            for (int i = 0, j = 0; i < n; i++) if (t.isLeaf(i)) leafWords[j++] = t.word()[i];
            NDArray rowIds = null, rows = null, local = null;
            if (sparse) {
                Map<Long, Integer> distinct = new LinkedHashMap<>();
                long[] localIds = new long[leaves];
                for (int j = 0; j < leaves; j++) localIds[j] = distinct.computeIfAbsent(leafWords[j], k -> distinct.size());
                rowIds = manager.create(distinct.keySet().stream().mapToLong(Long::longValue).toArray());
                rows = E.get(rowIds);                      // a copy, outside the tape
                rows.setRequiresGradient(true);
                local = manager.create(localIds);
            }
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) labels[i] = t.label()[i];
            NDArray target = manager.create(labels).reshape(n, 1);
            NDArray ids = sparse ? null : manager.create(leafWords);
            float value;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray x = sparse ? rows.get(local) : E.get(ids);      // [leaves, 128]
                NDArray[] h = new NDArray[n], c = new NDArray[n];
                for (int i = 0, leaf = 0; i < n; i++) {
                    if (t.isLeaf(i)) {
                        NDArray gates = x.get(leaf + ":" + (leaf + 1)).matMul(Wleaf).add(bleaf);
                        leaf++;
                        NDArray sig = gates.get(LEAF_SIG).getNDArrayInternal().sigmoid();
                        NDArray u = gates.get(LEAF_U).tanh();
                        c[i] = sig.get(PART[0]).mul(u);
                        h[i] = sig.get(PART[1]).mul(c[i].tanh());
                    } else {
                        int l = t.left()[i], r = t.right()[i];
                        NDArray gates = h[l].concat(h[r], 1).matMul(W).add(b);
                        NDArray sig = gates.get(NODE_SIG).getNDArrayInternal().sigmoid();
                        NDArray u = gates.get(NODE_U).tanh();
                        c[i] = sig.get(PART[0]).mul(u).add(sig.get(PART[1]).mul(c[l])).add(sig.get(PART[2]).mul(c[r]));
                        h[i] = sig.get(PART[3]).mul(c[i].tanh());
                    }
                }
                NDArray logits = NDArrays.concat(new NDList(h), 0).matMul(Wout).add(bout);
                NDArray loss = logits.logSoftmax(1).gather(target, 1).sum().neg();
                collector.backward(loss);
                value = loss.getFloat();
            }
            boolean internal = n > 1;
            for (int i = 0; i < params.length; i++) {
                if (i == 0 && sparse) continue;
                if (!internal && (params[i] == W || params[i] == b)) continue;   // no gradient this step (grad is None in PyTorch)
                NDArray g = params[i].getGradient();
                adam.update(i, g);
                g.subi(g);                                    // zero_grad
            }
            if (sparse) adam.updateRows(0, rowIds, rows, rows.getGradient());
            return value;
        }
    }
}
