package dev.quiver.benchmarks.dynamic;

import dev.quiver.examples.dynamic.DataDir;
import dev.quiver.examples.dynamic.Ptb;
import dev.quiver.examples.dynamic.Sst;
import dev.quiver.examples.dynamic.Vocab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The real examples the dynamic-model benchmarks rotate through, shared by the Quiver and the
 * PyTorch benchmarks so both see the same sentences: the first N trees of SST train.txt (the
 * vocabulary built from all of train.txt, so the embedding table has its real size) and the first
 * N sentences of PTB valid.txt (vocabulary over valid + test). Read from ../shared/data (or
 * -Dquiver.data=DIR); when absent the benchmark stops in its setup with a message saying so.
 */
public final class Workloads {
    private Workloads() {}

    public record Trees(Vocab vocab, List<Sst.Tree> trees) {
        public double meanNodes() { return trees.stream().mapToInt(Sst.Tree::size).average().orElse(0); }
    }

    public record Sentences(Vocab vocab, List<int[]> inputs, List<int[]> targets) {
        public double meanWords() { return inputs.stream().mapToInt(a -> a.length).average().orElse(0); }
    }

    private static Path require(String benchmark, String relative) {
        Path f = DataDir.locate().resolve(relative);
        if (!Files.isReadable(f)) {
            throw new IllegalStateException(benchmark + " skipped: it needs the shared data set " + f
                    + " (../shared/data relative to the project root, or -Dquiver.data=DIR); not found");
        }
        return f;
    }

    public static Trees trees(String benchmark, int count) {
        Path file = require(benchmark, "sst-trees/train.txt");
        try {
            Vocab vocab = new Vocab();
            List<Sst.Tree> all = Sst.read(file, vocab, true, 0);
            Trees t = new Trees(vocab, new ArrayList<>(all.subList(0, Math.min(count, all.size()))));
            System.out.printf("%n%s: %d SST trees (mean %.1f nodes), vocabulary %d%n", benchmark, t.trees().size(), t.meanNodes(), vocab.size());
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Sentences sentences(String benchmark, int count) {
        Path valid = require(benchmark, "ptb-text/valid.txt"), test = require(benchmark, "ptb-text/test.txt");
        try {
            List<String[]> train = Ptb.read(valid, 0);
            Vocab vocab = new Vocab();
            Ptb.addAll(vocab, train);
            Ptb.addAll(vocab, Ptb.read(test, 0));
            List<int[]> in = new ArrayList<>(), out = new ArrayList<>();
            for (String[] s : train.subList(0, Math.min(count, train.size()))) {
                in.add(Ptb.inputs(vocab, s));
                out.add(Ptb.targets(vocab, s));
            }
            Sentences s = new Sentences(vocab, in, out);
            System.out.printf("%n%s: %d PTB sentences (mean %.2f predicted words incl. </s>), vocabulary %d%n", benchmark, in.size(), s.meanWords(), vocab.size());
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Bucketed minibatches, as the examples' {@code --bucket} forms them: the items grouped by
     * length, the {@code lengths} most frequent lengths kept (ties: the shorter first), and for
     * each in turn {@code batch} items of that length, taken cyclically. Few lengths, so the plans
     * of all the rotation's minibatches fit the plan cache together and a long run's steady state
     * (no compiles) is what a benchmark measures.
     */
    public static <T> List<T> buckets(List<T> items, ToIntFunction<T> length, int lengths, int batch) {
        Map<Integer, List<T>> byLength = new TreeMap<>();
        for (T item : items) byLength.computeIfAbsent(length.applyAsInt(item), k -> new ArrayList<>()).add(item);
        List<List<T>> common = new ArrayList<>(byLength.values());
        common.sort((a, b) -> b.size() - a.size());
        List<T> rotation = new ArrayList<>();
        for (List<T> same : common.subList(0, Math.min(lengths, common.size()))) {
            for (int j = 0; j < batch; j++) rotation.add(same.get(j % same.size()));
        }
        return rotation;
    }
}
