package dev.quiver.check.kit;

import org.junit.jupiter.api.DynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A property: a generator and a body that must not throw for any generated value. Runs a number
 * of seeded tries; on the first failure it shrinks the case to a minimal one and throws a
 * {@link PropertyFailure} reporting the minimal case, the original case and the seed.
 *
 * <pre>{@code
 * @Test void reshapeKeepsRowMajorOrder() {
 *     Property.forAll(TensorGens.tensors(Domain.REAL))
 *             .classify("rank", Tensor::rank)
 *             .check(t -> assertEquals(..., ...));
 * }
 * }</pre>
 *
 * <p>Deterministic by default: try i of a property draws from a seed derived from the property's
 * name and i, so a CI failure reproduces locally. Tries, profile and seed come from
 * {@link Settings} ({@code -Dquiver.tries}, {@code -Pdeep}, {@code -Dquiver.seed}). After the
 * tries, one summary line with coverage counts is printed to standard output (the surefire
 * report's output file).
 */
public final class Property<T> {
    /** The body of a property; any Throwable is a failure, except {@link #assume} rejections. */
    @FunctionalInterface
    public interface Body<T> {
        void test(T value) throws Throwable;
    }

    /** What a passing property did. */
    public record Result(String name, int tries, int rejected, Coverage coverage, long baseSeed) {}

    private record Classifier<T>(String category, Function<? super T, ?> f) {}

    private final Gen<T> gen;
    private String name;
    private int tries = 100;
    private boolean fixedTries;
    private int shrinkBudget = 2_000;
    private long shrinkSeconds = 60;
    private Long baseSeed;
    private Function<? super T, String> describe = Describe::of;
    private final List<Classifier<T>> classifiers = new ArrayList<>();

    private Property(Gen<T> gen) {
        this.gen = Objects.requireNonNull(gen);
    }

    public static <T> Property<T> forAll(Gen<T> gen) {
        return new Property<>(gen);
    }

    /** Skips the current case (it counts as neither passed nor failed) unless the condition holds. */
    public static void assume(boolean condition) {
        if (!condition) throw new Source.Rejected("assumption failed");
    }

    /** The name in reports and the source of the default seed (default: the calling class and method). */
    public Property<T> named(String name) {
        this.name = name;
        return this;
    }

    /** Tries in the default profile (default 100); see {@link Settings#tries}. */
    public Property<T> tries(int tries) {
        if (tries < 1) throw new IllegalArgumentException("tries must be >= 1, got " + tries);
        this.tries = tries;
        return this;
    }

    /**
     * Exactly this many tries whatever {@code -Dquiver.tries} and the profile say (for tests that
     * count on a number of tries, like the kit's own). {@code -Dquiver.seed} still applies.
     */
    public Property<T> fixedTries(int tries) {
        tries(tries);
        this.fixedTries = true;
        return this;
    }

    /** Most property runs and seconds to spend shrinking one failure (default 2000 runs, 60 s). */
    public Property<T> shrinkBudget(int runs, long seconds) {
        this.shrinkBudget = runs;
        this.shrinkSeconds = seconds;
        return this;
    }

    /** A fixed base seed instead of the one derived from the name. */
    public Property<T> seed(long seed) {
        this.baseSeed = seed;
        return this;
    }

    /** How cases appear in failure reports (default {@link Describe#of}). */
    public Property<T> describe(Function<? super T, String> describe) {
        this.describe = describe;
        return this;
    }

    /** Counts each try under {@code category} by the value f computes (e.g. "rank", Tensor::rank). */
    public Property<T> classify(String category, Function<? super T, ?> f) {
        classifiers.add(new Classifier<>(category, f));
        return this;
    }

    /** This property as a JUnit 5 dynamic test (for {@code @TestFactory} methods). */
    public DynamicTest test(String displayName, Body<T> body) {
        String qualified = name != null ? name : callerName() + "/" + displayName;
        return DynamicTest.dynamicTest(displayName, () -> named(qualified).check(body));
    }

    /** Runs the property; throws {@link PropertyFailure} with the shrunk case on failure. */
    public Result check(Body<T> body) {
        String propertyName = name != null ? name : callerName();
        Long forced = Settings.forcedSeed();
        int wanted = forced != null ? 1 : fixedTries ? tries : Settings.tries(tries);
        long base = baseSeed != null ? baseSeed : mix(propertyName.hashCode() * 0x9E3779B97F4A7C15L);
        Coverage coverage = new Coverage();
        int passed = 0, rejected = 0;
        long start = System.nanoTime();
        for (int i = 0; passed < wanted; i++) {
            if (rejected > 10 * wanted + 100) {
                throw new AssertionError("property '" + propertyName + "': gave up after " + rejected
                        + " rejected cases and " + passed + " passing ones; the generator or assume() rejects too much");
            }
            long seed = forced != null ? forced : mix(base + i * 0x9E3779B97F4A7C15L);
            Source source = Source.random(seed);
            T value;
            try {
                value = gen.generate(source);
            } catch (Source.Rejected | Source.Overrun e) {
                if (forced != null) throw new AssertionError("property '" + propertyName + "': seed " + forced + " is rejected: " + e.getMessage());
                rejected++;
                continue;
            }
            Throwable error = run(body, value, coverage);
            if (error == null) {
                passed++;
                for (Classifier<T> c : classifiers) coverage.add(c.category(), String.valueOf(c.f().apply(value)));
                continue;
            }
            if (error instanceof Source.Rejected) {
                rejected++;
                continue;
            }
            throw shrinkAndReport(body, propertyName, seed, i, wanted, source.choices(), value, error);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("property %s: %d tries passed (%d rejected) in %.2f s, profile %s, base seed %s%s%n",
                propertyName, passed, rejected, seconds, Settings.profile(), Settings.seedString(base),
                coverage.counts().isEmpty() ? "" : "; coverage " + coverage);
        return new Result(propertyName, passed, rejected, coverage, base);
    }

    private Throwable run(Body<T> body, T value, Coverage coverage) {
        Coverage.activate(coverage);
        try {
            body.test(value);
            return null;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) throw (VirtualMachineError) t;
            return t;
        } finally {
            Coverage.deactivate();
        }
    }

    private PropertyFailure shrinkAndReport(Body<T> body, String propertyName, long seed, int tryIndex, int wanted,
                                            long[] original, T originalValue, Throwable originalError) {
        Class<?> kind = originalError.getClass();
        // Bodies may mutate their inputs (out tensors): describe fresh replays, not the values they saw.
        String originalDescription = describeSafely(gen.generate(Source.replay(original)));
        long deadline = System.nanoTime() + shrinkSeconds * 1_000_000_000L;
        Shrinker shrinker = new Shrinker(original, candidate -> {
            Source source = Source.replay(candidate);
            T value;
            try {
                value = gen.generate(source);
            } catch (Source.Rejected | Source.Overrun e) {
                return null;
            }
            Throwable error = run(body, value, null);
            return error != null && error.getClass() == kind ? source.choices() : null;
        }, shrinkBudget, deadline);
        long[] minimal = shrinker.shrink();
        Source source = Source.replay(minimal);
        T minimalValue = gen.generate(source);
        Throwable minimalError = run(body, minimalValue, null);
        if (minimalError == null) { // cannot happen for a deterministic property; report the original
            minimalValue = originalValue;
            minimalError = originalError;
            minimal = original;
        }
        String minimalDescription = describeSafely(gen.generate(Source.replay(minimal)));
        String message = "property '" + propertyName + "' failed on try " + (tryIndex + 1) + " of " + wanted
                + " (rerun: " + rerunHint(propertyName) + "-D" + Settings.SEED + "=" + Settings.seedString(seed) + ")\n"
                + "minimal case (" + shrinker.runs() + " shrink runs, " + minimal.length + " choices):\n  "
                + minimalDescription + "\n  fails with: " + minimalError + "\n"
                + "original case (" + original.length + " choices):\n  "
                + originalDescription + "\n  fails with: " + originalError;
        return new PropertyFailure(message, minimalError, propertyName, seed, minimalValue, minimalDescription,
                originalDescription, minimal, original, shrinker.runs());
    }

    /** "-Dtest=Class#method " when the name came from the calling test method, else "". */
    private static String rerunHint(String propertyName) {
        if (!propertyName.matches("[A-Za-z_$][\\w$]*\\.[A-Za-z_$][\\w$]*(/.*)?")) return "";
        return "-Dtest=" + propertyName.replaceFirst("\\.", "#").replaceFirst("/.*", "") + " ";
    }

    private String describeSafely(T value) {
        try {
            return describe.apply(value);
        } catch (RuntimeException e) {
            return "<cannot describe: " + e + ">";
        }
    }

    private static String callerName() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !isFrameworkFrame(f.getClassName()) && !f.getMethodName().startsWith("lambda$"))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("property"));
    }

    private static boolean isFrameworkFrame(String className) {
        return className.startsWith(Property.class.getPackageName() + ".") || className.startsWith("org.junit.")
                || className.startsWith("java.") || className.startsWith("jdk.") || className.startsWith("sun.");
    }

    /** SplitMix64's finaliser: spreads nearby seeds apart. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
