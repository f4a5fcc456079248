package dev.quiver.ops.internal;

import dev.quiver.tensor.Tensor;

/**
 * Iterates over the rows (last axis) of an output shape and keeps, for each operand broadcast to
 * that shape, the offset of the row's first element: the loop skeleton of the elementwise ops on
 * BOOL masks, whose operands may be any strided or broadcast views. Bound once (its arrays are
 * allocated at bind time); {@link #reset} and {@link #next} allocate nothing. Not thread-safe: one
 * per bound instruction.
 */
final class Walk {
    final int rows, inner;
    /** Per operand, the stride along the last axis (0 where broadcast). */
    final int[] innerStride;
    /** Per operand, the current row's offset. */
    final int[] offset;
    private final int[] base;
    private final int[] outerShape;
    private final int[][] outerStride;
    private final int[] counter;

    /** Operands, each broadcast to {@code shape} (NumPy rules). */
    Walk(int[] shape, Tensor... operands) {
        int rank = shape.length;
        this.inner = rank == 0 ? 1 : shape[rank - 1];
        int outerRank = Math.max(0, rank - 1);
        this.outerShape = java.util.Arrays.copyOf(shape, outerRank);
        int r = 1;
        for (int d : outerShape) r *= d;
        this.rows = inner == 0 ? 0 : r;
        int n = operands.length;
        innerStride = new int[n];
        offset = new int[n];
        base = new int[n];
        outerStride = new int[n][outerRank];
        for (int k = 0; k < n; k++) {
            Tensor t = rank == 0 ? operands[k] : operands[k].expand(shape);
            int[] s = t.strides();
            base[k] = t.offset();
            innerStride[k] = rank == 0 ? 0 : s[rank - 1];
            System.arraycopy(s, 0, outerStride[k], 0, outerRank);
        }
        counter = new int[outerRank];
    }

    void reset() {
        java.util.Arrays.fill(counter, 0);
        System.arraycopy(base, 0, offset, 0, base.length);
    }

    /** Moves to the next row. */
    void next() {
        for (int d = counter.length - 1; d >= 0; d--) {
            if (++counter[d] < outerShape[d]) {
                for (int k = 0; k < offset.length; k++) offset[k] += outerStride[k][d];
                return;
            }
            counter[d] = 0;
            for (int k = 0; k < offset.length; k++) offset[k] -= outerStride[k][d] * (outerShape[d] - 1);
        }
    }
}
