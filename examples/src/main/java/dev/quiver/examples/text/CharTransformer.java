package dev.quiver.examples.text;

import dev.quiver.examples.CommandLine;
import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.layers.Embedding;
import dev.quiver.layers.Initializer;
import dev.quiver.layers.LayerNorm;
import dev.quiver.layers.Linear;
import dev.quiver.layers.MultiHeadAttention;
import dev.quiver.layers.Scope;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A character-level Transformer language model (GPT's decoder blocks, pre-norm): characters are
 * embedded and given a learned position vector, pass {@code layers} blocks of
 * {@code x + attention(LN(x))} (causal, {@code heads} heads) and {@code x + W2 GELU(W1 LN(x))},
 * and a final LayerNorm and linear map give each position's next-character logits. Trained with
 * AdamW on random windows of Penn Treebank's {@code valid.txt}, evaluated on windows of
 * {@code test.txt}; one compiled training step (a static graph) reused for every minibatch.
 */
public final class CharTransformer {
    static final String USAGE = """
            Usage: ./quiver transformer [options]
            Trains a character-level Transformer language model (pre-norm decoder blocks, causal
            multi-head attention) on ../shared/data/ptb-text/valid.txt and reports the loss on test.txt.
              --data DIR            the shared data directory (default ../shared/data of the project root)
              --steps N             AdamW steps (default 400)
              --batch N             windows per step (default 16)
              --seq N               characters per window (default 64)
              --model N             model width (default 128)
              --heads N             attention heads (default 4)
              --layers N            decoder blocks (default 2)
              --lr X                AdamW learning rate (default 0.001; weight decay 0.01, gradients clipped at norm 1)
              --eval-batches N      test windows = N x batch (default 20)
              --threads N           kernel threads (default: available processors, at most 8)
              --seed N              seed for initialisation and sampling (default 1)
              --progress SECONDS    seconds between progress lines (default 10)
              --help                this text
            Ends with one line 'result: key=value ...'.
            """;

    int steps = 400, batch = 16, seq = 64, model = 128, heads = 4, layers = 2, evalBatches = 20, progressSeconds = 10;
    double lr = 0.001;
    long seed = 1;
    Integer threads;
    Path data;

    /** What a run reports: the first and last training losses (nats per character), the test loss and the speed. */
    public record Result(double firstLoss, double lastLoss, double testLoss, double charsPerSecond, long parameters) {}

    public static void main(String[] args) {
        try {
            CharTransformer t = parse(args);
            if (t == null) {
                System.out.print(USAGE);
                return;
            }
            t.run();
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("transformer: " + e.getMessage());
            System.exit(2);
        }
    }

    /** The options, or null for --help. */
    public static CharTransformer parse(String[] args) {
        CharTransformer t = new CharTransformer();
        boolean run = CommandLine.parse(args, (a, v) -> {
            switch (a) {
                case "--data" -> t.data = Path.of(v);
                case "--steps" -> t.steps = CommandLine.positive(a, v);
                case "--batch" -> t.batch = CommandLine.positive(a, v);
                case "--seq" -> t.seq = CommandLine.positive(a, v);
                case "--model" -> t.model = CommandLine.positive(a, v);
                case "--heads" -> t.heads = CommandLine.positive(a, v);
                case "--layers" -> t.layers = CommandLine.positive(a, v);
                case "--lr" -> t.lr = Double.parseDouble(v);
                case "--eval-batches" -> t.evalBatches = CommandLine.positive(a, v);
                case "--threads" -> t.threads = CommandLine.positive(a, v);
                case "--seed" -> t.seed = Long.parseLong(v);
                case "--progress" -> t.progressSeconds = CommandLine.positive(a, v);
                default -> throw CommandLine.unknown(a);
            }
        });
        if (!run) return null;
        if (t.model % t.heads != 0) throw new IllegalArgumentException("--model " + t.model + " is not a multiple of --heads " + t.heads);
        return t;
    }

    /** A text file as character ids, with lines joined by newlines. */
    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + " not found; pass --data DIR (the directory holding ptb-text/)");
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** The model's nodes: next-character logits [batch * seq, vocab] for ids [batch, seq]. */
    private static final class Model {
        final Embedding chars;
        final Parameter positions;
        final List<LayerNorm> norm1 = new ArrayList<>(), norm2 = new ArrayList<>();
        final List<MultiHeadAttention> attention = new ArrayList<>();
        final List<Linear> up = new ArrayList<>(), down = new ArrayList<>();
        final LayerNorm last;
        final Linear head;

        Model(Scope s, int vocab, int seq, int model, int heads, int layers) {
            chars = new Embedding(s.child("chars"), vocab, model, Initializer.normal(0, 0.02));
            positions = s.parameter("positions", Initializer.normal(0, 0.02), seq, model);
            for (int l = 0; l < layers; l++) {
                Scope b = s.child("block" + l);
                norm1.add(new LayerNorm(b.child("ln1"), model));
                attention.add(new MultiHeadAttention(b.child("attn"), model, heads, true));
                norm2.add(new LayerNorm(b.child("ln2"), model));
                up.add(new Linear(b.child("up"), model, 4 * model));
                down.add(new Linear(b.child("down"), 4 * model, model));
            }
            last = new LayerNorm(s.child("ln"), model);
            head = new Linear(s.child("head"), model, vocab);
        }

        Node logits(Node ids) {
            Graph g = ids.graph();
            Node x = chars.apply(ids).add(g.param(positions));                        // [batch, seq, model]
            for (int l = 0; l < attention.size(); l++) {
                x = x.add(attention.get(l).apply(norm1.get(l).apply(x)));
                x = x.add(down.get(l).apply(up.get(l).apply(norm2.get(l).apply(x)).gelu()));
            }
            Node y = head.apply(last.apply(x));                                        // [batch, seq, vocab]
            return y.reshape(ids.dim(0) * ids.dim(1), y.dim(-1));
        }
    }

    public Result run() throws IOException {
        Path dir = data != null ? data : Path.of(System.getProperty("quiver.root", ".")).resolve("../shared/data").normalize();
        String train = read(dir.resolve("ptb-text/valid.txt")), test = read(dir.resolve("ptb-text/test.txt"));
        TreeSet<Character> alphabet = new TreeSet<>();
        for (char c : (train + test).toCharArray()) alphabet.add(c);
        int[] index = new int[Character.MAX_VALUE + 1];
        int vocab = 0;
        for (char c : alphabet) index[c] = vocab++;
        int[] trainIds = ids(train, index), testIds = ids(test, index);
        if (trainIds.length <= seq + 1 || testIds.length <= seq + 1) throw new IllegalArgumentException("--seq " + seq + " is longer than the text");

        TensorMath math = TensorMath.of(Backends.create(Backends.current().name(), threads == null ? Backends.defaultThreads() : threads));
        Scope s = Scope.root(DType.F32, Seed.of(seed));
        Model m = new Model(s, vocab, seq, model, heads, layers);
        long count = 0;
        for (Parameter p : s.parameters()) count += p.value().size();
        System.out.printf(Locale.ROOT, "transformer: %d chars of training text, %d of test text, %d symbols; %d blocks, width %d, %d heads, %,d parameters%n",
                trainIds.length, testIds.length, vocab, layers, model, heads, count);

        Graph g = new Graph();
        Node ids = g.input("ids", DType.I32, batch, seq), targets = g.input("targets", DType.I32, batch * seq);
        Node loss = g.softmaxCrossEntropy(m.logits(ids), targets);
        Step step = g.compile(loss, CompileOptions.training().withMath(math));
        Step eval = g.compile(loss, CompileOptions.inferenceOnly().withMath(math));
        Adam adam = Adam.adamW(s.parameters(), lr, 0.01);
        adam.clipByGlobalNorm(1);

        SplittableRandom random = new SplittableRandom(seed);
        Tensor idBatch = Tensor.zeros(DType.I32, batch, seq), targetBatch = Tensor.zeros(DType.I32, batch * seq);
        double first = Double.NaN, recent = 0;
        int recentCount = 0;
        long start = System.nanoTime(), lastPrint = start;
        for (int t = 1; t <= steps; t++) {
            fill(trainIds, random, idBatch, targetBatch);
            step.feed("ids", idBatch).feed("targets", targetBatch);
            double l = step.forward().output().item();
            step.backward();
            adam.step();
            if (t == 1) first = l;
            recent += l;
            recentCount++;
            long now = System.nanoTime();
            if (now - lastPrint > progressSeconds * 1e9 || t == steps) {
                double seconds = (now - start) / 1e9;
                System.out.printf(Locale.ROOT, "step %d/%d  loss %.4f (%.3f bits/char)  %.0f chars/s  %.0f s%n", t, steps, recent / recentCount,
                        recent / recentCount / Math.log(2), (double) t * batch * seq / seconds, seconds);
                lastPrint = now;
                if (t < steps) {
                    recent = 0;
                    recentCount = 0;
                }
            }
        }
        double charsPerSecond = (double) steps * batch * seq / ((System.nanoTime() - start) / 1e9);
        double last = recent / recentCount;

        SplittableRandom evalRandom = new SplittableRandom(seed + 1);   // the same test windows for every run of one seed
        double testLoss = 0;
        for (int b = 0; b < evalBatches; b++) {
            fill(testIds, evalRandom, idBatch, targetBatch);
            testLoss += eval.feed("ids", idBatch).feed("targets", targetBatch).forward().output().item() / evalBatches;
        }
        System.out.printf(Locale.ROOT, "test: loss %.4f nats/char, %.3f bits/char (uniform over the %d symbols: %.3f)%n",
                testLoss, testLoss / Math.log(2), vocab, Math.log(vocab) / Math.log(2));
        System.out.printf(Locale.ROOT, "result: steps=%d train_loss_first=%.4f train_loss=%.4f test_loss=%.4f test_bpc=%.3f chars_per_s=%.0f params=%d%n",
                steps, first, last, testLoss, testLoss / Math.log(2), charsPerSecond, count);
        return new Result(first, last, testLoss, charsPerSecond, count);
    }

    private static int[] ids(String text, int[] index) {
        int[] out = new int[text.length()];
        for (int i = 0; i < out.length; i++) out[i] = index[text.charAt(i)];
        return out;
    }

    /** Random windows of {@code seq + 1} characters: the first seq are inputs, the last seq their targets. */
    private static void fill(int[] text, SplittableRandom random, Tensor ids, Tensor targets) {
        int batch = ids.dim(0), seq = ids.dim(1);
        int[] in = (int[]) ids.data(), out = (int[]) targets.data();
        for (int b = 0; b < batch; b++) {
            int from = random.nextInt(text.length - seq - 1);
            System.arraycopy(text, from, in, b * seq, seq);
            System.arraycopy(text, from + 1, out, b * seq, seq);
        }
    }
}
