package dev.quiver.ops.internal;

import dev.quiver.kernel.FloatingKernels;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * The geometry of a gather along one axis, resolved when an op is bound, and the two loops over it.
 * A "table" T of shape {@code S} and a "gathered" tensor G of shape
 * {@code S[:axis] + I + S[axis+1:]} (I the index tensor's shape) correspond by
 * {@code G[o, k, j] <-> T[o, idx[k], j]} for every outer position o (the dimensions before the
 * axis), index position k and inner position j (the dimensions after it). {@link #take} copies
 * T's slices into G; {@link #scatterAdd} adds G's slices into T, in index order, so repeated
 * indices accumulate deterministically.
 *
 * <p>The inner dimensions are walked as strided runs: one run per slice when they collapse to one
 * stride in both tensors (always for contiguous tensors: then a slice of a contiguous table is one
 * {@code System.arraycopy}), else one run per position of all but the last inner dimension. Work
 * and bind-time tables are proportional to the slices read (outer positions, indices, runs), never
 * to the table's length along the axis. Runs allocate nothing.
 */
final class Gather {
    private final String op;
    private final Indices idx;
    private final int axisLength;
    private final Object t, g;
    private final int tAxisStride;
    private final int[] tOuter, gOuter, gIndex, tRun, gRun;
    private final int runLength, tRunStride, gRunStride;
    private final FloatingKernels k;

    /**
     * @param op    the op's name and attributes, for errors
     * @param table T, any layout
     * @param axis  the axis of T that is indexed (non-negative)
     * @param index the index tensor (I32 or I64, any rank and layout)
     * @param other G, any layout, of shape {@code S[:axis] + I + S[axis+1:]}
     */
    Gather(String op, TensorMath math, Tensor table, int axis, Tensor index, Tensor other) {
        this.op = op;
        this.idx = Indices.of(index);
        int rank = table.rank(), q = index.rank();
        this.axisLength = table.dim(axis);
        this.t = table.data();
        this.g = other.data();
        this.tAxisStride = table.stride(axis);
        this.tOuter = Indices.offsets(table, 0, axis, table.offset());
        this.gOuter = Indices.offsets(other, 0, axis, other.offset());
        this.gIndex = Indices.offsets(other, axis, axis + q, 0);
        int tFrom = axis + 1, gFrom = axis + q, innerRank = rank - axis - 1;
        int ts = Indices.runStride(table, tFrom, rank), gs = Indices.runStride(other, gFrom, gFrom + innerRank);
        if (ts != Indices.NOT_A_RUN && gs != Indices.NOT_A_RUN) {
            int n = 1;
            for (int d = tFrom; d < rank; d++) n *= table.dim(d);
            runLength = n;
            tRunStride = ts;
            gRunStride = gs;
            tRun = new int[] {0};
            gRun = new int[] {0};
        } else {   // innerRank >= 2 here: runs along the last dimension
            runLength = table.dim(rank - 1);
            tRunStride = table.stride(rank - 1);
            gRunStride = other.stride(other.rank() - 1);
            tRun = Indices.offsets(table, tFrom, rank - 1, 0);
            gRun = Indices.offsets(other, gFrom, other.rank() - 1, 0);
        }
        this.k = math.kernels(table.dtype(), "gather");
    }

    /** Throws unless every index lies in {@code [0, T.shape[axis])} (see {@link Indices#checkRange}). */
    void checkIndices() {
        idx.checkRange(op, "index", axisLength);
    }

    /** G = T gathered at the indices, which must have been checked ({@link #checkIndices}). */
    void take() {
        for (int o = 0; o < tOuter.length; o++) {
            for (int k = 0, count = idx.count(); k < count; k++) {
                int tb = tOuter[o] + (int) idx.get(k) * tAxisStride, gb = gOuter[o] + gIndex[k];
                for (int r = 0; r < tRun.length; r++) copy(t, tb + tRun[r], tRunStride, g, gb + gRun[r], gRunStride, false);
            }
        }
    }

    /** T += G scattered to the indices, which must have been checked; repeated indices accumulate in order. */
    void scatterAdd() {
        for (int o = 0; o < tOuter.length; o++) {
            for (int k = 0, count = idx.count(); k < count; k++) {
                int tb = tOuter[o] + (int) idx.get(k) * tAxisStride, gb = gOuter[o] + gIndex[k];
                for (int r = 0; r < tRun.length; r++) copy(g, gb + gRun[r], gRunStride, t, tb + tRun[r], tRunStride, true);
            }
        }
    }

    /** One run: {@code y = x}, or {@code y += x} when accumulating. */
    private void copy(Object x, int xo, int xs, Object y, int yo, int ys, boolean accumulate) {
        int n = runLength;
        if (!accumulate && xs == 1 && ys == 1) {
            System.arraycopy(x, xo, y, yo, n);
        } else {
            k.unary(UnaryOp.IDENTITY, n, x, xo, xs, y, yo, ys, accumulate);
        }
    }
}
