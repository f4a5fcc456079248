package dev.quiver.examples.cnn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A short run of {@code ./quiver cnn} on synthetic 16x16 IDX images written to a temporary
 * directory (one gzipped pair, one plain, as the loader accepts both): four classes, a bright
 * square in one of the four quadrants over noise. The CNN must learn them (test accuracy well above
 * the 25% of chance) and the {@code result:} line must parse.
 */
class CnnSmokeTest {
    @TempDir Path dir;

    private void write(String images, String labels, int n, long seed, boolean gzip) throws IOException {
        Random r = new Random(seed);
        byte[] px = new byte[n * 16 * 16];
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(4);
            y[i] = (byte) c;
            int top = (c / 2) * 8 + r.nextInt(3), left = (c % 2) * 8 + r.nextInt(3);
            for (int j = 0; j < 256; j++) px[i * 256 + j] = (byte) r.nextInt(60);
            for (int a = 0; a < 5; a++) for (int b = 0; b < 5; b++) px[i * 256 + (top + a) * 16 + left + b] = (byte) (180 + r.nextInt(70));
        }
        try (DataOutputStream out = new DataOutputStream(stream(dir.resolve(labels + (gzip ? ".gz" : "")), gzip))) {
            out.writeInt(0x801);
            out.writeInt(n);
            out.write(y);
        }
        try (DataOutputStream out = new DataOutputStream(stream(dir.resolve(images + (gzip ? ".gz" : "")), gzip))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(16);
            out.writeInt(16);
            out.write(px);
        }
    }

    private static OutputStream stream(Path p, boolean gzip) throws IOException {
        OutputStream o = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(o) : o;
    }

    @Test
    void learnsWhereTheSquareIs() throws IOException {
        write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 640, 1, true);
        write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 200, 2, false);
        Cnn c = Cnn.parse(new String[] {"--data", dir.toString(), "--epochs", "3", "--batch", "16", "--lr", "0.003", "--backend", "scalar", "--threads", "1"});
        String result = c.run();
        assertTrue(result.startsWith("result: "), result);
        double acc = Double.parseDouble(result.replaceAll(".*test_acc=([0-9.]+).*", "$1"));
        double first = Double.parseDouble(result.replaceAll(".*first_loss=([0-9.]+).*", "$1"));
        double last = Double.parseDouble(result.replaceAll(".*train_loss=([0-9.]+).*", "$1"));
        assertTrue(acc > 0.9, "test accuracy " + acc + " in " + result);
        assertTrue(last < first, "loss " + first + " -> " + last);
    }

    @Test
    void missingDataSaysWhatToDo() {
        Cnn c = Cnn.parse(new String[] {"--data", dir.resolve("nothing").toString()});
        var e = assertThrows(IOException.class, c::run);
        assertTrue(e.getMessage().contains("--data") && e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cnn.parse(new String[] {"--epochs", "0"}));
        assertNull(Cnn.parse(new String[] {"--help"}));
    }
}
