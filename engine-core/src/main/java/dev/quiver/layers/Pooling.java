package dev.quiver.layers;

import dev.quiver.graph.Node;

/**
 * Pooling layers (no parameters): max and average pooling over 1-d and 2-d windows, global average
 * pooling, and the flattening a classifier head needs after them.
 *
 * <pre>{@code
 * var net = Sequential.of(new Conv2d(model.child("conv1"), 1, 6, 5), Node::relu, Pooling.max2d(2),
 *         Pooling.flatten(), new Linear(model.child("fc"), 6 * 12 * 12, 10));
 * }</pre>
 */
public final class Pooling {
    private Pooling() {}

    /** Max pooling over {@code kernel x kernel} windows with stride {@code kernel}. */
    public static Layer max2d(int kernel) { return max2d(kernel, kernel, 0); }

    public static Layer max2d(int kernel, int stride, int padding) { return x -> x.graph().maxPool2d(x, kernel, stride, padding); }

    public static Layer avg2d(int kernel) { return avg2d(kernel, kernel, 0); }

    public static Layer avg2d(int kernel, int stride, int padding) { return x -> x.graph().avgPool2d(x, kernel, stride, padding); }

    public static Layer max1d(int kernel, int stride, int padding) { return x -> x.graph().maxPool1d(x, kernel, stride, padding); }

    public static Layer avg1d(int kernel, int stride, int padding) { return x -> x.graph().avgPool1d(x, kernel, stride, padding); }

    /** [N, C, H, W] or [N, C, W] averaged over the spatial axes: [N, C]. */
    public static Layer globalAvg() { return x -> x.graph().globalAvgPool(x); }

    /** [N, ...] as [N, rest] (a view of a contiguous value). */
    public static Layer flatten() {
        return x -> {
            if (x.rank() < 1) throw new IllegalArgumentException("flatten: input " + x.describe() + " has no batch axis");
            return x.rank() == 2 ? x : x.reshape(x.dim(0), x.dim(0) == 0 ? 0 : x.size() / x.dim(0));
        };
    }
}
