package dev.quiver.examples.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short run of {@code ./quiver transformer} narrowed to seconds (width 32, one block, windows of
 * 24 characters) on PTB-like text written to a temporary directory (sentences of words drawn from
 * a small list, so the test needs no data beyond the repository): the loss must fall well below
 * its start and the test loss must beat a uniform guess over the symbols.
 */
class CharTransformerSmokeTest {
    @TempDir Path dir;

    private static String text(long seed, int sentences) {
        String[] words = {"the", "market", "shares", "rose", "fell", "company", "said", "in", "of", "a", "new", "year", "<unk>", "N"};
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            int n = 4 + r.nextInt(8);
            for (int w = 0; w < n; w++) b.append(' ').append(words[r.nextInt(words.length)]);
            b.append(" \n");
        }
        return b.toString();
    }

    @Test void learnsText() throws IOException {
        Files.createDirectories(dir.resolve("ptb-text"));
        Files.writeString(dir.resolve("ptb-text/valid.txt"), text(1, 2000));
        Files.writeString(dir.resolve("ptb-text/test.txt"), text(2, 300));
        var t = CharTransformer.parse(new String[] {"--data", dir.toString(), "--steps", "120", "--batch", "8", "--seq", "24",
                "--model", "32", "--heads", "2", "--layers", "1", "--lr", "0.005", "--eval-batches", "4", "--threads", "1"});
        var r = t.run();
        assertTrue(r.lastLoss() < r.firstLoss() - 1, "training loss fell from " + r.firstLoss() + " to " + r.lastLoss());
        assertTrue(r.testLoss() < 0.6 * Math.log(26), "test loss " + r.testLoss() + " well below a uniform guess");
    }

    @Test void badOptionsSayWhy() {
        var e = assertThrows(IllegalArgumentException.class, () -> CharTransformer.parse(new String[] {"--model", "30", "--heads", "4"}));
        assertTrue(e.getMessage().contains("multiple of --heads"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharTransformer.parse(new String[] {"--steps", "0"}));
    }
}
