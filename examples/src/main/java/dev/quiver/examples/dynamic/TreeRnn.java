package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Init;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.Index.at;

/**
 * {@code ./quiver treernn [sentences] [lr]}: the tree RNN of the dynamic-graph issue, written as a new
 * user would with the plain API and every default: leaf = a row of an embedding parameter via
 * {@code E.slice(at(wordId))}, internal node = tanh(Wl hl + Wr hr + b), softmax cross-entropy at
 * every node against a one-hot constant target, {@code g.reset()} and a rebuild per sentence, SGD
 * (lr 0.01).
 * Trains on {@code sst-trees/train.txt} (default 2,000 sentences) and prints the heap after a full
 * GC every 10%; ends with {@code result: sentences=... sent_per_s=... heap_mb_first=... heap_mb_last=...}.
 * Run under a small heap: {@code QUIVER_JAVA_OPTS=-Xmx512m ./quiver treernn}.
 */
public final class TreeRnn {
    private TreeRnn() {}

    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path data = DataDir.locate();
        Vocab vocab = new Vocab();
        List<Sst.Tree> trees = Sst.read(data.resolve("sst-trees/train.txt"), vocab, true, limit);
        int h = 64;
        var E = new Parameter("E", Tensor.randn(F32, Seed.of(1), vocab.size(), h).mul(0.1));
        var Wl = new Parameter("Wl", Init.xavierUniform(F32, Seed.of(2), h, h));
        var Wr = new Parameter("Wr", Init.xavierUniform(F32, Seed.of(3), h, h));
        var b = new Parameter("b", Tensor.zeros(F32, h));
        var U = new Parameter("U", Init.xavierUniform(F32, Seed.of(4), 5, h));
        // Losses are summed over a tree's ~40 nodes: 0.05 diverges within a few hundred sentences, 0.01 trains.
        double lr = args.length > 1 ? Double.parseDouble(args[1]) : 0.01;
        var sgd = new Sgd(List.of(E, Wl, Wr, b, U), lr);
        var g = new Graph();
        long start = System.nanoTime();
        double firstHeap = -1, lastHeap = 0, loss = 0;
        int every = Math.max(1, trees.size() / 10);
        for (int i = 1; i <= trees.size(); i++) {
            Sst.Tree t = trees.get(i - 1);
            g.reset();
            Node[] hidden = new Node[t.size()];
            List<Node> losses = new ArrayList<>();
            for (int n = 0; n < t.size(); n++) {     // children come before their parent
                hidden[n] = t.isLeaf(n) ? g.param(E).slice(at(t.word()[n]))
                        : g.param(Wl).matmul(hidden[t.left()[n]]).add(g.param(Wr).matmul(hidden[t.right()[n]])).add(g.param(b)).tanh();
                double[] oneHot = new double[5];
                oneHot[t.label()[n]] = 1;
                Node target = g.constant(Tensor.of(toFloats(oneHot), 5));
                losses.add(g.softmaxCrossEntropy(g.param(U).matmul(hidden[n]), target));
            }
            Step s = g.compile(g.addN(losses.toArray(new Node[0])));
            s.forward().backward();
            sgd.step();
            loss += s.output().item() / t.size();
            if (i % every == 0) {
                System.gc();
                double heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0;
                if (firstHeap < 0) firstHeap = heap;
                lastHeap = heap;
                System.out.printf(Locale.ROOT, "%6d sentences  loss/node %.3f  %.1f sent/s  heap after GC %.1f MiB  %s%n",
                        i, loss / every, i / ((System.nanoTime() - start) / 1e9), heap, g.planCache());
                loss = 0;
            }
        }
        System.out.printf(Locale.ROOT, "result: sentences=%d sent_per_s=%.1f heap_mb_first=%.1f heap_mb_last=%.1f max_heap_mb=%.0f%n",
                trees.size(), trees.size() / ((System.nanoTime() - start) / 1e9), firstHeap, lastHeap,
                Runtime.getRuntime().maxMemory() / 1048576.0);
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
