package dev.quiver.examples.dynamic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A short run of {@code treenn} and {@code rnnlm} on small synthetic data written to a temporary
 * directory (the real data in ../shared/data is not needed): the loss falls from the first epoch
 * to the last and the {@code result:} line parses.
 */
class DynamicModelsSmokeTest {
    private static final String[] WORDS = {"good", "great", "fine", "bad", "awful", "dull", "the", "movie", "plot", "it"};
    private static final int[] SENTIMENT = {4, 3, 3, 0, 1, 1, 2, 2, 2, 2};

    @TempDir Path dir;

    /** A random binary tree over 1-5 words; a node's label is the rounded mean sentiment of its words. */
    private static String tree(Random r, int words, int[] sum) {
        if (words == 1) {
            int w = r.nextInt(WORDS.length);
            sum[0] += SENTIMENT[w];
            sum[1]++;
            return "(" + SENTIMENT[w] + " " + WORDS[w] + ")";
        }
        int left = 1 + r.nextInt(words - 1);
        int[] s = {0, 0};
        String l = tree(r, left, s), rr = tree(r, words - left, s);
        sum[0] += s[0];
        sum[1] += s[1];
        return "(" + Math.round((float) s[0] / s[1]) + " " + l + " " + rr + ")";
    }

    private void writeTrees(String name, int count, long seed) throws IOException {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) lines.add(tree(r, 1 + r.nextInt(5), new int[2]));
        Files.createDirectories(dir.resolve("sst-trees"));
        Files.write(dir.resolve("sst-trees").resolve(name), lines);
    }

    /** Sentences of a tiny grammar: "the <noun> is <adj> ." or "<noun> <verb> the <noun>". */
    private void writeText(String name, int count, long seed) throws IOException {
        Random r = new Random(seed);
        String[] nouns = {"cat", "dog", "plot", "movie", "market"}, adjs = {"good", "bad", "up", "down"}, verbs = {"sees", "likes", "moves"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(r.nextBoolean()
                    ? " the " + nouns[r.nextInt(nouns.length)] + " is " + adjs[r.nextInt(adjs.length)] + " . "
                    : " " + nouns[r.nextInt(nouns.length)] + " " + verbs[r.nextInt(verbs.length)] + " the " + nouns[r.nextInt(nouns.length)] + " ");
        }
        Files.createDirectories(dir.resolve("ptb-text"));
        Files.write(dir.resolve("ptb-text").resolve(name), lines);
    }

    static Map<String, String> parseResult(String line) {
        assertTrue(line.startsWith("result: "), line);
        Map<String, String> kv = new HashMap<>();
        for (String field : line.substring("result: ".length()).trim().split(" ")) {
            int eq = field.indexOf('=');
            assertTrue(eq > 0, "not key=value: '" + field + "' in " + line);
            kv.put(field.substring(0, eq), field.substring(eq + 1));
        }
        for (String v : kv.values()) Double.parseDouble(v);
        return kv;
    }

    @Test
    void treennTrainsOnSyntheticTrees() throws Exception {
        writeTrees("train.txt", 60, 1);
        writeTrees("dev.txt", 30, 2);
        Path plot = dir.resolve("treenn.svg");   // issue 18: --plot
        String line = TreeNN.run("--data", dir.toString(), "--epochs", "2", "--lr", "0.01", "--progress", "5", "--plot", plot.toString());
        String svg = Files.readString(plot);
        assertTrue(svg.contains("<svg") && svg.contains("training loss per node") && svg.contains("dev root accuracy"));
        Map<String, String> r = parseResult(line);
        for (String key : List.of("sent_per_s", "dev_acc", "nodes_per_s", "heap_mb", "epochs", "sentences")) assertTrue(r.containsKey(key), key + " in " + line);
        assertEquals("2", r.get("epochs"));
        assertEquals("60", r.get("sentences"));
        assertTrue(Double.parseDouble(r.get("last_loss")) < Double.parseDouble(r.get("first_loss")), line);
        double acc = Double.parseDouble(r.get("dev_acc"));
        assertTrue(acc >= 0 && acc <= 1, line);
    }

    @Test
    void rnnlmTrainsOnSyntheticSentences() throws Exception {
        writeText("valid.txt", 30, 3);
        writeText("test.txt", 20, 4);
        Path plot = dir.resolve("rnnlm.png");   // issue 18: --plot
        // minibatches of 4 sentences of one length, autobatched (30 sentences: about 10 steps per epoch)
        String line = RnnLm.run("--data", dir.toString(), "--epochs", "4", "--batch", "4", "--lr", "0.01", "--progress", "5", "--plot", plot.toString());
        assertTrue(Files.size(plot) > 1000);
        Map<String, String> r = parseResult(line);
        for (String key : List.of("words_per_s", "ppl", "unigram_ppl", "heap_mb")) assertTrue(r.containsKey(key), key + " in " + line);
        assertTrue(Double.parseDouble(r.get("last_loss")) < Double.parseDouble(r.get("first_loss")), line);
        // the grammar is far more predictable than word frequencies alone
        assertTrue(Double.parseDouble(r.get("ppl")) < Double.parseDouble(r.get("unigram_ppl")), line);
    }

    /**
     * The tagger on a user's corpus ("word TAB tag", blank lines between sentences) whose tag is a
     * function of the word and its left neighbour: it must learn it (dev token accuracy well above
     * the majority tag's share), autobatched in minibatches of 8.
     */
    @Test
    void taggerLearnsAUsersTaggedCorpus() throws Exception {
        String[] words = {"a", "b", "c", "d", "e", "f"};
        java.util.Random random = new java.util.Random(9);
        for (String name : List.of("train.tsv", "dev.tsv")) {
            StringBuilder sb = new StringBuilder();
            for (int s = 0; s < (name.startsWith("train") ? 120 : 30); s++) {
                int n = 3 + random.nextInt(4), previous = 0;
                for (int t = 0; t < n; t++) {
                    int w = random.nextInt(words.length);
                    sb.append(words[w]).append('\t').append((w + previous) % 3 == 0 ? "X" : "Y").append('\n');
                    previous = w;
                }
                sb.append('\n');
            }
            Files.writeString(dir.resolve(name), sb.toString());
        }
        String line = Tagger.run("--train", dir.resolve("train.tsv").toString(), "--dev", dir.resolve("dev.tsv").toString(),
                "--epochs", "12", "--batch", "8", "--lr", "0.01", "--progress", "5");
        Map<String, String> r = parseResult(line);
        assertTrue(Double.parseDouble(r.get("last_loss")) < Double.parseDouble(r.get("first_loss")), line);
        assertTrue(Double.parseDouble(r.get("dev_acc")) > 0.85, line);   // the majority tag, Y, is about 2/3
    }

    @Test
    void parsesTreesInPostOrder() {
        Vocab v = new Vocab();
        Sst.Tree t = Sst.parse("(3 (2 (2 The) (2 Rock)) (4 rocks))", v, true);
        assertArrayEquals(new int[] {2, 2, 2, 4, 3}, t.label());
        assertArrayEquals(new int[] {1, 2, -1, 3, -1}, t.word());
        assertEquals(0, t.left()[2]);
        assertEquals(1, t.right()[2]);
        assertEquals(4, t.root());
        assertEquals(3, t.rootLabel());
        assertEquals(0, Sst.parse("(1 unseen)", v, false).word()[0]);   // <unk>
    }

    @Test
    void missingDataIsAClearError() {
        var e = assertThrows(IOException.class, () -> TreeNN.run("--data", dir.toString()));
        assertTrue(e.getMessage().startsWith("cannot read "), e.getMessage());
    }
}
