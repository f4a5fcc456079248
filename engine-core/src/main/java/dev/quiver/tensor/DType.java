package dev.quiver.tensor;

import java.util.List;

/**
 * Element types. Floating tensors (F32, F64) carry values and gradients; integer tensors (I32,
 * I64) carry indices (word ids, class labels, positions) and BOOL tensors masks. Index tensors are
 * data, not structure: feeding other indices reuses a compiled plan.
 *
 * <p>F16 (IEEE binary16), BF16 (bfloat16), I8 and U8 are storage dtypes, for holding and
 * exchanging data compactly (checkpoints from other frameworks, quantised tables): they view,
 * copy, convert ({@link Tensor#to}), print and go through {@code .npy}, safetensors and
 * checkpoints, while arithmetic and graphs refuse them with a message saying which dtype to
 * convert to (compute happens in F32 or F64; indices in I32 or I64). F16 and BF16 are stored as
 * their raw bits in a {@code short[]}, I8 and U8 in a {@code byte[]} (U8's value is
 * {@code b & 0xFF}); a storage array of those types is therefore ambiguous without the dtype, and
 * {@link #of} refuses it.
 */
public enum DType {
    F32(4), F64(8), I32(4), I64(8), BOOL(1), F16(2), BF16(2), I8(1), U8(1);

    /** The floating dtypes, the ones arithmetic, kernels and gradients work in. */
    public static final List<DType> FLOATING = List.of(F32, F64);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** True for F32 and F64, the dtypes arithmetic works in (not for the storage dtypes F16 and BF16). */
    public boolean isFloating() { return this == F32 || this == F64; }

    /**
     * The twin that runs for values of a dtype: the float64 kernels (the {@code ...F64} sources)
     * or their generated float32 twins. {@link #pick} is the engine's one dtype dispatch.
     */
    public enum Floating { F64, F32 }

    /**
     * Which twin kernels run for values of this dtype, failing here, with the op's name, for any
     * dtype but F32 and F64, so a call site's two arms ({@code == Floating.F64} or a switch) cover
     * every dtype that gets past it rather than an else arm taking whatever is not F64 for F32.
     * A switch over the constant, no allocation: fine on kernel and optimiser hot paths.
     */
    public Floating floating(String op) {
        return switch (this) {
            case F64 -> Floating.F64;
            case F32 -> Floating.F32;
            default -> throw new IllegalArgumentException(op + ": needs F32 or F64 values, not " + this
                    + (this == F16 || this == BF16 ? " (a storage dtype: convert with to(F32) first)" : ""));
        };
    }

    /**
     * Of a pair of twin views, the float64 one or its generated float32 twin (for example
     * {@link TensorMath#kernels}), the one that serves values of this dtype, failing as
     * {@link #floating} does. This is where a dtype selects its kernels: call sites hold the view
     * and call it instead of branching on {@link #floating} with two typed arms (a source scan,
     * DtypeDispatchTest, fails on a new such branch). Allocates nothing.
     */
    public <T> T pick(String op, T f64, T f32) {
        return floating(op) == Floating.F64 ? f64 : f32;
    }

    /** True for I32 and I64, the index dtypes (not for the storage dtypes I8 and U8). */
    public boolean isInteger() { return this == I32 || this == I64; }

    /** True for F16, BF16, I8 and U8: tensors of these hold and exchange data, and are converted to compute. */
    public boolean isStorageOnly() { return this == F16 || this == BF16 || this == I8 || this == U8; }

    /** True for every floating-point dtype, storage ones included: F16, BF16, F32, F64. */
    public boolean holdsFloats() { return this == F16 || this == BF16 || this == F32 || this == F64; }

    /**
     * The dtype to compute in for data of this dtype: F32 for F16 and BF16 (exact), I32 for I8
     * and U8 (exact), this dtype for every other.
     */
    public DType computeDtype() {
        return switch (this) {
            case F16, BF16 -> F32;
            case I8, U8 -> I32;
            default -> this;
        };
    }

    /**
     * A new zeroed array of this type: {@code float[]} for F32, {@code double[]} for F64,
     * {@code int[]} for I32, {@code long[]} for I64, {@code boolean[]} for BOOL, {@code short[]}
     * for F16 and BF16 (raw bits), {@code byte[]} for I8 and U8.
     */
    public Object newArray(int length) {
        return switch (this) {
            case F32 -> new float[length];
            case F64 -> new double[length];
            case I32 -> new int[length];
            case I64 -> new long[length];
            case BOOL -> new boolean[length];
            case F16, BF16 -> new short[length];
            case I8, U8 -> new byte[length];
        };
    }

    /** True when {@code array} is the storage array type of this dtype. */
    public boolean isStorage(Object array) {
        return switch (this) {
            case F32 -> array instanceof float[];
            case F64 -> array instanceof double[];
            case I32 -> array instanceof int[];
            case I64 -> array instanceof long[];
            case BOOL -> array instanceof boolean[];
            case F16, BF16 -> array instanceof short[];
            case I8, U8 -> array instanceof byte[];
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
            case short[] s -> s.length;
            case byte[] b -> b.length;
            default -> throw new IllegalArgumentException("not a tensor storage array: " + array.getClass().getSimpleName());
        };
    }

    /**
     * The dtype of a storage array. {@code short[]} (F16 or BF16) and {@code byte[]} (I8 or U8)
     * do not say which dtype they hold: they are refused, and the dtype must be given
     * ({@link Tensor#of(DType, Object, int...)}).
     */
    public static DType of(Object array) {
        if (array instanceof double[]) return F64;
        if (array instanceof float[]) return F32;
        if (array instanceof int[]) return I32;
        if (array instanceof long[]) return I64;
        if (array instanceof boolean[]) return BOOL;
        if (array instanceof short[]) {
            throw new IllegalArgumentException("short[] storage holds F16 or BF16 bits: name the dtype (Tensor.of(DType.F16, bits, shape))");
        }
        if (array instanceof byte[]) {
            throw new IllegalArgumentException("byte[] storage holds I8 or U8: name the dtype (Tensor.of(DType.U8, bytes, shape))");
        }
        throw new IllegalArgumentException("storage must be float[], double[], int[], long[], boolean[], short[] or byte[], got "
                + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
