package dev.quiver.examples.dynamic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Stanford Sentiment Treebank in PTB bracket form, one binarised tree per line:
 * {@code (label child child)} or {@code (label word)}, labels 0-4 on every node.
 */
public final class Sst {
    private Sst() {}

    /**
     * One tree, nodes in post-order (children before parents, the root last). For node i:
     * {@code label[i]} in 0-4; a leaf has {@code word[i] >= 0} (a vocabulary id) and
     * {@code left[i] = right[i] = -1}; an internal node has {@code word[i] = -1} and two children.
     */
    public record Tree(int[] label, int[] word, int[] left, int[] right, String[] tokens) {
        public int size() { return label.length; }
        public int root() { return label.length - 1; }
        public int rootLabel() { return label[root()]; }
        public int leaves() { return tokens.length; }
        public boolean isLeaf(int i) { return word[i] >= 0; }
    }

    /** Parses one line; leaf word ids are assigned by {@code vocab} (see {@link Vocab#id}). */
    public static Tree parse(String line, Vocab vocab, boolean grow) {
        List<Integer> label = new ArrayList<>(), word = new ArrayList<>(), left = new ArrayList<>(), right = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        int[] pos = {0};
        parseNode(line.strip(), pos, vocab, grow, label, word, left, right, tokens);
        return new Tree(ints(label), ints(word), ints(left), ints(right), tokens.toArray(String[]::new));
    }

    private static int parseNode(String s, int[] pos, Vocab vocab, boolean grow, List<Integer> label, List<Integer> word,
                                 List<Integer> left, List<Integer> right, List<String> tokens) {
        skipSpaces(s, pos);
        expect(s, pos, '(');
        int start = pos[0];
        while (pos[0] < s.length() && s.charAt(pos[0]) != ' ') pos[0]++;
        int lab = Integer.parseInt(s.substring(start, pos[0]));
        if (lab < 0 || lab > 4) throw new IllegalArgumentException("label " + lab + " out of 0-4 in: " + s);
        skipSpaces(s, pos);
        int l = -1, r = -1, w = -1;
        if (s.charAt(pos[0]) == '(') {
            l = parseNode(s, pos, vocab, grow, label, word, left, right, tokens);
            skipSpaces(s, pos);
            r = parseNode(s, pos, vocab, grow, label, word, left, right, tokens);
            skipSpaces(s, pos);
        } else {
            start = pos[0];
            while (pos[0] < s.length() && s.charAt(pos[0]) != ')') pos[0]++;
            String token = s.substring(start, pos[0]).strip();
            tokens.add(token);
            w = grow ? vocab.add(token) : vocab.id(token);
        }
        expect(s, pos, ')');
        label.add(lab);
        word.add(w);
        left.add(l);
        right.add(r);
        return label.size() - 1;
    }

    private static void skipSpaces(String s, int[] pos) {
        while (pos[0] < s.length() && s.charAt(pos[0]) == ' ') pos[0]++;
    }

    private static void expect(String s, int[] pos, char c) {
        if (pos[0] >= s.length() || s.charAt(pos[0]) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos[0] + " in: " + s);
        }
        pos[0]++;
    }

    private static int[] ints(List<Integer> list) {
        int[] a = new int[list.size()];
        for (int i = 0; i < a.length; i++) a[i] = list.get(i);
        return a;
    }

    /** Reads at most {@code limit} trees (all when limit <= 0). */
    public static List<Tree> read(Path file, Vocab vocab, boolean grow, int limit) throws IOException {
        List<Tree> trees = new ArrayList<>();
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isBlank()) continue;
                trees.add(parse(line, vocab, grow));
                if (limit > 0 && trees.size() >= limit) break;
            }
        }
        return trees;
    }
}
