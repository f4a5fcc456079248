package dev.quiver.check.kit;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A seeded generator with integrated shrinking: a value is a pure function of the choices it
 * draws from a {@link Source}. Compose generators with {@link #map}, {@link #flatMap} and
 * {@link #filter}; shrinking works through every composition because it acts on the choices.
 *
 * <p>A generator must be deterministic given its source (no other randomness, no mutable
 * state shared between calls) and should draw choice 0 for its simplest outcome.
 */
@FunctionalInterface
public interface Gen<T> {
    /** Draws one value. */
    T generate(Source source);

    /** The generator of {@code f(value)}. */
    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return s -> f.apply(generate(s));
    }

    /** Generates a value, then generates from the generator that value selects. */
    default <R> Gen<R> flatMap(Function<? super T, Gen<R>> f) {
        return s -> f.apply(generate(s)).generate(s);
    }

    /**
     * Only values satisfying the predicate: redraws up to 50 times, then skips the case
     * ({@link Source.Rejected}). Prefer generators that construct valid values directly.
     */
    default Gen<T> filter(Predicate<? super T> accept) {
        return s -> {
            for (int attempt = 0; attempt < 50; attempt++) {
                T value = generate(s);
                if (accept.test(value)) return value;
            }
            throw new Source.Rejected("filter rejected 50 values in a row");
        };
    }
}
