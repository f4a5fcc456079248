package dev.quiver.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by tensors, kernels' callers and the graph planner. */
public final class Shapes {
    /** Tensors may have any rank up to this. */
    public static final int MAX_RANK = 8;

    private Shapes() {}

    /**
     * Number of elements; 1 for rank 0. Rejects negative dimensions and int overflow. A zero
     * dimension makes the size 0 whatever the others are ((65536, 65536, 0) is empty, not too big).
     */
    public static int size(int... shape) {
        // One pass: the product saturates at 2^31 (below 2^31 times a dimension, it cannot overflow a
        // long), so a later zero still makes it 0 and a too-large shape is caught at the end.
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            n = Math.min(n * d, 1L << 31);
        }
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31 elements");
        return (int) n;
    }

    /** Row-major (C order) strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /**
     * The NumPy broadcast of two shapes (aligned at the right; a dimension of 1 stretches).
     *
     * @throws IllegalArgumentException naming the op and both shapes when incompatible
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * The shape {@code target} gives a value of shape {@code shape} when reshaped: at most one -1,
     * inferred from the element count; the counts must agree.
     *
     * @throws IllegalArgumentException naming both shapes
     */
    public static int[] reshape(int[] shape, int[] target) {
        int size = size(shape);
        int[] out = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + str(target));
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + str(target));
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + str(shape) + " (" + size + " elements) to " + str(target));
            }
            out[infer] = (int) (size / known);
        }
        if (size(out) != size) {
            throw new IllegalArgumentException("reshape: cannot reshape " + str(shape) + " (" + size + " elements) to " + str(target)
                    + " (" + size(out) + " elements)");
        }
        return out;
    }

    /** Normalises an axis that may be negative; names the op and shape when out of range. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " out of range for rank " + rank);
        }
        return a;
    }

    /** "[2, 3]" for messages. */
    public static String str(int... shape) {
        return Arrays.toString(shape);
    }
}
