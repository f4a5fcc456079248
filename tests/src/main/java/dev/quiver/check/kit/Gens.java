package dev.quiver.check.kit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Generators of plain values: ints, doubles in a {@link Domain}, booleans, choices, lists. */
public final class Gens {
    private Gens() {}

    /**
     * Integers in [lo, hi], shrinking towards the value closest to 0 and then outwards
     * (0, 1, -1, 2, -2, ... when 0 is in range).
     */
    public static Gen<Integer> ints(int lo, int hi) {
        if (lo > hi) throw new IllegalArgumentException("Gens.ints: empty range [" + lo + ", " + hi + "]");
        long anchor = Math.max(lo, Math.min(hi, 0));
        long up = hi - anchor, down = anchor - lo, both = Math.min(up, down);
        long count = (long) hi - lo + 1;
        return s -> {
            long k = s.choice(count);
            long v;
            if (k <= 2 * both) v = anchor + ((k & 1) == 1 ? (k + 1) / 2 : -(k / 2));
            else v = up > down ? anchor + (k - both) : anchor - (k - both);
            return (int) v;
        };
    }

    /** A double drawn from the domain (see {@link Domain#draw}). */
    public static Gen<Double> doubles(Domain domain) {
        return domain::draw;
    }

    /** true with probability p in fresh draws; shrinks to false. */
    public static Gen<Boolean> booleans(double p) {
        return s -> s.weighted(p);
    }

    /** One of the given values, uniformly; shrinks towards the first. */
    @SafeVarargs
    public static <T> Gen<T> elements(T... values) {
        if (values.length == 0) throw new IllegalArgumentException("Gens.elements: no values");
        T[] copy = values.clone();
        return s -> copy[(int) s.choice(copy.length)];
    }

    /** One of the given values, uniformly; shrinks towards the first. */
    public static <T> Gen<T> elements(List<T> values) {
        if (values.isEmpty()) throw new IllegalArgumentException("Gens.elements: no values");
        List<T> copy = List.copyOf(values);
        return s -> copy.get((int) s.choice(copy.size()));
    }

    /** A value from one of the generators, picked uniformly; shrinks towards the first. */
    @SafeVarargs
    public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        Gen<? extends T>[] copy = gens.clone();
        return s -> copy[(int) s.choice(copy.length)].generate(s);
    }

    /** Always the same value. */
    public static <T> Gen<T> constant(T value) {
        return s -> value;
    }

    /**
     * Lists of min..max elements. Each element is preceded by a "one more?" coin, so deleting
     * an element's choices during shrinking deletes the element (Hypothesis's list encoding).
     */
    public static <T> Gen<List<T>> lists(Gen<T> element, int min, int max) {
        return s -> {
            List<T> out = new ArrayList<>();
            while (out.size() < max && (out.size() < min || s.weighted(0.8))) out.add(element.generate(s));
            return out;
        };
    }

    /** Arrays of exactly n ints drawn from the generator. */
    public static Gen<int[]> intArrays(Gen<Integer> element, int n) {
        return s -> {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = element.generate(s);
            return out;
        };
    }

    /** Primes up to 67: the awkward sizes for vector loops and tilings. */
    public static final List<Integer> PRIMES = List.of(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67);

    /**
     * Sizes for kernel loops: 3/4 uniform in [1, max], 3/16 a prime up to max, 1/16
     * 0 (an empty run); shrinks towards 1.
     */
    public static Gen<Integer> sizes(int max) {
        int[] primes = PRIMES.stream().mapToInt(Integer::intValue).filter(p -> p <= max).toArray();
        Gen<Integer> uniform = ints(1, max);
        return s -> {
            long kind = s.choice(16); // 0-11 uniform, 12-14 a prime, 15 empty
            if (kind == 15) return 0;
            if (kind >= 12 && primes.length > 0) return primes[(int) s.choice(primes.length)];
            return uniform.generate(s);
        };
    }

    static String str(int[] a) {
        return Arrays.toString(a);
    }
}
