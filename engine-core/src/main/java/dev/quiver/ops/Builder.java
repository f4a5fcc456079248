package dev.quiver.ops;

import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.util.function.Supplier;

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

    /**
     * A constant holding {@code value} itself, not a copy: a step reads its values when it runs,
     * so a rule can refer to state that changes between steps (batch normalisation's running
     * statistics).
     */
    V constant(Tensor value);

    /**
     * The value {@code training} gives in a training step and {@code evaluation} gives in an
     * evaluation step, for rules whose derivative depends on the step's mode; a supplier may
     * return null for zero (no gradient), and both values must have one shape and dtype. A
     * compile building its own backward pass knows its mode and calls only that mode's supplier;
     * values built before the mode is known ({@code Graph.grad}, which a user may compile either
     * way) get both, each behind a gate the step binds to its value in its own mode and to zeros
     * in the other, summed: both branches then run, the price of not knowing the mode, paid only by
     * gradients built with {@code Graph.grad} (a training step's own backward pass builds one).
     */
    V inMode(Supplier<V> training, Supplier<V> evaluation);
}
