package dev.quiver.tensor;

import java.util.List;

/**
 * Element types. Floating tensors (F32, F64) carry values and gradients; integer tensors (I32,
 * I64) carry indices (word ids, class labels, positions) and BOOL tensors masks. Index tensors are
 * data, not structure: feeding other indices reuses a compiled plan.
 */
public enum DType {
    F32(4), F64(8), I32(4), I64(8), BOOL(1);

    /** The floating dtypes, the ones arithmetic, kernels and gradients work in. */
    public static final List<DType> FLOATING = List.of(F32, F64);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** True for F32 and F64. */
    public boolean isFloating() { return this == F32 || this == F64; }

    /** True for I32 and I64. */
    public boolean isInteger() { return this == I32 || this == I64; }

    /**
     * A new zeroed array of this type: {@code float[]} for F32, {@code double[]} for F64,
     * {@code int[]} for I32, {@code long[]} for I64, {@code boolean[]} for BOOL.
     */
    public Object newArray(int length) {
        return switch (this) {
            case F32 -> new float[length];
            case F64 -> new double[length];
            case I32 -> new int[length];
            case I64 -> new long[length];
            case BOOL -> new boolean[length];
        };
    }

    /** The length of a storage array of any dtype. */
    public static int length(Object array) {
        return switch (array) {
            case double[] d -> d.length;
            case float[] f -> f.length;
            case int[] i -> i.length;
            case long[] l -> l.length;
            case boolean[] b -> b.length;
            default -> throw new IllegalArgumentException("not a tensor storage array: " + array.getClass().getSimpleName());
        };
    }

    /** The dtype of a storage array. */
    public static DType of(Object array) {
        if (array instanceof double[]) return F64;
        if (array instanceof float[]) return F32;
        if (array instanceof int[]) return I32;
        if (array instanceof long[]) return I64;
        if (array instanceof boolean[]) return BOOL;
        throw new IllegalArgumentException("storage must be float[], double[], int[], long[] or boolean[], got "
                + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
