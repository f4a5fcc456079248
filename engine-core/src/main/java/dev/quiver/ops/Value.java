package dev.quiver.ops;

import dev.quiver.tensor.Index;

/**
 * A symbolic value that derivative rules build with: an {@link Operand} with the fluent
 * operations of the graph API, each returning a new value of the same builder. An op's
 * {@link Op#vjp} is written against this interface, so ops know nothing of the graph that
 * implements it (the graph layer's {@code Node} is the one implementation); a derivative built
 * this way is itself made of ops and can be differentiated again.
 *
 * @param <V> the implementing value type
 */
public interface Value<V extends Value<V>> extends Operand {
    /** The builder this value belongs to; ops not in the fluent set are applied through it. */
    Builder<V> graph();

    V add(V other);
    V sub(V other);
    V mul(V other);
    V div(V other);
    V add(double c);
    V sub(double c);
    V mul(double c);
    V div(double c);
    V neg();
    V exp();
    V log();
    V tanh();
    V sigmoid();
    V relu();
    V pow(double p);
    V square();
    V sqrt();
    V abs();
    V hinge();
    V gelu();
    V softplus();
    V silu();
    V log1p();
    V expm1();
    V max(V other);
    V min(V other);
    /** Matrix transpose, or reversal of all axes; a vector stays a vector. */
    V t();
    V transpose(int axis0, int axis1);
    V permute(int... order);
    V reshape(int... shape);
    V slice(Index... index);
    V matmul(V other);
    V dot(V other);
    V modeN(V matrix, int mode);
    /** Sum of all elements (rank 0). */
    V sum();
    V sum(boolean keepDims, int... axes);
    V mean();
    V mean(boolean keepDims, int... axes);
    V norm();
    V softmax(int axis);
    V logSoftmax(int axis);
    /** Slices along an axis picked by an index value. */
    V take(int axis, V indices);
}
