package dev.quiver.examples.dynamic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Penn Treebank language-model text: one sentence per line, words separated by spaces. */
public final class Ptb {
    private Ptb() {}

    /** The end-of-sentence word, also read as the first input of every sentence. */
    public static final String EOS = "</s>";

    /** Sentences as word lists (at most {@code limit} when limit > 0; empty lines skipped). */
    public static List<String[]> read(Path file, int limit) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                String s = line.strip();
                if (s.isEmpty()) continue;
                out.add(s.split("\\s+"));
                if (limit > 0 && out.size() >= limit) break;
            }
        }
        return out;
    }

    /** Adds every word (and {@link #EOS}) to the vocabulary. */
    public static void addAll(Vocab vocab, List<String[]> sentences) {
        vocab.add(EOS);
        for (String[] s : sentences) for (String w : s) vocab.add(w);
    }

    /** Ids of {@code </s> w_1 .. w_n}: the inputs of a sentence. */
    public static int[] inputs(Vocab vocab, String[] sentence) {
        int[] ids = new int[sentence.length + 1];
        ids[0] = vocab.id(EOS);
        for (int i = 0; i < sentence.length; i++) ids[i + 1] = vocab.id(sentence[i]);
        return ids;
    }

    /** Ids of {@code w_1 .. w_n </s>}: the targets of a sentence. */
    public static int[] targets(Vocab vocab, String[] sentence) {
        int[] ids = new int[sentence.length + 1];
        for (int i = 0; i < sentence.length; i++) ids[i] = vocab.id(sentence[i]);
        ids[sentence.length] = vocab.id(EOS);
        return ids;
    }

    /**
     * Perplexity on {@code test} of the unigram model estimated on {@code train} with add-one
     * smoothing over the vocabulary: {@code p(w) = (count(w) + 1) / (N + V)}, counting {@code </s>}
     * once per sentence, as the LSTM predicts it.
     */
    public static double unigramPerplexity(Vocab vocab, List<String[]> train, List<String[]> test) {
        long[] counts = new long[vocab.size()];
        long n = 0;
        for (String[] s : train) {
            for (int id : targets(vocab, s)) {
                counts[id]++;
                n++;
            }
        }
        double nll = 0;
        long words = 0;
        for (String[] s : test) {
            for (int id : targets(vocab, s)) {
                nll -= Math.log((counts[id] + 1.0) / (n + vocab.size()));
                words++;
            }
        }
        return Math.exp(nll / Math.max(1, words));
    }
}
