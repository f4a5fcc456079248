package dev.quiver.tensor;

/** Element types. Every tensor, kernel and graph node is float32 or float64. */
public enum DType {
    F32(4), F64(8);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** A new zeroed array of this type: {@code float[]} for F32, {@code double[]} for F64. */
    public Object newArray(int length) {
        return this == F32 ? new float[length] : new double[length];
    }

    /** The dtype of a storage array ({@code float[]} or {@code double[]}). */
    public static DType of(Object array) {
        if (array instanceof double[]) return F64;
        if (array instanceof float[]) return F32;
        throw new IllegalArgumentException("storage must be float[] or double[], got "
                + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
