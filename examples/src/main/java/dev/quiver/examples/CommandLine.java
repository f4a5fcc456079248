package dev.quiver.examples;

/**
 * The option loop the single-purpose examples share ({@code cnn}, {@code transformer}):
 * {@code --name value} or {@code --name=value} pairs, {@code --help}/{@code -h}, and every problem
 * (a missing value, an unknown option, a malformed number) as one IllegalArgumentException line
 * that names the option.
 */
public final class CommandLine {
    private CommandLine() {}

    /** Sets one option; throws IllegalArgumentException (or NumberFormatException) for a bad one. */
    @FunctionalInterface
    public interface Setter {
        void set(String option, String value);
    }

    /** Hands each option and its value to {@code setter}; false if --help was asked for. */
    public static boolean parse(String[] args, Setter setter) {
        for (int i = 0; i < args.length; i++) {
            String option = args[i], value = null;
            if (option.equals("--help") || option.equals("-h")) return false;
            int eq = option.indexOf('=');
            if (option.startsWith("--") && eq > 0) {
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            }
            if (!option.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + option + "' (see --help)");
            if (value == null) {
                if (i + 1 >= args.length) throw new IllegalArgumentException(option + " needs a value (see --help)");
                value = args[++i];
            }
            try {
                setter.set(option, value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": not a number: " + value);
            }
        }
        return true;
    }

    /** An integer of at least 1. */
    public static int positive(String option, String value) {
        int v = Integer.parseInt(value);
        if (v < 1) throw new IllegalArgumentException(option + " must be at least 1, got " + v);
        return v;
    }

    /** The error for an option the example does not have. */
    public static IllegalArgumentException unknown(String option) {
        return new IllegalArgumentException("unknown option " + option + " (see --help)");
    }
}
