package dev.quiver.kernel;

/**
 * The arithmetic an elementwise op's definition is written in: the primitive kernels
 * ({@link UnaryOp} and {@link BinaryOp} entries that every backend implements), applied to values
 * of some type T. One formula, written once against this interface, is read several ways:
 * <ul>
 *   <li>traced into a {@link Formula} (T = a register of a straight-line kernel program), which
 *       every backend runs block by block through its own primitive kernels, so the SIMD backend
 *       evaluates a composite op with its vector kernels and gets the scalar backend's bits;</li>
 *   <li>over graph nodes (T = {@code Node}, in {@code dev.quiver.ops}), which turns a derivative
 *       rule into an ordinary backward graph that can itself be differentiated;</li>
 *   <li>over doubles (the float64 reference the tests compare against) and over text (the op
 *       reference {@code docs/ops.md}).</li>
 * </ul>
 * Only {@link #unary} and the three {@code binary} forms are abstract; the rest is notation.
 *
 * @param <T> what a value is in this reading (a register, a node, a number, a piece of text)
 */
public interface Algebra<T> {
    /** op(x) for a primitive map. */
    T unary(UnaryOp op, T x);

    /** op(a, b). */
    T binary(BinaryOp op, T a, T b);

    /** op(a, c) for a constant c. */
    T binary(BinaryOp op, T a, double c);

    /** op(c, b) for a constant c. */
    T binary(BinaryOp op, double c, T b);

    default T add(T a, T b) { return binary(BinaryOp.ADD, a, b); }
    default T sub(T a, T b) { return binary(BinaryOp.SUB, a, b); }
    default T mul(T a, T b) { return binary(BinaryOp.MUL, a, b); }
    default T div(T a, T b) { return binary(BinaryOp.DIV, a, b); }
    default T add(T a, double c) { return binary(BinaryOp.ADD, a, c); }
    default T sub(double c, T x) { return binary(BinaryOp.SUB, c, x); }
    default T mul(T a, double c) { return binary(BinaryOp.MUL, a, c); }
    default T max(T a, double c) { return binary(BinaryOp.MAX, a, c); }
    default T min(T a, double c) { return binary(BinaryOp.MIN, a, c); }
    default T neg(T x) { return unary(UnaryOp.NEG, x); }
    default T abs(T x) { return unary(UnaryOp.ABS, x); }
    default T sign(T x) { return unary(UnaryOp.SIGN, x); }
    default T exp(T x) { return unary(UnaryOp.EXP, x); }
    default T log(T x) { return unary(UnaryOp.LOG, x); }
    default T square(T x) { return unary(UnaryOp.SQUARE, x); }
    default T tanh(T x) { return unary(UnaryOp.TANH, x); }
    default T sigmoid(T x) { return unary(UnaryOp.SIGMOID, x); }
    default T relu(T x) { return unary(UnaryOp.RELU, x); }
}
