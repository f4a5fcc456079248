package dev.quiver.optim;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

/**
 * Seeded parameter initialisers (the seed is a {@link Seed}, never a bare number, so it cannot be
 * mistaken for a dimension); the same seed gives the same values on every machine and backend
 * (values are drawn in float64 by {@link Tensor#uniform} / {@link Tensor#randn}, then scaled).
 * Fan-in and fan-out of a shape: for rank 2 (fanIn, fanOut) = (rows, cols), as {@code x·W} uses it;
 * for rank 3 and more a convolution kernel {@code [out, in/groups, k...]} (PyTorch's layout, the
 * conv ops'), whose trailing dims multiply into a receptive field: fan-in {@code in/groups · Πk},
 * fan-out {@code out · Πk}.
 */
public final class Init {
    private Init() {}

    /** Uniform in [low, high); shape before the bounds, as {@link Tensor#uniform}. */
    public static Tensor uniform(DType dtype, Seed seed, int[] shape, double low, double high) {
        return Tensor.uniform(dtype, seed, shape, low, high);
    }

    /** Normal with mean and standard deviation; shape before them, as {@link Tensor#uniform}. */
    public static Tensor normal(DType dtype, Seed seed, int[] shape, double mean, double std) {
        Tensor t = Tensor.randn(DType.F64, seed, shape);
        Tensor out = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) out.setFlat(i, mean + std * t.getFlat(i));
        return out;
    }

    /** Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). */
    public static Tensor xavierUniform(DType dtype, Seed seed, int... shape) {
        double a = Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
        return uniform(dtype, seed, shape, -a, a);
    }

    /** Xavier/Glorot normal: N(0, 2 / (fanIn + fanOut)). */
    public static Tensor xavierNormal(DType dtype, Seed seed, int... shape) {
        return normal(dtype, seed, shape, 0, Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape))));
    }

    /** He (Kaiming) normal for relu layers: N(0, 2 / fanIn). */
    public static Tensor heNormal(DType dtype, Seed seed, int... shape) {
        return normal(dtype, seed, shape, 0, Math.sqrt(2.0 / fanIn(shape)));
    }

    /** He (Kaiming) uniform: U(-a, a) with a = sqrt(6 / fanIn). */
    public static Tensor heUniform(DType dtype, Seed seed, int... shape) {
        double a = Math.sqrt(6.0 / fanIn(shape));
        return uniform(dtype, seed, shape, -a, a);
    }

    static int fanIn(int[] shape) {
        if (shape.length == 0) return 1;
        if (shape.length <= 2) return shape[0];
        return shape[1] * receptive(shape);
    }

    static int fanOut(int[] shape) {
        if (shape.length < 2) return shape.length == 0 ? 1 : shape[0];
        if (shape.length == 2) return shape[1];
        return shape[0] * receptive(shape);
    }

    private static int receptive(int[] shape) {
        int r = 1;
        for (int i = 2; i < shape.length; i++) r *= shape[i];
        return r;
    }
}
