package dev.quiver.tensor;

/**
 * A small reproducible random number generator whose whole state is one {@code long}, so a
 * training loop can checkpoint it ({@link #state()}) and continue bit-identically after
 * {@link #restore(long)}.
 *
 * <p>The algorithm is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; the variant in Vigna's {@code splitmix64.c}): the state advances by
 * the golden gamma {@code 0x9E3779B97F4A7C15} and each output is the state passed through
 * Stafford's "Mix13" finaliser. {@code new Rng(s).nextLong()} therefore equals
 * {@code new java.util.SplittableRandom(s).nextLong()}, and so does {@link #nextDouble()}.
 *
 * <p>Not thread-safe: one instance per training loop. Not cryptographically secure.
 */
public final class Rng {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private long state;

    /** A generator whose state is {@code seed} (every long is a valid seed). */
    public Rng(long seed) {
        this.state = seed;
    }

    /** The complete state: {@code new Rng(0).restore(r.state())} continues exactly like {@code r}. */
    public long state() {
        return state;
    }

    /** Replaces the state with one previously returned by {@link #state()} (modifies this generator). */
    public void restore(long savedState) {
        this.state = savedState;
    }

    /** The next 64 uniformly distributed bits. */
    public long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1): the top 53 bits of {@link #nextLong()} times 2^-53 (one state step). */
    public double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /**
     * Uniform in [0, bound), exactly unbiased (Lemire's multiply-and-reject on 32 random bits; on
     * rare rejections it draws again, so the number of state steps varies).
     *
     * @throws IllegalArgumentException if {@code bound <= 0}
     */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("Rng.nextInt: bound must be positive, got " + bound);
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * Standard normal (Marsaglia's polar method). Only the first of each accepted pair is
     * returned and the second is discarded, so that the state stays a single long with no cached
     * value.
     */
    public double nextGaussian() {
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /** Shuffles {@code values} in place (Fisher-Yates, from the last position down; modifies {@code values}). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }

    /** A fresh permutation of 0 .. n-1 (allocates; use {@link #shuffle} in loops). */
    public int[] permutation(int n) {
        if (n < 0) throw new IllegalArgumentException("Rng.permutation: n must be >= 0, got " + n);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p);
        return p;
    }

    @Override
    public String toString() {
        return "Rng(state=0x" + Long.toHexString(state) + ")";
    }
}
