package dev.quiver.layers;

import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

/**
 * How a layer fills a new parameter: a fresh contiguous tensor of the given dtype and shape from a
 * seed. Every {@link Init} method fits ({@code Init::xavierUniform}, {@code Init::heNormal}); the
 * seed comes from {@link Scope#seed}, so the same model seed and name give the same values.
 */
@FunctionalInterface
public interface Initializer {
    Tensor create(DType dtype, Seed seed, int[] shape);

    /** All zeros (biases). */
    static Initializer zeros() {
        return (dtype, seed, shape) -> Tensor.zeros(dtype, shape);
    }

    /** Uniform in [low, high). */
    static Initializer uniform(double low, double high) {
        return (dtype, seed, shape) -> Init.uniform(dtype, seed, shape, low, high);
    }

    /** Normal with the given mean and standard deviation. */
    static Initializer normal(double mean, double std) {
        return (dtype, seed, shape) -> Init.normal(dtype, seed, shape, mean, std);
    }
}
