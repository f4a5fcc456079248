package dev.quiver.examples.dynamic;

import dev.quiver.examples.Options.UsageException;
import dev.quiver.examples.Plots;
import dev.quiver.examples.TrainingPlot;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.TensorMath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./quiver rnnlm}: an LSTM language model ({@link LstmLm}, embedding 128, hidden 256, softmax
 * over the vocabulary of valid.txt and test.txt, 7,596 words) trained one sentence per step on Penn Treebank valid.txt with Adam;
 * reports test.txt perplexity after each epoch beside the add-one unigram model's, and ends with
 * one {@code result:} line.
 */
public final class RnnLm {
    public static final int EMBED = 128, HIDDEN = 256;
    /**
     * The plan cache's byte limit: sentences of one length share a plan, and a plan is large (about
     * 10 MB + 1.2 MB per word: today the engine keeps every use's partial gradient of lm.out.W and lm.lstm.Wh
     * live until one sum at the end), so the default 64 MiB would keep only two or three lengths.
     */
    public static final long PLAN_BYTES = 512L << 20;

    private static RunOptions defaults() { return new RunOptions(2, 0.002, "adam", 16); }

    public static void main(String[] args) {
        RunOptions o;
        try {
            o = RunOptions.parse(defaults(), args);
        } catch (UsageException e) {
            System.err.println("quiver rnnlm: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(RunOptions.usage("rnnlm", """
                    Trains an LSTM language model (embedding 128, hidden 256, float32, softmax over the vocabulary)
                    on DIR/ptb-text/valid.txt, one sentence per step, and reports the perplexity on
                    DIR/ptb-text/test.txt after each epoch, beside an add-one unigram model's.
                    """, defaults()));
            return;
        }
        try {
            run(o);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("quiver rnnlm: " + e.getMessage());
            System.exit(1);
        }
    }

    /** A graph for the model, with a plan cache sized for it (see {@link #PLAN_BYTES}). */
    public static Graph graph() {
        return new Graph(new PlanCache(PlanCache.DEFAULT_MAX_ENTRIES, PLAN_BYTES));
    }

    public static String run(String... args) throws UsageException, IOException {
        return run(RunOptions.parse(defaults(), args));
    }

    /** Trains and evaluates; prints progress and returns the result line (also printed). */
    public static String run(RunOptions o) throws IOException {
        Path dir = o.data.resolve("ptb-text");
        Path trainFile = dir.resolve("valid.txt"), testFile = dir.resolve("test.txt");
        for (Path f : new Path[] {trainFile, testFile}) {
            if (!Files.isReadable(f)) throw new IOException("cannot read " + f + " (pass --data DIR, the shared data directory)");
        }
        TensorMath math = o.math();
        List<String[]> trainAll = Ptb.read(trainFile, 0), testAll = Ptb.read(testFile, 0);
        Vocab vocab = new Vocab();
        Ptb.addAll(vocab, trainAll);   // the vocabulary closes over both files (see the data README)
        Ptb.addAll(vocab, testAll);
        List<String[]> train = o.limit > 0 ? trainAll.subList(0, Math.min(o.limit, trainAll.size())) : trainAll;
        List<String[]> test = o.evalLimit > 0 ? testAll.subList(0, Math.min(o.evalLimit, testAll.size())) : testAll;
        long trainWords = train.stream().mapToLong(s -> s.length + 1).sum();
        double unigram = Ptb.unigramPerplexity(vocab, train, test);
        LstmLm model = new LstmLm(vocab.size(), EMBED, HIDDEN, o.seed);
        System.out.printf(Locale.ROOT, "data:     %s: %,d training sentences (%,d predicted words incl. </s>), %,d test sentences, vocabulary %,d%n",
                dir, train.size(), trainWords, test.size(), vocab.size());
        System.out.printf(Locale.ROOT, "model:    LSTM LM, embedding %d, hidden %d, %,d parameters (float32); %s lr %s; one sentence per step,"
                + " loss = mean cross-entropy per word%n", EMBED, HIDDEN, model.size(), o.optimizer, o.lr);
        System.out.printf(Locale.ROOT, "unigram:  add-one unigram model estimated on the training text: test perplexity %.1f%n", unigram);

        List<int[]> inputs = new ArrayList<>(), targets = new ArrayList<>();
        for (String[] s : train) {
            inputs.add(Ptb.inputs(vocab, s));
            targets.add(Ptb.targets(vocab, s));
        }
        Optimizer optimizer = o.optimizer(model.parameters(), math);
        // one sentence per step: a plan per length, all cached; a minibatch's structure never repeats: few
        // plans, and a pool that recycles one batched plan's arena (its logits alone are words x vocabulary)
        java.util.function.Supplier<Graph> graphs = o.batch == 1 ? RnnLm::graph : Steps.cached(4, 256L << 20);
        CompileOptions training = CompileOptions.training().withMath(math);
        CompileOptions batched = training.withAutobatch(o.autobatch);
        Rng rng = new Rng(o.seed);
        int[] order = new int[train.size()], lengths = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            lengths[i] = inputs.get(i).length;
        }
        long trainNanos = 0, words = 0, sentences = 0;
        double ppl = Double.NaN, firstLoss = Double.NaN, lastLoss = Double.NaN;
        TrainingPlot plot = Plots.open(o.plot, "rnnlm: LSTM LM on " + train.size() + " PTB sentences", "training loss per word");
        long plotStart = System.nanoTime();
        for (int epoch = 1; epoch <= o.epochs; epoch++) {
            rng.shuffle(order);
            Progress progress = new Progress("sent", train.size(), o.progressSeconds);
            long start = System.nanoTime();
            double nll = 0;
            long epochWords = 0;
            List<int[]> batches = o.bucket && o.batch > 1 ? RunOptions.bucketed(order, o.batch, lengths, rng)
                    : RunOptions.batches(order, o.batch);
            try (Steps steps = new Steps(o.pipeline, (g, batch) -> {
                if (batch.length == 1) return model.loss(g, inputs.get(batch[0]).length);   // ids fed as inputs: a plan per length
                Node[] sums = new Node[batch.length];
                int batchWords = 0;
                for (int j = 0; j < batch.length; j++) {
                    sums[j] = model.sentenceNll(g, inputs.get(batch[j]), targets.get(batch[j]));
                    batchWords += inputs.get(batch[j]).length;
                }
                return g.addN(sums).mul(1.0 / batchWords);   // the minibatch's cross-entropy per word
            }, o.batch == 1 ? training : batched, graphs)) {
                if (!batches.isEmpty()) steps.submit(batches.getFirst());
                for (int b = 0; b < batches.size(); b++) {
                    Step step = steps.take();
                    if (b + 1 < batches.size()) steps.submit(batches.get(b + 1));   // built and compiled while this one runs
                    int[] batch = batches.get(b);
                    if (batch.length == 1) model.feed(step, inputs.get(batch[0]), targets.get(batch[0]));
                    int batchWords = 0;
                    for (int k : batch) batchWords += inputs.get(k).length;
                    double value = step.forward().output().item();
                    step.backward();
                    optimizer.step();
                    nll += value * batchWords;
                    epochWords += batchWords;
                    sentences += batch.length;
                    progress.tick("epoch " + epoch, value * batchWords, batchWords, batch.length);
                    if (plot != null) plot.lossWindow((System.nanoTime() - plotStart) / 1e9, value * batchWords, batchWords, order.length / 25);
                }
            }
            long evalStart = System.nanoTime();
            trainNanos += evalStart - start;
            words += epochWords;
            double loss = nll / Math.max(1, epochWords);
            if (epoch == 1) firstLoss = loss;
            lastLoss = loss;
            ppl = perplexity(model, vocab, test, math);
            System.out.printf(Locale.ROOT, "epoch %d  train loss/word %.4f (ppl %.1f)  test ppl %.1f (unigram %.1f)  %.0f words/s  (train %.1f s, test %.1f s)%n",
                    epoch, loss, Math.exp(loss), ppl, unigram, epochWords / ((evalStart - start) / 1e9),
                    (evalStart - start) / 1e9, (System.nanoTime() - evalStart) / 1e9);
        }
        if (plot != null) {
            plot.write(o.plot);
            System.out.println("plot: " + o.plot);
        }
        double seconds = trainNanos / 1e9;
        String result = String.format(Locale.ROOT,
                "result: words_per_s=%.1f sent_per_s=%.2f ppl=%.2f unigram_ppl=%.2f heap_mb=%.1f epochs=%d sentences=%d words=%d first_loss=%.4f last_loss=%.4f",
                words / seconds, sentences / seconds, ppl, unigram, Progress.heapMb(), o.epochs, train.size(), trainWords, firstLoss, lastLoss);
        System.out.println(result);
        return result;
    }

    /** Perplexity over the sentences (every word and each sentence's {@code </s>} predicted). */
    public static double perplexity(LstmLm model, Vocab vocab, List<String[]> sentences, TensorMath math) {
        Graph g = graph();
        CompileOptions inference = CompileOptions.inferenceOnly().withMath(math);
        double nll = 0;
        long words = 0;
        for (String[] s : sentences) {
            int[] in = Ptb.inputs(vocab, s), out = Ptb.targets(vocab, s);
            g.reset();
            Step step = g.compile(model.loss(g, in.length), inference);
            model.feed(step, in, out);
            nll += step.forward().output().item() * in.length;
            words += in.length;
        }
        return Math.exp(nll / Math.max(1, words));
    }
}
