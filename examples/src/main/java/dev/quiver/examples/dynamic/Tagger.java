package dev.quiver.examples.dynamic;

import dev.quiver.examples.Options.UsageException;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.PlanCache;
import dev.quiver.graph.Step;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./quiver tagger}: a BiLSTM sequence tagger ({@link BiLstmTagger}: embedding 128, forward and
 * backward LSTM of 128 each, per-token softmax) trained on minibatches of sentences, each
 * minibatch's graph autobatched. By default it predicts each word's sentiment label (the leaf labels
 * of the Sentiment Treebank, {@code DIR/sst-trees}); {@code --train FILE --dev FILE} train it on the
 * user's own corpus ("word TAB tag" per line, a blank line between sentences). Reports dev token
 * accuracy after each epoch and ends with one {@code result:} line.
 */
public final class Tagger {
    public static final int EMBED = 128, HIDDEN = 128;

    /** A sentence's word ids and tag ids. */
    public record Sentence(int[] words, int[] tags) {}

    private static RunOptions defaults() { return new RunOptions(2, 0.002, "adam", 32); }

    public static void main(String[] args) {
        RunOptions o;
        try {
            o = RunOptions.parse(defaults(), args);
        } catch (UsageException e) {
            System.err.println("quiver tagger: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(RunOptions.usage("tagger", """
                    Trains a BiLSTM tagger (embedding 128, forward and backward LSTM 128, float32) to predict each
                    word's sentiment label (the leaf labels of DIR/sst-trees/{train,dev}.txt), or on your own corpus
                    with --train FILE --dev FILE ("word<TAB>tag" per line, a blank line between sentences);
                    prints dev token accuracy after each epoch.
                    """, defaults()));
            return;
        }
        try {
            run(o);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("quiver tagger: " + e.getMessage());
            System.exit(1);
        }
    }

    public static String run(String... args) throws UsageException, IOException {
        return run(RunOptions.parse(defaults(), args));
    }

    public static String run(RunOptions o) throws IOException {
        Vocab words = new Vocab(), tags = new Vocab();
        List<Sentence> train, dev;
        String source;
        int tagCount;
        if (o.trainFile != null || o.devFile != null) {
            if (o.trainFile == null || o.devFile == null) throw new IllegalArgumentException("--train and --dev go together");
            train = readTagged(o.trainFile, words, tags, true, o.limit);
            dev = readTagged(o.devFile, words, tags, false, o.evalLimit);
            source = o.trainFile + ", " + o.devFile;
            tagCount = tags.size();   // id 0, <unk>, is never a gold tag
        } else {
            Path dir = o.data.resolve("sst-trees");
            for (Path f : new Path[] {dir.resolve("train.txt"), dir.resolve("dev.txt")}) {
                if (!Files.isReadable(f)) throw new IOException("cannot read " + f + " (pass --data DIR, the shared data directory)");
            }
            tagCount = TreeLstm.CLASSES;   // the labels 0..4 are the tag ids
            train = leaves(Sst.read(dir.resolve("train.txt"), words, true, o.limit));
            dev = leaves(Sst.read(dir.resolve("dev.txt"), words, false, o.evalLimit));
            source = dir + " (word-level sentiment labels)";
        }
        TensorMath math = o.math();
        BiLstmTagger model = new BiLstmTagger(words.size(), EMBED, HIDDEN, tagCount, o.seed);
        long trainTokens = train.stream().mapToLong(s -> s.words().length).sum();
        System.out.printf(Locale.ROOT, "data:     %s: %,d training sentences (%,d tokens), %,d dev sentences, vocabulary %,d, %d tags%n",
                source, train.size(), trainTokens, dev.size(), words.size(), tagCount);
        System.out.printf(Locale.ROOT, "model:    BiLSTM tagger, embedding %d, hidden %d+%d, %,d parameters (float32); %s lr %s; %d sentences per step%s%n",
                EMBED, HIDDEN, HIDDEN, model.size(), o.optimizer, o.lr, o.batch, o.batch > 1 ? (o.autobatch ? ", autobatched" : ", as built") : "");

        Optimizer optimizer = o.optimizer(model.parameters(), math);
        // one sentence per step: a plan per sentence length, cached; minibatches never repeat a structure
        java.util.function.Supplier<Graph> graphs = o.batch == 1 ? Graph::new : Steps.cached(256, 512L << 20);
        CompileOptions training = CompileOptions.training().withMath(math).withAutobatch(o.autobatch && o.batch > 1);
        Rng rng = new Rng(o.seed);
        int[] order = new int[train.size()], lengths = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            lengths[i] = train.get(i).words().length;
        }
        long trainNanos = 0, sentences = 0, tokens = 0;
        double devAcc = Double.NaN, firstLoss = Double.NaN, lastLoss = Double.NaN;
        for (int epoch = 1; epoch <= o.epochs; epoch++) {
            rng.shuffle(order);
            Progress progress = new Progress("sent", train.size(), o.progressSeconds);
            long start = System.nanoTime();
            double lossSum = 0;
            long epochTokens = 0;
            List<int[]> batches = o.bucket && o.batch > 1 ? RunOptions.bucketed(order, o.batch, lengths, rng)
                    : RunOptions.batches(order, o.batch);
            try (Steps steps = new Steps(o.pipeline, (g, batch) -> {
                Node[] losses = new Node[batch.length];
                for (int j = 0; j < batch.length; j++) losses[j] = model.loss(g, train.get(batch[j]).words(), train.get(batch[j]).tags());
                return batch.length == 1 ? losses[0] : g.addN(losses);
            }, training, graphs)) {
                if (!batches.isEmpty()) steps.submit(batches.getFirst());
                for (int b = 0; b < batches.size(); b++) {
                    Step step = steps.take();
                    if (b + 1 < batches.size()) steps.submit(batches.get(b + 1));   // built and compiled while this one runs
                    int batchTokens = 0;
                    for (int k : batches.get(b)) batchTokens += train.get(k).words().length;
                    double value = step.forward().output().item();
                    step.backward();
                    optimizer.step();
                    lossSum += value;
                    epochTokens += batchTokens;
                    sentences += batches.get(b).length;
                    progress.tick("epoch " + epoch, value, batchTokens, batches.get(b).length);
                }
            }
            long evalStart = System.nanoTime();
            trainNanos += evalStart - start;
            tokens += epochTokens;
            double loss = lossSum / Math.max(1, epochTokens);
            if (epoch == 1) firstLoss = loss;
            lastLoss = loss;
            devAcc = accuracy(model, dev, math, o.batch);
            System.out.printf(Locale.ROOT, "epoch %d  loss/token %.4f  dev token acc %.2f%%  %.1f sent/s  (train %.1f s, dev %.1f s)%n",
                    epoch, loss, 100 * devAcc, train.size() / ((evalStart - start) / 1e9), (evalStart - start) / 1e9,
                    (System.nanoTime() - evalStart) / 1e9);
        }
        double seconds = trainNanos / 1e9;
        String result = String.format(Locale.ROOT,
                "result: sent_per_s=%.2f tokens_per_s=%.0f dev_acc=%.4f heap_mb=%.1f epochs=%d sentences=%d batch=%d first_loss=%.4f last_loss=%.4f",
                sentences / seconds, tokens / seconds, devAcc, Progress.heapMb(), o.epochs, train.size(), o.batch, firstLoss, lastLoss);
        System.out.println(result);
        return result;
    }

    /** Token accuracy, the tag logits of {@code batch} sentences per autobatched inference compile. */
    public static double accuracy(BiLstmTagger model, List<Sentence> sentences, TensorMath math, int batch) {
        Graph g = new Graph(new PlanCache(8, PlanCache.DEFAULT_MAX_BYTES));
        CompileOptions inference = CompileOptions.inferenceOnly().withMath(math).withAutobatch(batch > 1);
        long correct = 0, total = 0;
        for (int first = 0; first < sentences.size(); first += batch) {
            int n = Math.min(batch, sentences.size() - first);
            g.reset();
            Node[] logits = new Node[n];
            for (int j = 0; j < n; j++) logits[j] = model.logits(g, sentences.get(first + j).words());
            Tensor all = g.compile(n == 1 ? logits[0] : g.concat(0, logits), inference).forward().output();   // [tokens, tags]
            int row = 0;
            for (int j = 0; j < n; j++) {
                for (int tag : sentences.get(first + j).tags()) {
                    int best = 0;
                    for (int c = 1; c < model.tags; c++) if (all.getFlat(row * model.tags + c) > all.getFlat(row * model.tags + best)) best = c;
                    if (best == tag) correct++;
                    total++;
                    row++;
                }
            }
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Each tree's leaves as a tagged sentence: the words in order with their own sentiment labels. */
    public static List<Sentence> leaves(List<Sst.Tree> trees) {
        List<Sentence> out = new ArrayList<>(trees.size());
        for (Sst.Tree t : trees) {
            int[] w = new int[t.leaves()], tag = new int[t.leaves()];
            for (int i = 0, k = 0; i < t.size(); i++) {
                if (!t.isLeaf(i)) continue;
                w[k] = t.word()[i];
                tag[k++] = t.label()[i];
            }
            out.add(new Sentence(w, tag));
        }
        return out;
    }

    /**
     * Sentences of a "word TAB tag" file, a blank line between sentences; words (and, when
     * {@code grow}, tags) are added to the vocabularies, unknown dev words map to {@code <unk>}.
     */
    public static List<Sentence> readTagged(Path file, Vocab words, Vocab tags, boolean grow, int limit) throws IOException {
        List<Sentence> out = new ArrayList<>();
        List<int[]> current = new ArrayList<>();
        int lineNo = 0;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.add("");
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    int[] w = new int[current.size()], t = new int[current.size()];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = current.get(i)[0];
                        t[i] = current.get(i)[1];
                    }
                    out.add(new Sentence(w, t));
                    current.clear();
                    if (limit > 0 && out.size() >= limit) break;
                }
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0 || tab == line.length() - 1) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": expected 'word<TAB>tag', got '" + line + "'");
            }
            String word = line.substring(0, tab), tag = line.substring(tab + 1).strip();
            int tagId = grow ? tags.add(tag) : tags.id(tag);
            if (!grow && !tag.equals(tags.word(tagId))) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": tag '" + tag + "' does not occur in the training file");
            }
            current.add(new int[] {grow ? words.add(word) : words.id(word), tagId});
        }
        return out;
    }
}
