package dev.quiver.benchmarks.dynamic;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.openjdk.jmh.annotations.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code rnnlm} LSTM language model (embedding 128, hidden 256, softmax over the vocabulary,
 * float32, mean cross-entropy per word, Adam 0.001, one sentence per step) written with PyTorch
 * 2.7.1 through DJL, eager autograd, on the same rotating PTB sentences as {@link RnnLmBench}; one
 * PyTorch thread. ops/s = sentences/s. {@code embedding=dense|sparse} as in
 * {@link PyTorchTreeLstmBench} (the output layer's gradient is dense either way).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 5)   // the JIT needs ~20 s on these models
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DDJL_CACHE_DIR=target/djl-cache",
        "-DENGINE_CACHE_DIR=target/djl-cache", "--add-modules=jdk.incubator.vector",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchRnnLmBench {
    static final int EMBED = 128, H = 256;
    private static final NDIndex SIG = new NDIndex(":, 0:" + 3 * H), U = new NDIndex(":, " + 3 * H + ":" + 4 * H),
            I = new NDIndex(":, 0:" + H), F = new NDIndex(":, " + H + ":" + 2 * H), O = new NDIndex(":, " + 2 * H + ":" + 3 * H);

    @Param({"200"})
    public int sentences;
    @Param({"dense", "sparse"})
    public String embedding;

    private NDManager manager;
    private List<int[]> inputs, targets;
    private NDArray E, Wx, Wh, b, Wout, bout;
    private NDArray[] params;
    private TorchAdam adam;
    private int next;

    @Setup
    public void setup() {
        System.setProperty("ai.djl.offline", "true");
        var data = Workloads.sentences("PyTorchRnnLmBench", sentences);
        inputs = data.inputs();
        targets = data.targets();
        manager = Engine.getEngine("PyTorch").newBaseManager();
        manager.getEngine().setRandomSeed(1);
        int vocab = data.vocab().size();
        E = manager.randomUniform(-0.1f, 0.1f, new Shape(vocab, EMBED));
        Wx = xavier(EMBED, 4 * H);
        Wh = xavier(H, 4 * H);
        b = manager.zeros(new Shape(1, 4 * H));
        Wout = xavier(H, vocab);
        bout = manager.zeros(new Shape(1, vocab));
        params = new NDArray[] {E, Wx, Wh, b, Wout, bout};
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
        int[] in = inputs.get(next), out = targets.get(next);
        next = (next + 1) % inputs.size();
        boolean sparse = embedding.equals("sparse");
        int L = in.length;
        try (NDScope scope = new NDScope()) {
            NDArray rowIds = null, rows = null, local = null, ids = null;
            if (sparse) {
                Map<Integer, Integer> distinct = new LinkedHashMap<>();
                long[] localIds = new long[L];
                for (int j = 0; j < L; j++) localIds[j] = distinct.computeIfAbsent(in[j], k -> distinct.size());
                rowIds = manager.create(distinct.keySet().stream().mapToLong(Integer::longValue).toArray());
                rows = E.get(rowIds);
                rows.setRequiresGradient(true);
                local = manager.create(localIds);
            } else {
                long[] idsL = new long[L];
                for (int j = 0; j < L; j++) idsL[j] = in[j];
                ids = manager.create(idsL);
            }
            long[] tg = new long[L];
            for (int j = 0; j < L; j++) tg[j] = out[j];
            NDArray target = manager.create(tg).reshape(L, 1);
            float value;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray x = sparse ? rows.get(local) : E.get(ids);          // [L, 128]
                NDArray xw = x.matMul(Wx).add(b);                             // [L, 4H]
                NDArray h = null, c = null;
                NDArray[] hs = new NDArray[L];
                for (int t = 0; t < L; t++) {
                    NDArray gates = xw.get(t + ":" + (t + 1));
                    if (h != null) gates = gates.add(h.matMul(Wh));
                    NDArray sig = gates.get(SIG).getNDArrayInternal().sigmoid();
                    NDArray u = gates.get(U).tanh();
                    NDArray iu = sig.get(I).mul(u);
                    c = c == null ? iu : iu.add(sig.get(F).mul(c));
                    h = sig.get(O).mul(c.tanh());
                    hs[t] = h;
                }
                NDArray logits = NDArrays.concat(new NDList(hs), 0).matMul(Wout).add(bout);
                NDArray loss = logits.logSoftmax(1).gather(target, 1).sum().neg().div(L);
                collector.backward(loss);
                value = loss.getFloat();
            }
            for (int i = 0; i < params.length; i++) {
                if (i == 0 && sparse) continue;
                if (L == 1 && params[i] == Wh) continue;
                NDArray g = params[i].getGradient();
                adam.update(i, g);
                g.subi(g);
            }
            if (sparse) adam.updateRows(0, rowIds, rows, rows.getGradient());
            return value;
        }
    }
}
