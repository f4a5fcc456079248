package dev.quiver.ops.internal;

import dev.quiver.kernel.Algebra;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Value;

/**
 * The op definitions' primitives over {@link Value}s: a derivative rule written in {@link Algebra}
 * becomes ordinary values of the builder (graph nodes: maps, broadcasting binary ops, ops with a
 * constant, fused kernels), so a backward graph is planned like any other and can be
 * differentiated again. Builds exactly the values the fluent API would (x * c is one node with a
 * constant, not a constant node and a broadcast).
 */
final class ValueAlgebra<V extends Value<V>> implements Algebra<V> {
    private static final ValueAlgebra<?> INSTANCE = new ValueAlgebra<>();

    private ValueAlgebra() {}

    /** The algebra over V (stateless: one instance serves every value type). */
    @SuppressWarnings("unchecked")
    static <V extends Value<V>> ValueAlgebra<V> of() { return (ValueAlgebra<V>) INSTANCE; }

    @Override public V unary(UnaryOp op, V x) { return x.graph().map(op, x); }

    @Override public V binary(BinaryOp op, V a, V b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MIN -> a.min(b);
            case MAX -> a.max(b);
            case POW -> a.graph().apply(Elementwise.binary(op), a, b);
            default -> a.graph().apply(Elementwise.fused(op), a, b);
        };
    }

    @Override public V binary(BinaryOp op, V a, double c) {
        return switch (op) {
            case ADD -> a.add(c);
            case MUL -> a.mul(c);
            case SUB, DIV, POW -> a.graph().apply(new Elementwise.WithScalar(op, c), a);
            default -> binary(op, a, a.graph().scalar(a.dtype(), c));
        };
    }

    /** c - b is built as (-b) + c (exactly equal in IEEE arithmetic): two maps, no constant node and no broadcast. */
    @Override public V binary(BinaryOp op, double c, V b) {
        if (op == BinaryOp.SUB) return b.neg().add(c);
        return binary(op, b.graph().scalar(b.dtype(), c), b);
    }
}
