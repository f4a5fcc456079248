package dev.quiver.ops.internal;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;

/**
 * Reads an index tensor (I32 or I64, any rank and layout) element by element in row-major order,
 * straight from its storage: the positions are resolved once, when an op is bound, so a run reads
 * {@code ints[pos[k]]} or {@code longs[pos[k]]} and allocates nothing. Also the layout arithmetic
 * the index ops share (storage offsets of a block of dimensions, collapsing dimensions into one
 * strided run) and their error messages.
 */
final class Indices {
    private final int[] ints;
    private final long[] longs;
    /** Storage position of element k (row-major order of the view). */
    private final int[] pos;
    private final int[] shape;

    private Indices(Tensor t) {
        this.ints = t.dtype() == DType.I32 ? (int[]) t.data() : null;
        this.longs = t.dtype() == DType.I64 ? (long[]) t.data() : null;
        if (ints == null && longs == null) throw new IllegalArgumentException("indices must be I32 or I64, got " + t.dtype());
        this.shape = t.shape();
        this.pos = offsets(t, 0, t.rank(), t.offset());
    }

    /** A reader of {@code t}'s current and future values (the layout is fixed, the data may change between runs). */
    static Indices of(Tensor t) {
        return new Indices(t);
    }

    /** Number of indices. */
    int count() { return pos.length; }

    /** Index k in row-major order. */
    long get(int k) {
        int p = pos[k];
        return ints != null ? ints[p] : longs[p];
    }

    /**
     * Throws unless every index lies in {@code [0, n)}: an {@link IndexOutOfBoundsException} naming
     * the op, the bad value, its position in the index tensor and the valid range.
     */
    void checkRange(String op, String what, int n) {
        for (int k = 0, count = pos.length; k < count; k++) {
            long i = get(k);
            if (i < 0 || i >= n) throw outOfRange(op, what, i, k, n);
        }
    }

    /** The error for index k (of value {@code value}) outside {@code [0, n)}, e.g. "take[axis=0]: index 7 at position [1, 2] of ...". */
    IndexOutOfBoundsException outOfRange(String op, String what, long value, int k, int n) {
        return new IndexOutOfBoundsException(op + ": " + what + " " + value + " at position " + position(k)
                + " of the " + Shapes.str(shape) + " index tensor is out of range [0, " + n + ")"
                + (value < 0 ? " (negative indices are not counted from the end)" : ""));
    }

    /** The multi-index of row-major element k, e.g. "[1, 2]" ("[]" for a scalar). */
    String position(int k) {
        int[] at = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) break;
            at[d] = k % shape[d];
            k /= shape[d];
        }
        return Shapes.str(at);
    }

    // ------------------------------------------------------------------ layout helpers

    /**
     * The storage offsets ({@code base} plus strides times coordinates) of every position of
     * dimensions {@code [from, to)} of {@code t}, in row-major order; one element (base) when the
     * range is empty, none when one of its dimensions is 0.
     */
    static int[] offsets(Tensor t, int from, int to, int base) {
        int count = 1;
        for (int d = from; d < to; d++) count *= t.dim(d);
        int[] out = new int[count];
        if (count == 0) return out;
        int[] at = new int[to - from];
        int off = base;
        for (int k = 0; k < count; k++) {
            out[k] = off;
            for (int d = to - 1; d >= from; d--) {      // odometer: next position, offset kept incrementally
                int j = d - from;
                if (++at[j] < t.dim(d)) {
                    off += t.stride(d);
                    break;
                }
                off -= (at[j] - 1) * t.stride(d);
                at[j] = 0;
            }
        }
        return out;
    }

    /** Marker for {@link #runStride}: the dimensions do not form one run. */
    static final int NOT_A_RUN = Integer.MIN_VALUE;

    /**
     * The stride of one strided run equivalent to dimensions {@code [from, to)} of {@code t} (size-1
     * dimensions ignored; 1 when all are size 1), or {@link #NOT_A_RUN}.
     */
    static int runStride(Tensor t, int from, int to) {
        int stride = NOT_A_RUN;
        long expected = 0;
        for (int d = to - 1; d >= from; d--) {
            int n = t.dim(d);
            if (n == 1) continue;
            if (stride == NOT_A_RUN) {
                stride = t.stride(d);
                expected = (long) stride * n;
            } else {
                if (t.stride(d) != expected) return NOT_A_RUN;
                expected *= n;
            }
        }
        return stride == NOT_A_RUN ? 1 : stride;
    }

    /** "F32 or F64" checks of index ops: the message names the op, the nodes and the offending one. */
    static void requireFloating(Op op, Operand[] in, int k, String role) {
        DType d = in[k].dtype();
        if (!d.isFloating()) {
            throw Op.fail(op, in, role + " " + in[k].describe() + " is " + d + "; it must be F32 or F64");
        }
    }

    /** "I32 or I64" checks of index ops. */
    static void requireIndices(Op op, Operand[] in, int k, String role) {
        DType d = in[k].dtype();
        if (!d.isInteger()) {
            throw Op.fail(op, in, role + " " + in[k].describe() + " is " + d + "; indices must be I32 or I64");
        }
    }

    static void requireArity(Op op, Operand[] in, int arity, String inputs) {
        if (in.length != arity) {
            throw Op.fail(op, in, "takes " + arity + " inputs (" + inputs + "), got " + in.length);
        }
    }
}
