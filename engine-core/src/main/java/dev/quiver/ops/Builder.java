package dev.quiver.ops;

import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;

/**
 * What derivative rules need of the graph beyond a value's fluent methods: applying an op to
 * values, a map by its {@link UnaryOp}, and a scalar constant. The graph layer's {@code Graph}
 * implements it. Fixed arities rather than varargs: a generic varargs array would have the
 * erased type, which an implementation over its own value type could not take.
 *
 * @param <V> the value type the builder makes
 */
public interface Builder<V extends Value<V>> {
    /** {@code op(x)} as a new value. */
    V apply(Op op, V x);

    /** {@code op(a, b)} as a new value. */
    V apply(Op op, V a, V b);

    /** {@code op(a, b, c)} as a new value. */
    V apply(Op op, V a, V b, V c);

    /** {@code fn(x)} elementwise. */
    V map(UnaryOp fn, V x);

    /** A rank-0 constant. */
    V scalar(DType dtype, double value);

    /** x's value with no gradient flowing through it (a stop-gradient). */
    V detach(V x);
}
