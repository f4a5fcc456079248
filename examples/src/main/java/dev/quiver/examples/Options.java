package dev.quiver.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The demo's command line. Every problem is one clear line (thrown as {@link UsageException}). */
public final class Options {
    public String task = "mlp";
    public Path data;
    public Path labels;
    public String backend;
    public Integer threads;
    public int hidden = 32;
    public int batch = 32;
    /** As given with --epochs, else null: see {@link #epochs()}. */
    public Integer epochs;
    public double learningRate = 0.02;
    public String optimizer = "adam";
    public long seed = 42;
    public String dtype = "f32";
    public boolean help;
    /** --plot FILE: loss and accuracy against time, PNG (or SVG for .svg). */
    public Path plot;

    public static final String USAGE = """
            Usage: ./quiver demo [options]
            Trains the lecture's two-layer network h = tanh(W x + b), y = V h + a with softmax
            cross-entropy (or, with --task svm, the SVM objective 1/2 w'w + C sum max(0, 1 - y w'x)).

              --task mlp|svm        what to train (default mlp)
              --data FILE           CSV (label first, then features) or MNIST IDX images (.idx3-ubyte[.gz]);
                                    default: three interleaved spirals (mlp) or two Gaussian blobs (svm),
                                    made by the demo
              --labels FILE         IDX labels file (default: derived from the images file name)
              --backend scalar|simd force a backend (default: the fastest available)
              --threads N           kernel threads (default: available processors, at most 8)
              --hidden N            hidden units (default 32)
              --batch N             examples per step (default 32)
              --epochs N            passes over the data (default 200 for mlp; 2000 full-batch steps for svm)
              --lr X                learning rate (default 0.02)
              --optimizer sgd|adam  (default adam)
              --dtype f32|f64       (default f32)
              --seed N              seed for data, initialisation and shuffling (default 42)
              --plot FILE           also draw loss and accuracy against time (PNG, or SVG for FILE.svg)
              --help                this text
            """;

    /** The epochs given, else the task's default: 200 for the network, 2000 full-batch steps for the SVM. */
    public int epochs() {
        return epochs != null ? epochs : task.equals("svm") ? 2000 : 200;
    }

    public static final class UsageException extends Exception {
        public UsageException(String message) { super(message); }
    }

    public static Options parse(String... args) throws UsageException {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
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
                case "--task" -> o.task = oneOf(arg, value, "mlp", "svm");
                case "--data" -> o.data = readable(arg, value);
                case "--labels" -> o.labels = readable(arg, value);
                case "--backend" -> o.backend = oneOf(arg, value, "scalar", "simd");
                case "--threads" -> o.threads = positive(arg, value);
                case "--hidden" -> o.hidden = positive(arg, value);
                case "--batch" -> o.batch = positive(arg, value);
                case "--epochs" -> o.epochs = positive(arg, value);
                case "--lr" -> o.learningRate = positiveReal(arg, value);
                case "--optimizer" -> o.optimizer = oneOf(arg, value, "sgd", "adam");
                case "--dtype" -> o.dtype = oneOf(arg, value, "f32", "f64");
                case "--seed" -> o.seed = longValue(arg, value);
                case "--plot" -> o.plot = Path.of(value);
                default -> throw new UsageException("unknown option " + arg + " (see --help)");
            }
        }
        return o;
    }

    private static String oneOf(String option, String value, String... allowed) throws UsageException {
        String v = value.toLowerCase(Locale.ROOT);
        for (String a : allowed) if (a.equals(v)) return a;
        throw new UsageException(option + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }

    private static Path readable(String option, String value) throws UsageException {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) throw new UsageException(option + ": cannot read file '" + value + "'");
        return p;
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

    private static long longValue(String option, String value) throws UsageException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be an integer, got '" + value + "'");
        }
    }
}
