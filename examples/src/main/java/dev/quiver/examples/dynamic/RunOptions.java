package dev.quiver.examples.dynamic;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.examples.Options.UsageException;
import dev.quiver.graph.Parameter;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.TensorMath;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The command line of {@code treenn} and {@code rnnlm}; every problem is one line (a {@link UsageException}). */
public final class RunOptions {
    public int epochs;
    public int limit;            // training examples, 0 = all
    public int evalLimit;        // evaluation examples, 0 = all
    public Integer threads;
    public String backend;
    public Path data;
    public long seed = 1;
    public double lr;
    public String optimizer;
    public double progressSeconds = 10;
    public boolean help;
    /** --plot FILE: the training loss (and dev accuracy) against time, PNG or SVG. */
    public Path plot;
    /** --batch N: examples per optimiser step, their losses summed in one graph. */
    public int batch;
    /** --train FILE / --dev FILE: a tagged corpus of the user's ("word TAB tag" lines, a blank line between sentences); tagger only. */
    public Path trainFile, devFile;
    /** --autobatch on|off: run a minibatch's graph with autobatching (on) or as built (off). */
    public boolean autobatch = true;
    /** --pipeline on|off: build and compile the next step on a second thread while one runs. */
    public boolean pipeline = true;
    /** --bucket on|off: minibatches of sentences of one length (rnnlm, tagger), so their plans repeat. */
    public boolean bucket = true;

    RunOptions(int epochs, double lr, String optimizer) {
        this(epochs, lr, optimizer, 1);
    }

    RunOptions(int epochs, double lr, String optimizer, int batch) {
        this.epochs = epochs;
        this.lr = lr;
        this.optimizer = optimizer;
        this.batch = batch;
    }

    public static String usage(String command, String what, RunOptions defaults) {
        return String.format(Locale.ROOT, """
                Usage: ./quiver %s [options]
                %s
                  --epochs N            passes over the training data (default %d)
                  --limit N             train on the first N examples only (default: all)
                  --eval-limit N        evaluate on the first N examples only (default: all)
                  --data DIR            the shared data directory (default ../shared/data of the project root)
                  --backend scalar|simd force a backend (default: the fastest available)
                  --threads N           kernel threads (default: available processors, at most 8)
                  --optimizer adam|sgd  (default %s)
                  --lr X                learning rate (default %s)
                  --batch N             examples per optimiser step, their losses summed in one graph (default %d)
                  --autobatch on|off    run each minibatch's graph autobatched: the examples' like operations
                                        as one batched kernel (default on; off runs the graph as built)
                  --pipeline on|off     build and compile the next step on a second thread while one runs
                                        (default on; the results are the same bit for bit)
                  --bucket on|off       rnnlm and tagger: minibatches of sentences of one length, in shuffled
                                        order, so a minibatch's plan is cached and reused (default on)
                  --seed N              seed for initialisation and shuffling (default 1)
                  --progress SECONDS    seconds between progress lines (default 10)
                  --plot FILE           draw the training loss (and accuracy) against time (PNG, or SVG for FILE.svg)
                  --help                this text
                Ends with one line 'result: key=value ...'.
                """, command, what, defaults.epochs, defaults.optimizer, defaults.lr, defaults.batch);
    }

    public static RunOptions parse(RunOptions o, String... args) throws UsageException {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i], value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                o.help = true;
                continue;
            }
            if (!arg.startsWith("--")) throw new UsageException("unexpected argument '" + arg + "' (see --help)");
            if (value == null) {
                if (i + 1 >= args.length) throw new UsageException(arg + " needs a value (see --help)");
                value = args[++i];
            }
            switch (arg) {
                case "--epochs" -> o.epochs = positive(arg, value);
                case "--limit" -> o.limit = positive(arg, value);
                case "--eval-limit" -> o.evalLimit = positive(arg, value);
                case "--data" -> {
                    Path p = Path.of(value);
                    if (!Files.isDirectory(p)) throw new UsageException("--data: no directory '" + value + "'");
                    o.data = p;
                }
                case "--backend" -> o.backend = oneOf(arg, value, "scalar", "simd");
                case "--threads" -> o.threads = positive(arg, value);
                case "--optimizer" -> o.optimizer = oneOf(arg, value, "adam", "sgd");
                case "--lr" -> o.lr = positiveReal(arg, value);
                case "--seed" -> {
                    try {
                        o.seed = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--seed must be an integer, got '" + value + "'");
                    }
                }
                case "--progress" -> o.progressSeconds = positiveReal(arg, value);
                case "--batch" -> o.batch = positive(arg, value);
                case "--train" -> o.trainFile = readable(arg, value);
                case "--dev" -> o.devFile = readable(arg, value);
                case "--autobatch" -> o.autobatch = oneOf(arg, value, "on", "off").equals("on");
                case "--pipeline" -> o.pipeline = oneOf(arg, value, "on", "off").equals("on");
                case "--bucket" -> o.bucket = oneOf(arg, value, "on", "off").equals("on");
                case "--plot" -> o.plot = Path.of(value);
                default -> throw new UsageException("unknown option " + arg + " (see --help)");
            }
        }
        if (o.data == null) o.data = DataDir.locate();
        return o;
    }

    /** The math to run on, from --backend / --threads, printed with the reason. */
    public TensorMath math() {
        Backend b;
        String why;
        if (backend != null || threads != null) {
            b = Backends.create(backend != null ? backend : Backends.current().name(), threads != null ? threads : Backends.defaultThreads());
            why = backend != null ? "chosen with --backend" : "default backend, threads from --threads";
        } else {
            b = Backends.current();
            why = Backends.selectionReason();
        }
        System.out.println("backend:  " + b.description() + " - " + why);
        return TensorMath.of(b);
    }

    /**
     * One optimiser over all of the model's parameters (--optimizer, --lr). It updates only the
     * parameters whose gradient the last backward pass wrote (a one-word tree has no internal node:
     * its step leaves the internal cell's weights and their Adam moments alone), and of a
     * row-sparse gradient (an embedding read through lookups) only the touched rows.
     */
    public Optimizer optimizer(List<Parameter> parameters, TensorMath math) {
        return switch (optimizer) {
            case "adam" -> new Adam(parameters, lr, 0.9, 0.999, 1e-8, math);
            case "sgd" -> new Sgd(parameters, lr, 0, 0, math);
            default -> throw new IllegalArgumentException("unknown optimizer " + optimizer);
        };
    }

    /** The examples in {@code order}, {@code size} per minibatch (the last one may be smaller). */
    public static java.util.List<int[]> batches(int[] order, int size) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int first = 0; first < order.length; first += size) {
            out.add(java.util.Arrays.copyOfRange(order, first, Math.min(order.length, first + size)));
        }
        return out;
    }

    /**
     * Minibatches of at most {@code size} examples of one length each ({@code length[i]} of example
     * i), taken in {@code order} within a length, the batches themselves in an order shuffled by
     * {@code rng}: the common bucketing of sentences, under which a minibatch's structure recurs.
     */
    public static java.util.List<int[]> bucketed(int[] order, int size, int[] length, dev.quiver.tensor.Rng rng) {
        java.util.Map<Integer, java.util.List<Integer>> byLength = new java.util.TreeMap<>();
        for (int i : order) byLength.computeIfAbsent(length[i], k -> new java.util.ArrayList<>()).add(i);
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (java.util.List<Integer> same : byLength.values()) {
            int[] ids = same.stream().mapToInt(Integer::intValue).toArray();
            out.addAll(batches(ids, size));
        }
        int[] perm = new int[out.size()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        rng.shuffle(perm);
        java.util.List<int[]> shuffled = new java.util.ArrayList<>(out.size());
        for (int p : perm) shuffled.add(out.get(p));
        return shuffled;
    }

    private static Path readable(String option, String value) throws UsageException {
        Path p = Path.of(value);
        if (!Files.isReadable(p)) throw new UsageException(option + ": cannot read '" + value + "'");
        return p;
    }

    private static String oneOf(String option, String value, String... allowed) throws UsageException {
        String v = value.toLowerCase(Locale.ROOT);
        for (String a : allowed) if (a.equals(v)) return a;
        throw new UsageException(option + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }

    private static int positive(String option, String value) throws UsageException {
        try {
            int v = Integer.parseInt(value);
            if (v > 0) return v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(option + " must be a positive integer, got '" + value + "'");
    }

    private static double positiveReal(String option, String value) throws UsageException {
        try {
            double v = Double.parseDouble(value);
            if (v > 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(option + " must be a positive number, got '" + value + "'");
    }
}
