package dev.quiver.examples;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The README's first command. Trains the lecture's two-layer network h = tanh(W x + b),
 * y = V h + a (softmax cross-entropy) on three interleaved spirals, or on a CSV / MNIST IDX file,
 * and prints the backend and why, the model size, a line per epoch and a summary. With
 * {@code --task svm} it minimises the lecture's SVM objective instead.
 */
public final class Demo {
    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (Options.UsageException e) {
            System.err.println("quiver demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(Options.USAGE);
            return;
        }
        try {
            new Demo(o).run();
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("quiver demo: " + e.getMessage());
            System.exit(1);
        }
    }

    private final Options o;
    /** --plot: the points so far, or null. */
    private TrainingPlot plot;
    private final DType dtype;
    private final TensorMath math;

    private Demo(Options o) {
        this.o = o;
        this.dtype = o.dtype.equals("f64") ? DType.F64 : DType.F32;
        Backend backend;
        String why;
        if (o.backend != null || o.threads != null) {
            String name = o.backend != null ? o.backend : Backends.current().name();
            int threads = o.threads != null ? o.threads : Backends.defaultThreads();
            backend = Backends.create(name, threads);
            why = o.backend != null ? "chosen with --backend" : "default backend, threads from --threads";
        } else {
            backend = Backends.current();
            why = Backends.selectionReason();
        }
        this.math = TensorMath.of(backend);
        System.out.println("backend:  " + backend.description() + " - " + why);
        System.out.println("          available: " + Backends.available() + "; force one with --backend or -Dquiver.backend");
    }

    private Dataset load() throws IOException {
        if (o.data == null) return o.task.equals("svm") ? Dataset.blobs(300, 0.5, o.seed) : Dataset.spirals(400, 3, 0.15, o.seed);
        String name = o.data.getFileName().toString();
        if (name.contains("idx") || name.contains("ubyte")) {
            Path labels = o.labels != null ? o.labels
                    : o.data.resolveSibling(name.replace("images", "labels").replace("idx3", "idx1"));
            if (labels.equals(o.data)) throw new IOException(o.data + ": cannot derive the labels file name; pass --labels");
            return Dataset.readIdx(o.data, labels);
        }
        return Dataset.readCsv(o.data).standardise();
    }

    private void run() throws IOException {
        Dataset data = load();
        if (data.size() < 2) throw new IOException("need at least 2 examples, got " + data.size());
        Rng rng = new Rng(o.seed);
        int[] order = rng.permutation(data.size());
        int trainSize = Math.max(1, data.size() * 4 / 5);
        int[] train = java.util.Arrays.copyOfRange(order, 0, trainSize);
        int[] test = java.util.Arrays.copyOfRange(order, trainSize, data.size());
        System.out.printf(Locale.ROOT, "data:     %s; %d features, %d classes; %d train / %d held out%n",
                data.description(), data.dim(), data.classes(), train.length, test.length);
        plot = Plots.open(o.plot, "quiver demo: " + data.description() + (o.task.equals("svm") ? ", SVM" : ""),
                o.task.equals("svm") ? "objective" : "training loss");
        if (o.task.equals("svm")) trainSvm(data, train, test, rng);
        else trainMlp(data, train, test, rng);
        if (plot != null) {
            plot.write(o.plot);
            System.out.println("plot:     " + o.plot + " (loss and accuracy against time)");
        }
    }

    // ------------------------------------------------------------------ the two-layer network

    private void trainMlp(Dataset data, int[] train, int[] test, Rng rng) {
        int batch = Math.min(o.batch, train.length);
        int in = data.dim(), classes = Math.max(2, data.classes());
        Parameter W = new Parameter("W", Init.xavierUniform(dtype, Seed.of(o.seed + 1), in, o.hidden));
        Parameter b = new Parameter("b", Tensor.zeros(dtype, o.hidden));
        Parameter V = new Parameter("V", Init.xavierUniform(dtype, Seed.of(o.seed + 2), o.hidden, classes));
        Parameter a = new Parameter("a", Tensor.zeros(dtype, classes));
        Step step = mlp(batch, classes, W, b, V, a, false);
        long params = (long) in * o.hidden + o.hidden + (long) o.hidden * classes + classes;
        System.out.printf(Locale.ROOT, "model:    h = tanh(W x + b), y = V h + a; %d-%d-%d, %,d parameters (%s), batch %d, %s lr %s%n",
                in, o.hidden, classes, params, dtype, batch, o.optimizer, o.learningRate);
        System.out.printf(Locale.ROOT, "plan:     %s%n", step.plan().summary());
        Optimizer opt = o.optimizer.equals("sgd") ? new Sgd(step.parameters(), o.learningRate, 0.9, 0, math)
                : new Adam(step.parameters(), o.learningRate, 0.9, 0.999, 1e-8, math);
        Step evalTrain = mlp(train.length, classes, W, b, V, a, true);
        Step evalTest = test.length > 0 ? mlp(test.length, classes, W, b, V, a, true) : null;

        Tensor x = step.input("x"), target = step.input("target");
        int stepsPerEpoch = train.length / batch;
        long start = System.nanoTime(), steps = 0, bytesLastEpoch = -1;
        double loss = Double.NaN;
        int epochs = o.epochs();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            rng.shuffle(train);
            long epochStart = System.nanoTime(), allocStart = allocatedBytes();
            double lossSum = 0;
            for (int s = 0; s < stepsPerEpoch; s++) {
                data.fillBatch(x, train, s * batch);
                oneHot(target, data.labels(), train, s * batch);
                step.forward().backward();
                opt.step();
                lossSum += step.output().item();
            }
            long allocated = allocatedBytes() - allocStart;
            if (epoch > 1) bytesLastEpoch = allocated;
            steps += stepsPerEpoch;
            loss = lossSum / stepsPerEpoch;
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (plot != null) plot.loss(elapsed, loss);
            if (epoch == 1 || epoch == epochs || epoch % Math.max(1, epochs / 10) == 0) {
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                double trainAcc = accuracy(evalTrain, data, train, classes);
                double testAcc = evalTest == null ? Double.NaN : accuracy(evalTest, data, test, classes);
                if (plot != null) {
                    plot.accuracy("train accuracy", elapsed, trainAcc);
                    plot.accuracy("held-out accuracy", elapsed, testAcc);
                }
                System.out.printf(Locale.ROOT, "epoch %3d  loss %.4f  train acc %5.1f%%  held-out acc %5s  %,8.0f steps/s%n",
                        epoch, loss, 100 * trainAcc,
                        evalTest == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * testAcc),
                        stepsPerEpoch / seconds);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "done:     %d steps in %.2f s (%,.0f steps/s); final loss %.4f, train acc %.1f%%, held-out acc %s%n",
                steps, seconds, steps / seconds, loss, 100 * accuracy(evalTrain, data, train, classes),
                evalTest == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * accuracy(evalTest, data, test, classes)));
        if (bytesLastEpoch >= 0 && stepsPerEpoch > 0) {
            double perStep = (double) bytesLastEpoch / stepsPerEpoch;
            System.out.printf(Locale.ROOT, "          %.1f bytes allocated per training step in the last epoch (batch filling included)%s%n",
                    perStep, perStep > 64 ? "; kernels still warming up: Vector API code allocates until C2 compiles it,"
                            + " the steady state (JMH MlpStepBench -prof gc) allocates ~0" : "");
        }
    }

    /** The network over a batch of the given size, sharing the parameters; inference steps skip backward. */
    private Step mlp(int batch, int classes, Parameter W, Parameter b, Parameter V, Parameter a, boolean inference) {
        Graph g = new Graph();
        Node x = g.input("x", dtype, batch, W.value().dim(0));
        Node target = g.input("target", dtype, batch, classes);
        Node w = g.param(W), bb = g.param(b), v = g.param(V), aa = g.param(a);
        Node h = g.named("h", x.matmul(w).add(bb).tanh());
        Node y = g.named("y", h.matmul(v).add(aa));
        Node loss = g.named("loss", Losses.softmaxCrossEntropy(y, target));
        CompileOptions options = (inference ? CompileOptions.inferenceOnly() : CompileOptions.training().withWrt(w, bb, v, aa))
                .withKeep(y).withMath(math);
        return g.compile(loss, options);
    }

    private static void oneHot(Tensor out, int[] labels, int[] order, int from) {
        int classes = out.dim(1);
        for (int i = 0; i < out.dim(0); i++) {
            int label = labels[order[from + i]];
            for (int c = 0; c < classes; c++) out.setFlat(i * classes + c, c == label ? 1 : 0);
        }
    }

    private static double accuracy(Step eval, Dataset data, int[] rows, int classes) {
        data.fillBatch(eval.input("x"), rows, 0);
        oneHot(eval.input("target"), data.labels(), rows, 0);
        Tensor y = eval.forward().value("y");
        int correct = 0;
        for (int i = 0; i < rows.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (y.get(i, c) > y.get(i, best)) best = c;
            if (best == data.labels()[rows[i]]) correct++;
        }
        return rows.length == 0 ? Double.NaN : (double) correct / rows.length;
    }

    // ------------------------------------------------------------------ the SVM exercise

    /** min_w ½ wᵀw + C Σ max(0, 1 − y_i wᵀx_i) by full-batch SGD; a constant feature plays the bias. */
    private void trainSvm(Dataset data, int[] train, int[] test, Rng rng) {
        int d = data.dim() + 1;
        double c = 1.0 / train.length;
        Graph g = new Graph();
        Node w = g.param("w", Tensor.zeros(DType.F64, d));
        Node x = g.input("x", DType.F64, train.length, d);
        Node y = g.input("y", DType.F64, train.length);
        Step step = g.compile(Losses.svm(w, x, y, 1.0).mul(c), CompileOptions.training().withWrt(w).withMath(math));
        System.out.printf(Locale.ROOT, "model:    SVM, objective (1/n)(1/2 w'w + C sum max(0, 1 - y w'x)) with C = 1, %d weights (last = bias)%n", d);
        fillSvm(step.input("x"), step.input("y"), data, train);
        Optimizer opt = new Sgd(step.parameters(), o.learningRate, 0.9, 0, math);
        long start = System.nanoTime();
        int epochs = o.epochs();
        System.out.printf(Locale.ROOT, "epochs:   %d full-batch steps%s%n", epochs, o.epochs == null ? " (the SVM's default; --epochs N to change)" : "");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double objective = step.forward().output().item();
            step.backward();
            opt.step();
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (plot != null) plot.loss(elapsed, objective);
            if (epoch == 1 || epoch == epochs || epoch % Math.max(1, epochs / 10) == 0) {
                if (plot != null) {
                    plot.accuracy("train accuracy", elapsed, svmAccuracy(w.parameter().value(), data, train));
                    plot.accuracy("held-out accuracy", elapsed, svmAccuracy(w.parameter().value(), data, test));
                }
                System.out.printf(Locale.ROOT, "epoch %4d  objective %.5f  train acc %5.1f%%  held-out acc %5.1f%%%n",
                        epoch, objective, 100 * svmAccuracy(w.parameter().value(), data, train),
                        100 * svmAccuracy(w.parameter().value(), data, test));
            }
        }
        System.out.printf(Locale.ROOT, "done:     %.2f s; w = %s; train acc %.1f%%, held-out acc %.1f%%%n",
                (System.nanoTime() - start) / 1e9, w.parameter().value(),
                100 * svmAccuracy(w.parameter().value(), data, train), 100 * svmAccuracy(w.parameter().value(), data, test));
    }

    private static void fillSvm(Tensor x, Tensor y, Dataset data, int[] rows) {
        int d = data.dim();
        for (int i = 0; i < rows.length; i++) {
            double[] f = data.features()[rows[i]];
            for (int j = 0; j < d; j++) x.setFlat(i * (d + 1) + j, f[j]);
            x.setFlat(i * (d + 1) + d, 1);
            y.setFlat(i, data.labels()[rows[i]] > 0 ? 1 : -1);
        }
    }

    private static double svmAccuracy(Tensor w, Dataset data, int[] rows) {
        int d = data.dim(), correct = 0;
        for (int row : rows) {
            double s = w.get(d);
            for (int j = 0; j < d; j++) s += w.get(j) * data.features()[row][j];
            if ((s > 0) == (data.labels()[row] > 0)) correct++;
        }
        return rows.length == 0 ? Double.NaN : (double) correct / rows.length;
    }

    private static long allocatedBytes() {
        var bean = ManagementFactory.getThreadMXBean();
        if (bean instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemorySupported()) {
            return sun.getCurrentThreadAllocatedBytes();
        }
        return 0;
    }
}
