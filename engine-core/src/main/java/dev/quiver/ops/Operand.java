package dev.quiver.ops;

import dev.quiver.tensor.DType;

/**
 * What an op's shape, dtype and layout rules see of an input: its shape, dtype and layout, and a
 * description for error messages. The rules never see the graph the input belongs to (a graph
 * node is an operand; so is anything else with a shape and a dtype).
 */
public interface Operand {
    /** A copy of the shape. */
    int[] shape();

    int rank();

    /** The size along {@code axis} (negative axes count from the end). */
    int dim(int axis);

    /** The number of elements. */
    int size();

    DType dtype();

    /** True when this operand has the same shape as {@code other} (no copies, unlike comparing {@link #shape()}s). */
    boolean sameShape(Operand other);

    /** True when the value is a strided view of another (see {@link Op#isView}). */
    boolean isView();

    /** True when the value is laid out contiguously in row-major order. */
    boolean contiguous();

    /** Name or label and shape, e.g. {@code 'x' [3]}, for error messages. */
    String describe();
}
