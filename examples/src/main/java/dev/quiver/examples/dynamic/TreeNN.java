package dev.quiver.examples.dynamic;

import dev.quiver.examples.Options.UsageException;
import dev.quiver.examples.Plots;
import dev.quiver.examples.TrainingPlot;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./quiver treenn}: a binary TreeLSTM ({@link TreeLstm}, embedding 128, hidden 128) on the
 * Stanford Sentiment Treebank, one tree per step: for every sentence the graph is reset, rebuilt for
 * that tree, compiled, run forward and backward, and Adam updates the parameters. Reports dev
 * root-label accuracy after each epoch and ends with one {@code result:} line.
 */
public final class TreeNN {
    public static final int EMBED = 128, HIDDEN = 128;

    private static RunOptions defaults() { return new RunOptions(3, 0.002, "adam", 16); }

    public static void main(String[] args) {
        RunOptions o;
        try {
            o = RunOptions.parse(defaults(), args);
        } catch (UsageException e) {
            System.err.println("quiver treenn: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(RunOptions.usage("treenn", """
                    Trains a binary TreeLSTM (embedding 128, hidden 128, float32) on the Stanford Sentiment Treebank
                    (DIR/sst-trees/{train,dev}.txt), one tree per step, loss = sum of every node's softmax
                    cross-entropy; prints dev root-label accuracy after each epoch.
                    """, defaults()));
            return;
        }
        try {
            run(o);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("quiver treenn: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Runs with these command-line arguments (as {@link #main}, without exiting); returns the result line (also printed). */
    public static String run(String... args) throws UsageException, IOException {
        return run(RunOptions.parse(defaults(), args));
    }

    /** Trains and evaluates; prints progress and returns the result line (also printed). */
    public static String run(RunOptions o) throws IOException {
        Path dir = o.data.resolve("sst-trees");
        Path trainFile = dir.resolve("train.txt"), devFile = dir.resolve("dev.txt");
        for (Path f : new Path[] {trainFile, devFile}) {
            if (!Files.isReadable(f)) throw new IOException("cannot read " + f + " (pass --data DIR, the shared data directory)");
        }
        TensorMath math = o.math();
        Vocab vocab = new Vocab();
        List<Sst.Tree> train = Sst.read(trainFile, vocab, true, o.limit);
        List<Sst.Tree> dev = Sst.read(devFile, vocab, false, o.evalLimit);
        long trainNodes = train.stream().mapToLong(Sst.Tree::size).sum();
        TreeLstm model = new TreeLstm(vocab.size(), EMBED, HIDDEN, o.seed);
        System.out.printf(Locale.ROOT, "data:     %s: %,d training trees (%,d nodes), %,d dev trees, vocabulary %,d (with <unk>)%n",
                dir, train.size(), trainNodes, dev.size(), vocab.size());
        System.out.printf(Locale.ROOT, "model:    binary TreeLSTM, embedding %d, hidden %d, %,d parameters (float32); %s lr %s; one tree per step%n",
                EMBED, HIDDEN, model.size(), o.optimizer, o.lr);

        Optimizer optimizer = o.optimizer(model.parameters(), math);
        CompileOptions training = CompileOptions.training().withMath(math).withAutobatch(o.autobatch && o.batch > 1);
        long[] graphNodes = new long[1];   // counted where the graphs are built
        Rng rng = new Rng(o.seed);
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        long trainNanos = 0, sentences = 0, treeNodes = 0;
        double devAcc = Double.NaN, firstLoss = Double.NaN, lastLoss = Double.NaN;
        TrainingPlot plot = Plots.open(o.plot, "treenn: TreeLSTM on " + train.size() + " SST trees", "training loss per node");
        long plotStart = System.nanoTime();
        for (int epoch = 1; epoch <= o.epochs; epoch++) {
            rng.shuffle(order);
            Progress progress = new Progress("sent", train.size(), o.progressSeconds);
            long start = System.nanoTime();
            double lossSum = 0;
            long lossTerms = 0;
            List<int[]> batches = RunOptions.batches(order, o.batch);
            try (Steps steps = new Steps(o.pipeline, (g, batch) -> {
                Node[] losses = new Node[batch.length];
                for (int j = 0; j < batch.length; j++) losses[j] = model.loss(g, train.get(batch[j]));
                Node loss = batch.length == 1 ? losses[0] : g.addN(losses);
                graphNodes[0] += g.nodes().size();
                return loss;
            }, training)) {
                if (!batches.isEmpty()) steps.submit(batches.getFirst());
                for (int b = 0; b < batches.size(); b++) {
                    Step step = steps.take();
                    if (b + 1 < batches.size()) steps.submit(batches.get(b + 1));   // built and compiled while this one runs
                    double value = step.forward().output().item();
                    step.backward();
                    optimizer.step();
                    int nodes = 0;
                    for (int k : batches.get(b)) nodes += train.get(k).size();
                    lossSum += value;
                    lossTerms += nodes;
                    treeNodes += nodes;
                    sentences += batches.get(b).length;
                    progress.tick("epoch " + epoch, value, nodes, batches.get(b).length);
                    if (plot != null) plot.lossWindow((System.nanoTime() - plotStart) / 1e9, value, nodes, order.length / 25);
                }
            }
            trainNanos += System.nanoTime() - start;
            double epochLoss = lossSum / Math.max(1, lossTerms);
            if (epoch == 1) firstLoss = epochLoss;
            lastLoss = epochLoss;
            long evalStart = System.nanoTime();
            devAcc = accuracy(model, dev, math, o.batch);
            if (plot != null) plot.accuracy("dev root accuracy", (System.nanoTime() - plotStart) / 1e9, devAcc);
            System.out.printf(Locale.ROOT, "epoch %d  loss/node %.4f  dev root acc %.2f%%  %.1f sent/s  (train %.1f s, dev %.1f s)%n",
                    epoch, epochLoss, 100 * devAcc, train.size() / ((evalStart - start) / 1e9),
                    (evalStart - start) / 1e9, (System.nanoTime() - evalStart) / 1e9);
        }
        if (plot != null) {
            plot.write(o.plot);
            System.out.println("plot: " + o.plot);
        }
        double seconds = trainNanos / 1e9;
        String result = String.format(Locale.ROOT,
                "result: sent_per_s=%.2f dev_acc=%.4f nodes_per_s=%.0f tree_nodes_per_s=%.0f heap_mb=%.1f epochs=%d sentences=%d first_loss=%.4f last_loss=%.4f",
                sentences / seconds, devAcc, graphNodes[0] / seconds, treeNodes / seconds, Progress.heapMb(), o.epochs, train.size(),
                firstLoss, lastLoss);
        System.out.println(result);
        return result;
    }

    /** Root-label accuracy, the roots' logits of {@code batch} trees per autobatched inference compile. */
    public static double accuracy(TreeLstm model, List<Sst.Tree> trees, TensorMath math, int batch) {
        Graph g = new Graph();
        CompileOptions inference = CompileOptions.inferenceOnly().withMath(math).withAutobatch(batch > 1);
        int correct = 0;
        for (int first = 0; first < trees.size(); first += batch) {
            int n = Math.min(batch, trees.size() - first);
            g.reset();
            Node[] roots = new Node[n];
            for (int j = 0; j < n; j++) roots[j] = model.rootLogits(g, trees.get(first + j));
            Tensor logits = g.compile(n == 1 ? roots[0] : g.concat(0, roots), inference).forward().output();   // [n, classes]
            for (int j = 0; j < n; j++) {
                int best = 0;
                for (int c = 1; c < TreeLstm.CLASSES; c++) {
                    if (logits.getFlat(j * TreeLstm.CLASSES + c) > logits.getFlat(j * TreeLstm.CLASSES + best)) best = c;
                }
                if (best == trees.get(first + j).rootLabel()) correct++;
            }
        }
        return trees.isEmpty() ? Double.NaN : (double) correct / trees.size();
    }
}
