package dev.quiver.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Runs the demo in-process (as the README's first command does) and reads what it prints. */
class DemoTest {
    private static String run(String... args) {
        PrintStream old = System.out;
        var bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Demo.main(args);
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static double lastPercent(String out, String label) {
        Matcher m = Pattern.compile(label + " ([0-9.]+)%").matcher(out);
        double last = Double.NaN;
        while (m.find()) last = Double.parseDouble(m.group(1));
        return last;
    }

    @Test
    void learnsTheSpirals() {
        String out = run("--epochs", "30", "--backend", "scalar", "--threads", "1");
        assertTrue(out.contains("backend:  scalar"), out);
        assertTrue(out.contains("195 parameters"), out);
        assertTrue(lastPercent(out, "train acc") >= 95, out);
        assertTrue(lastPercent(out, "held-out acc") >= 90, out);
        assertTrue(out.contains("bytes allocated per training step"), out);
        assertTrue(out.contains("plan:     ") && !Pattern.compile("plan:\\s+plan:").matcher(out).find(), out);   // issue 18
        assertTrue(out.contains("3 interleaved spirals"), out);
    }

    @Test
    void svmSeparatesACsvFile(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("label,a,b\n");
        var random = new java.util.SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            double a = random.nextDouble(-1, 1), b = random.nextDouble(-1, 1);
            if (Math.abs(a + b - 0.2) < 0.1) continue;
            csv.append(a + b > 0.2 ? 1 : 0).append(',').append(a).append(',').append(b).append('\n');
        }
        Path file = dir.resolve("lin.csv");
        Files.writeString(file, csv);
        String out = run("--task", "svm", "--data", file.toString(), "--epochs", "300", "--lr", "0.5", "--backend", "scalar");
        assertTrue(out.contains("SVM"), out);
        // issue 18: --epochs N means N steps, not 10 N
        assertTrue(out.contains("epochs:   300 full-batch steps\n") && out.contains("epoch  300 ") && !out.contains("epoch  310"), out);
        assertTrue(lastPercent(out, "train acc") >= 97, out);
    }

    /** Issue 18: --plot FILE draws loss and accuracy against time, PNG or SVG by the file name. */
    @Test
    void plotsLossAndAccuracyAgainstTime(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("out/demo.png"), svg = dir.resolve("demo.svg");
        String out = run("--epochs", "5", "--hidden", "8", "--backend", "scalar", "--plot", png.toString());
        assertTrue(out.contains("plot:     " + png), out);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
        run("--task", "svm", "--epochs", "20", "--backend", "scalar", "--plot", svg.toString());
        String text = Files.readString(svg);
        for (String part : new String[] {"<svg", "objective", "train accuracy", "held-out accuracy", "seconds since training started"}) {
            assertTrue(text.contains(part), part);
        }
    }

    @Test
    void helpExplainsTheOptions() {
        String out = run("--help");
        for (String option : new String[] {"--data", "--backend", "--threads", "--hidden", "--batch", "--epochs", "--lr", "--seed", "--plot"}) {
            assertTrue(out.contains(option), option);
        }
        assertTrue(out.contains("three interleaved spirals") && !out.contains("two interleaved spirals"), out);   // issue 18
    }
}
