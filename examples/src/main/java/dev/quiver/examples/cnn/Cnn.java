package dev.quiver.examples.cnn;

import dev.quiver.examples.CommandLine;
import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.Progress;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.layers.Conv2d;
import dev.quiver.layers.Layer;
import dev.quiver.layers.Linear;
import dev.quiver.layers.Pooling;
import dev.quiver.layers.Scope;
import dev.quiver.layers.Sequential;
import dev.quiver.ops.ConvSpec;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * A small convolutional network (LeNet-5's shape) trained with Adam on MNIST-format images (IDX
 * files: MNIST itself, or Fashion-MNIST, which Debian's {@code dataset-fashion-mnist} installs):
 * conv 5x5 (1 -> 6, padding 2) + ReLU + max-pool 2, conv 5x5 (6 -> 16) + ReLU + max-pool 2, then a
 * linear classifier over the 16 x 5 x 5 features (the layer API: {@link Conv2d}, {@link Pooling},
 * {@link Linear} in a {@link Sequential}), softmax cross-entropy on class indices. One
 * compiled training step reused for every minibatch (nothing allocated per step); test accuracy
 * after every epoch; one {@code result:} line at the end.
 */
public final class Cnn {
    static final String USAGE = """
            Usage: ./quiver cnn [options]
            Trains a LeNet-shaped CNN (two conv + max-pool layers, a linear classifier) with Adam on
            MNIST-format IDX images and reports test accuracy.
              --data DIR            directory with train-images-idx3-ubyte, train-labels-idx1-ubyte,
                                    t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally .gz)
                                    (default: ../shared/data/mnist of the project root if present, else
                                    /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist)
              --epochs N            passes over the training images (default 2)
              --batch N             images per Adam step (default 32)
              --lr X                Adam's learning rate (default 0.001)
              --limit N             train on the first N images only (default: all)
              --test-limit N        test on the first N images only (default: all)
              --backend scalar|simd force a backend (default: the fastest available)
              --threads N           kernel threads (default: available processors, at most 8)
              --seed N              seed for initialisation and shuffling (default 1)
              --progress SECONDS    seconds between progress lines (default 10)
              --help                this text
            Ends with one line 'result: key=value ...'.
            """;

    /** Images as unsigned bytes, one row of rows x cols per image, and their labels. */
    record Images(String name, byte[] pixels, int[] labels, int rows, int cols) {
        int size() { return labels.length; }
    }

    int epochs = 2, batch = 32, limit, testLimit, progressSeconds = 10;
    double lr = 0.001;
    long seed = 1;
    Integer threads;
    String backend;
    Path data;

    public static void main(String[] args) {
        try {
            Cnn c = parse(args);
            if (c == null) {
                System.out.print(USAGE);
                return;
            }
            c.run();
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("cnn: " + e.getMessage());
            System.exit(2);
        }
    }

    /** The options, or null for --help. */
    static Cnn parse(String[] args) {
        Cnn c = new Cnn();
        boolean run = CommandLine.parse(args, (a, v) -> {
            switch (a) {
                case "--data" -> c.data = Path.of(v);
                case "--epochs" -> c.epochs = CommandLine.positive(a, v);
                case "--batch" -> c.batch = CommandLine.positive(a, v);
                case "--lr" -> c.lr = Double.parseDouble(v);
                case "--limit" -> c.limit = Integer.parseInt(v);
                case "--test-limit" -> c.testLimit = Integer.parseInt(v);
                case "--backend" -> c.backend = v;
                case "--threads" -> c.threads = CommandLine.positive(a, v);
                case "--seed" -> c.seed = Long.parseLong(v);
                case "--progress" -> c.progressSeconds = CommandLine.positive(a, v);
                default -> throw CommandLine.unknown(a);
            }
        });
        return run ? c : null;
    }

    private Path dataDir() {
        if (data != null) return data;
        Path shared = Path.of(System.getProperty("quiver.root", ".")).resolve("../shared/data/mnist").normalize();
        return Files.isDirectory(shared) ? shared : Path.of("/usr/share/datasets/fashion-mnist");
    }

    private static Path find(Path dir, String name) throws IOException {
        for (String candidate : new String[] {name, name + ".gz", name.replace("-idx", ".idx"), name.replace("-idx", ".idx") + ".gz"}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException(dir.resolve(name) + "[.gz] not found; pass --data DIR with MNIST-format IDX files "
                + "(e.g. apt-get install dataset-fashion-mnist, which installs them in /usr/share/datasets/fashion-mnist)");
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (file.toString().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        return new DataInputStream(in);
    }

    /** Reads an IDX image file (magic 0x803) and its label file (0x801), the first {@code limit} images (0: all). */
    static Images read(Path images, Path labels, int limit) throws IOException {
        int[] y;
        try (DataInputStream in = open(labels)) {
            if (in.readInt() != 0x801) throw new IOException(labels + ": not an IDX label file (magic is not 0x801)");
            int n = in.readInt();
            if (n < 0) throw new IOException(labels + ": negative label count " + n);
            n = limit > 0 ? Math.min(limit, n) : n;
            y = new int[n];
            for (int i = 0; i < n; i++) y[i] = in.readUnsignedByte();
        } catch (EOFException e) {
            throw new IOException(labels + ": truncated", e);
        }
        try (DataInputStream in = open(images)) {
            if (in.readInt() != 0x803) throw new IOException(images + ": not an IDX image file (magic is not 0x803)");
            int n = in.readInt(), rows = in.readInt(), cols = in.readInt();
            if (n < y.length) throw new IOException(images + ": " + n + " images for " + y.length + " labels");
            if (rows < 16 || cols < 16 || rows > 4096 || cols > 4096) throw new IOException(images + ": images of " + rows + "x" + cols + "; the network needs 16x16 to 4096x4096");
            byte[] px = new byte[y.length * rows * cols];
            in.readFully(px);
            return new Images(images.getFileName().toString(), px, y, rows, cols);
        } catch (EOFException e) {
            throw new IOException(images + ": truncated", e);
        }
    }

    /**
     * The network on the layer API: parameters named {@code conv1.W}, {@code conv1.b}, {@code conv2.W},
     * {@code conv2.b}, {@code fc.W}, {@code fc.b} in one scope, shared by the training and evaluation graphs.
     */
    static Sequential network(Scope model, int rows, int cols, int classes) {
        int features = 16 * ((rows / 2 - 4) / 2) * ((cols / 2 - 4) / 2);
        return Sequential.of(
                new Conv2d(model.child("conv1"), 1, 6, 5, ConvSpec.DEFAULT.padding(2)), Node::relu, Pooling.max2d(2),
                new Conv2d(model.child("conv2"), 6, 16, 5), Node::relu, Pooling.max2d(2),
                Pooling.flatten(), new Linear(model.child("fc"), features, classes));
    }

    /** Copies images order[from ...] into x (scaled to [0, 1]) and their labels into classes. */
    static void fill(Images d, int[] order, int from, Tensor x, int[] classes) {
        float[] xs = (float[]) x.data();
        int px = d.rows() * d.cols();
        for (int i = 0; i < classes.length; i++) {
            int img = order[from + i];
            for (int j = 0; j < px; j++) xs[i * px + j] = (d.pixels()[img * px + j] & 0xff) * (1f / 255);
            classes[i] = d.labels()[img];
        }
    }

    /** An inference step computing logits for {@code n} images at a time. */
    record Eval(Step step, Node x, Node logits, Tensor input, int n) {}

    private Eval evalStep(Layer net, Images d, int n, TensorMath math) {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, n, 1, d.rows(), d.cols());
        Node logits = net.apply(x);
        Step s = g.compile(logits, CompileOptions.inferenceOnly().withMath(math));
        return new Eval(s, x, logits, Tensor.zeros(DType.F32, n, 1, d.rows(), d.cols()), n);
    }

    /** Fraction of images classified correctly. */
    double accuracy(Layer net, Images d, TensorMath math) {
        int n = Math.min(500, d.size()), full = d.size() / n * n, rest = d.size() - full;
        Eval big = evalStep(net, d, n, math), tail = rest > 0 ? evalStep(net, d, rest, math) : null;
        int[] order = new int[d.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int correct = 0;
        for (int from = 0; from < d.size(); ) {
            Eval e = from < full ? big : tail;
            int[] classes = new int[e.n()];
            fill(d, order, from, e.input(), classes);
            e.step().feed(e.x(), e.input()).forward();
            Tensor logits = e.step().value(e.logits());
            int k = logits.dim(1);
            for (int i = 0; i < e.n(); i++) {
                int best = 0;
                for (int c = 1; c < k; c++) if (logits.get(i, c) > logits.get(i, best)) best = c;
                if (best == classes[i]) correct++;
            }
            from += e.n();
        }
        return (double) correct / d.size();
    }

    /** Trains and evaluates; prints progress and returns the result line (also printed). */
    public String run() throws IOException {
        Backend be;
        if (backend != null || threads != null) {
            be = Backends.create(backend != null ? backend : Backends.current().name(), threads != null ? threads : Backends.defaultThreads());
        } else {
            be = Backends.current();
        }
        TensorMath math = TensorMath.of(be);
        Path dir = dataDir();
        Images train = read(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"), limit);
        Images test = read(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"), testLimit);
        int classes = 1 + Math.max(java.util.Arrays.stream(train.labels()).max().orElse(1), java.util.Arrays.stream(test.labels()).max().orElse(1));
        int b = Math.min(batch, train.size());
        System.out.printf(Locale.ROOT, "backend:  %s%n", be.description());
        System.out.printf(Locale.ROOT, "data:     %s: %,d train / %,d test images of %dx%d, %d classes%n",
                dir, train.size(), test.size(), train.rows(), train.cols(), classes);

        Scope model = Scope.root(DType.F32, Seed.of(seed));
        Sequential net = network(model, train.rows(), train.cols(), classes);
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, b, 1, train.rows(), train.cols());
        Node y = g.input("y", DType.I32, b);
        Node loss = g.softmaxCrossEntropy(net.apply(x), y);
        Step step = g.compile(loss, CompileOptions.training().withMath(math));
        Adam adam = new Adam(model.parameters(), lr, 0.9, 0.999, 1e-8, math);
        long params = model.parameters().stream().mapToLong(p -> p.value().size()).sum();
        System.out.printf(Locale.ROOT, "model:    conv5x5(1->6, pad 2) relu maxpool2, conv5x5(6->16) relu maxpool2, linear -> %d; "
                + "%,d parameters, batch %d, Adam lr %s%n", classes, params, b, lr);

        Tensor xs = Tensor.zeros(DType.F32, b, 1, train.rows(), train.cols());
        int[] ys = new int[b];
        Tensor yt = Tensor.ofInts(ys, b);
        Rng rng = new Rng(seed);
        int steps = train.size() / b;
        double firstLoss = Double.NaN, lastLoss = Double.NaN, acc = 0;
        long trainNanos = 0, images = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] order = rng.permutation(train.size());
            Progress progress = new Progress("img", (long) steps * b, progressSeconds);
            double sum = 0;
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                fill(train, order, s * b, xs, ys);
                step.feed(x, xs).feed(y, yt).forward().backward();
                adam.step();
                double l = step.output().item();
                if (Double.isNaN(firstLoss)) firstLoss = l;
                sum += l;
                progress.tick("epoch " + epoch, l, 1, b);
            }
            trainNanos += System.nanoTime() - start;
            images += (long) steps * b;
            lastLoss = sum / Math.max(1, steps);
            acc = accuracy(net, test, math);
            System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f, test accuracy %.2f%% (%,d images), %.0f img/s%n",
                    epoch, lastLoss, 100 * acc, test.size(), images / (trainNanos / 1e9));
        }
        String result = String.format(Locale.ROOT,
                "result: test_acc=%.4f train_loss=%.4f first_loss=%.4f img_per_s=%.1f epochs=%d train_images=%d test_images=%d batch=%d heap_mb=%.1f",
                acc, lastLoss, firstLoss, images / Math.max(1e-9, trainNanos / 1e9), epochs, train.size(), test.size(), b, Progress.heapMb());
        System.out.println(result);
        return result;
    }
}
