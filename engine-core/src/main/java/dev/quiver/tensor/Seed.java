package dev.quiver.tensor;

/**
 * The seed of a reproducible random tensor ({@link Tensor#randn}, {@link Tensor#rand},
 * {@link Tensor#uniform}, {@code Init.*}), a type of its own so that it cannot be mistaken for a
 * dimension: {@code Tensor.randn(F32, Seed.of(42), 3, 4)} is a 3 x 4 tensor, and
 * {@code Tensor.randn(F32, 3, 4)} does not compile.
 *
 * @param value the seed (every long is a valid seed)
 */
public record Seed(long value) {
    /** The seed {@code value}. */
    public static Seed of(long value) {
        return new Seed(value);
    }

    @Override
    public String toString() {
        return "Seed.of(" + value + ")";
    }
}
