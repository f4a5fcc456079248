package dev.quiver.check.kit;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The stream of choices a generator draws from. Every generated value is a pure function of the
 * sequence of choices it consumed, so a failing value is shrunk by shrinking that sequence
 * (shorter, then smaller numbers; Hypothesis's "integrated shrinking") and replaying the
 * generator: shrinking can never produce a value the generator could not have produced, and
 * every generator built by composition shrinks for free.
 *
 * <p>Convention every generator in this kit follows: choice 0 is the simplest outcome (lowest
 * rank, smallest dimension, the domain's anchor value, the first alternative, "no"), and larger
 * choices are less simple. A replay that runs past the end of its recorded prefix draws 0.
 *
 * <p>Not thread-safe; one source per generated case.
 */
public final class Source {
    /** Thrown by {@link Gen#filter} when it cannot find an acceptable value; the case is skipped. */
    public static final class Rejected extends RuntimeException {
        Rejected(String why) {
            super(why, null, false, false);
        }
    }

    /** Thrown when a case needs more choices than {@link #MAX_CHOICES}; the case is skipped. */
    public static final class Overrun extends RuntimeException {
        Overrun() {
            super("generator drew more than " + MAX_CHOICES + " choices", null, false, false);
        }
    }

    /** Upper bound on the choices one case may draw (keeps generated tensors small). */
    public static final int MAX_CHOICES = 200_000;

    private final long[] prefix;
    private final SplittableRandom random;
    private long[] recorded = new long[64];
    private int count;

    private Source(long[] prefix, SplittableRandom random) {
        this.prefix = prefix;
        this.random = random;
    }

    /** A source drawing fresh random choices from a seed. */
    public static Source random(long seed) {
        return new Source(new long[0], new SplittableRandom(seed));
    }

    /** A source replaying recorded choices, then 0 once they run out. */
    public static Source replay(long[] choices) {
        return new Source(choices.clone(), null);
    }

    /**
     * A choice in {@code [0, n)}, n at least 1. Fresh draws are uniform; replayed values above the
     * bound are clamped to {@code n - 1}.
     */
    public long choice(long n) {
        if (n < 1) throw new IllegalArgumentException("choice: bound must be at least 1, got " + n);
        long v;
        if (count < prefix.length) v = Math.min(prefix[count], n - 1);
        else if (random == null) v = 0;
        else v = n == 1 ? 0 : random.nextLong(n);
        return record(v);
    }

    /** A coin that fresh draws show heads with probability p; heads is recorded as 1 (less simple). */
    public boolean weighted(double p) {
        long v;
        if (count < prefix.length) v = Math.min(prefix[count], 1);
        else if (random == null) v = 0;
        else v = random.nextDouble() < p ? 1 : 0;
        return record(v) == 1;
    }

    private long record(long v) {
        if (count == MAX_CHOICES) throw new Overrun();
        if (count == recorded.length) recorded = Arrays.copyOf(recorded, count * 2);
        recorded[count++] = v;
        return v;
    }

    /** The choices drawn so far. */
    public long[] choices() {
        return Arrays.copyOf(recorded, count);
    }

    /** Number of choices drawn so far. */
    public int size() {
        return count;
    }
}
