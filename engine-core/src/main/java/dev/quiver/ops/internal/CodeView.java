package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Tensor;

/**
 * The appending and running side of {@link CodeF64} and its generated twin, dtype-erased ({@link
 * Code} picks one with {@code DType.pick}). Each append returns false, appending nothing, where the
 * matching {@link BoundView} factory returns null.
 */
interface CodeView {
    int length();

    boolean unary(UnaryOp op, Tensor x, Tensor out, boolean accumulate);

    boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    boolean scalar(BinaryOp op, Tensor a, double s, Tensor out);

    boolean matmul(Tensor a, Tensor b, Tensor out, int beta);

    boolean sumAll(Tensor x, Tensor out);

    boolean sumRows(Tensor x, Tensor out);

    boolean blocks(Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate);

    boolean copy(Tensor x, Tensor y, boolean accumulate);

    /** After {@link #finish}: the array the code was recorded into. */
    int[] work();

    /** Trims the arrays to their length; nothing is appended after. */
    void finish();

    void run(int from, int to);
}
