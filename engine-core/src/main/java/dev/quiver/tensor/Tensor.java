package dev.quiver.tensor;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.internal.HalfPrecision;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * An n-dimensional array: a storage array plus shape, strides and offset. Rank 0 (a scalar) up
 * to {@link Shapes#MAX_RANK}; zero-size dimensions are legal.
 *
 * <p>Element types ({@link DType}): F32 and F64 for values (all math, kernels and gradients), I32
 * and I64 for indices (word ids, class labels, positions), BOOL for masks. Views, copies,
 * {@link #to} conversions, element access, printing and I/O work for every dtype; arithmetic,
 * reductions and products refuse integer and BOOL tensors with an IllegalArgumentException naming
 * the op and the dtype. Element access converts between the accessor's type and the storage type
 * only when the value is exact (BOOL counts as 0 and 1), else throws {@link ArithmeticException}:
 * {@code get} of an I64 element beyond 2^53 in magnitude, {@code set(2.5)} on I32,
 * {@code setLong(2)} on BOOL are refused; {@link #to} is the (NumPy {@code astype}) conversion.
 *
 * <p>Views ({@link #at}, {@link #slice}, {@link #transpose}, {@link #permute}, {@link #expand},
 * and {@link #reshape} when the layout allows) share storage with this tensor: writing through a
 * view writes here. Tensors are mutable through {@link #set} and the {@code out} forms of ops;
 * shape, strides and dtype never change.
 *
 * <p>Math (add, matmul, tanh, sum, ...) lives in {@link TensorMath}; each op has an allocating
 * form and an {@code out} form.
 */
public final class Tensor {
    private final DType dtype;
    private final Object data;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final int size;

    /**
     * A tensor over existing storage (no copy). Checks that every element the view can reach lies
     * inside the array.
     */
    public Tensor(Object data, int offset, int[] shape, int[] strides) {
        this(DType.of(data), data, offset, shape, strides);
    }

    /**
     * A tensor of the given dtype over existing storage (no copy), for any dtype: the storage dtypes'
     * arrays ({@code short[]} for F16 and BF16 bits, {@code byte[]} for I8 and U8) need it, since
     * the array type alone does not say which of the two it holds.
     */
    public Tensor(DType dtype, Object data, int offset, int[] shape, int[] strides) {
        this(dtype, data, offset, shape.clone(), strides.clone(), true);
    }

    /**
     * The checked constructor that keeps {@code shape} and {@code strides} (the flag only tells
     * the signatures apart): callers pass arrays nobody else holds. Views built here (slice,
     * permute, rows, reshape) pass fresh arrays, so copying them again would double a dynamic
     * graph's compile-time allocation.
     */
    private Tensor(DType dtype, Object data, int offset, int[] shape, int[] strides, boolean keepArrays) {
        if (!dtype.isStorage(data)) {
            throw new IllegalArgumentException(dtype + " storage must be a " + dtype.newArray(0).getClass().getSimpleName() + ", got "
                    + (data == null ? "null" : data.getClass().getSimpleName()));
        }
        this.dtype = dtype;
        if (shape.length > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("rank " + shape.length + " exceeds the maximum " + Shapes.MAX_RANK);
        }
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Shapes.str(shape) + " and strides "
                    + Shapes.str(strides) + " differ in rank");
        }
        this.data = data;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.size = Shapes.size(shape);
        if (size > 0) {
            long lo = offset, hi = offset;
            for (int i = 0; i < shape.length; i++) {
                long span = (long) (shape[i] - 1) * strides[i];
                if (span < 0) lo += span; else hi += span;
            }
            int length = DType.length(data);
            if (lo < 0 || hi >= length) {
                throw new IndexOutOfBoundsException("view " + Shapes.str(shape) + " with strides "
                        + Shapes.str(strides) + " at offset " + offset + " exceeds storage of " + length);
            }
        }
    }

    /** Rows {@code from .. to-1} along axis 0, a view: {@code slice(range(from, to))} without parsing an index. */
    public Tensor rows(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("rows " + from + ".." + to + " of a tensor of shape " + Shapes.str(shape));
        }
        return narrow(0, from, to - from);
    }

    /**
     * Positions {@code start .. start+length-1} along {@code axis}, a view (PyTorch's {@code narrow}):
     * {@code slice} with one range, without parsing an index.
     */
    public Tensor narrow(int axis, int start, int length) {
        int a = Shapes.axis("narrow", axis, shape.length);
        if (start < 0 || length < 0 || start > shape[a] - length) {
            throw new IndexOutOfBoundsException("narrow: " + start + ".." + (start + length) + " along axis " + a + " of a tensor of shape "
                    + Shapes.str(shape));
        }
        int[] s = shape.clone();
        s[a] = length;
        return new Tensor(dtype, data, offset + start * strides[a], s, strides, true);   // strides shared: never mutated
    }

    /** A contiguous tensor over existing storage (no copy). */
    public Tensor(Object data, int... shape) {
        this(DType.of(data), data, 0, shape.clone(), Shapes.contiguousStrides(shape), true);
    }

    /** A contiguous tensor of this shape over {@code data} from {@code offset} (no copy of the data). */
    public static Tensor wrap(Object data, int offset, int[] shape) {
        return new Tensor(DType.of(data), data, offset, shape.clone(), Shapes.contiguousStrides(shape), true);
    }

    /**
     * {@link #wrap} with the shape of {@code like}, itself made by {@code wrap} (contiguous, row-major
     * strides): the two share their shape and stride arrays, which no tensor ever mutates, so a
     * plan's many buffers of one shape cost one small object each.
     *
     * @throws IllegalArgumentException if {@code like} does not have row-major contiguous strides
     */
    public static Tensor wrapLike(Object data, int offset, Tensor like) {
        int expected = 1;
        for (int d = like.shape.length - 1; d >= 0; d--) {
            if (like.strides[d] != expected) {
                throw new IllegalArgumentException("wrapLike: the template " + Shapes.str(like.shape) + " with strides "
                        + Shapes.str(like.strides) + " is not row-major contiguous");
            }
            expected *= Math.max(like.shape[d], 1);
        }
        return new Tensor(DType.of(data), data, offset, like.shape, like.strides, true);
    }

    // ---------------------------------------------------------------- creation

    public static Tensor zeros(DType dtype, int... shape) {
        return new Tensor(dtype, dtype.newArray(checkedSize("zeros", shape)), 0, shape.clone(), Shapes.contiguousStrides(shape), true);
    }

    /** The element count of a shape for a creation op, with the op named when the shape is invalid. */
    private static int checkedSize(String op, int[] shape) {
        try {
            return Shapes.size(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, shape, 1);
    }

    /**
     * Every element {@code value}: rounded to float32 for F32 (to F16 or BF16 for those, nearest
     * even); for I32, I64, I8, U8 and BOOL the value
     * must be exact (an integer in range; 0 or 1 for BOOL), else ArithmeticException. The shape is an
     * array before the value (NumPy's {@code full(shape, value)}), so that a value cannot be read as
     * a dimension: {@code full(F32, new int[] {3, 4}, 2.5)}.
     */
    public static Tensor full(DType dtype, int[] shape, double value) {
        Tensor t = new Tensor(dtype, dtype.newArray(checkedSize("full", shape)), 0, shape.clone(), Shapes.contiguousStrides(shape), true);
        switch (dtype) {
            case F64 -> Arrays.fill((double[]) t.data, value);
            case F32 -> Arrays.fill((float[]) t.data, (float) value);
            case I32 -> Arrays.fill((int[]) t.data, exactInt(value, "full"));
            case I64 -> Arrays.fill((long[]) t.data, exactLong(value, "full"));
            case BOOL -> Arrays.fill((boolean[]) t.data, exactBool(value, "full"));
            case F16 -> Arrays.fill((short[]) t.data, HalfPrecision.f64ToF16(value));
            case BF16 -> Arrays.fill((short[]) t.data, HalfPrecision.f64ToBf16(value));
            case I8, U8 -> Arrays.fill((byte[]) t.data, exactByte(t.dtype, value, "full"));
        }
        return t;
    }

    /** A rank-0 tensor (exact values only for I32, I64 and BOOL, as {@link #full}). */
    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, new int[0], value);
    }

    /** A rank-0 I32 tensor. */
    public static Tensor scalarInt(int value) {
        return new Tensor(new int[] {value});
    }

    /** A rank-0 I64 tensor. */
    public static Tensor scalarLong(long value) {
        return new Tensor(new long[] {value});
    }

    /** A rank-0 BOOL tensor. */
    public static Tensor scalarBool(boolean value) {
        return new Tensor(new boolean[] {value});
    }

    /** Wraps a flat float64 array in row-major order (no copy). */
    public static Tensor of(double[] values, int... shape) {
        checkLength(values.length, shape);
        return new Tensor(values, shape);
    }

    /** Wraps a flat float32 array in row-major order (no copy). */
    public static Tensor of(float[] values, int... shape) {
        checkLength(values.length, shape);
        return new Tensor(values, shape);
    }

    /** Wraps a flat int array (an I32 tensor) in row-major order (no copy). */
    public static Tensor ofInts(int[] values, int... shape) {
        checkLength(values.length, shape);
        return new Tensor(values, shape);
    }

    /** Wraps a flat long array (an I64 tensor) in row-major order (no copy). */
    public static Tensor ofLongs(long[] values, int... shape) {
        checkLength(values.length, shape);
        return new Tensor(values, shape);
    }

    /** Wraps a flat boolean array (a BOOL tensor) in row-major order (no copy). */
    public static Tensor ofBools(boolean[] values, int... shape) {
        checkLength(values.length, shape);
        return new Tensor(values, shape);
    }

    /**
     * Wraps a flat storage array of the given dtype in row-major order (no copy): for F16 and BF16
     * a {@code short[]} of raw bits, for I8 and U8 a {@code byte[]} (U8's value is {@code b & 0xFF}),
     * for the others the array {@link DType#newArray} makes.
     */
    public static Tensor of(DType dtype, Object storage, int... shape) {
        checkLength(DType.length(storage), shape);
        return new Tensor(dtype, storage, 0, shape.clone(), Shapes.contiguousStrides(shape), true);
    }

    /** A float64 vector. */
    public static Tensor vector(double... values) {
        return of(values.clone(), values.length);
    }

    /**
     * Copies a nested Java array (rectangular) into a new tensor of its element type:
     * {@code double[][]} gives F64, {@code float[][][]} F32, {@code int[][]} I32, {@code long[]}
     * I64, {@code boolean[][]} BOOL. The rank is the array type's; an empty level makes the
     * dimensions below it 0.
     */
    public static Tensor fromNested(Object nested) {
        int rank = 0;
        Class<?> leaf = nested == null ? null : nested.getClass();
        while (leaf != null && leaf.isArray()) {
            leaf = leaf.getComponentType();
            rank++;
        }
        DType dtype = leaf == double.class ? DType.F64 : leaf == float.class ? DType.F32 : leaf == int.class ? DType.I32
                : leaf == long.class ? DType.I64 : leaf == boolean.class ? DType.BOOL : null;
        if (dtype == null) {
            throw new IllegalArgumentException("fromNested: expected a nested double[], float[], int[], long[] or boolean[] array, got "
                    + (nested == null ? "null" : nested.getClass().getSimpleName()));
        }
        if (rank > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("fromNested: rank " + rank + " exceeds the maximum " + Shapes.MAX_RANK);
        }
        int[] shape = new int[rank];
        Object level = nested;
        for (int d = 0; d < rank; d++) {
            if (level == null) throw new IllegalArgumentException("fromNested: null sub-array at depth " + d);
            shape[d] = java.lang.reflect.Array.getLength(level);
            if (shape[d] == 0) break;
            if (d < rank - 1) level = ((Object[]) level)[0];
        }
        Tensor t = zeros(dtype, shape);
        int[] pos = {0};
        copyNested(nested, 0, shape, t, pos);
        return t;
    }

    private static void copyNested(Object level, int depth, int[] shape, Tensor t, int[] pos) {
        if (level == null) throw new IllegalArgumentException("fromNested: null sub-array at depth " + depth);
        int length = java.lang.reflect.Array.getLength(level);
        if (length != shape[depth]) throw ragged(depth, shape[depth], length);
        if (depth == shape.length - 1) {
            System.arraycopy(level, 0, t.data, pos[0], length);
            pos[0] += length;
        } else {
            for (Object item : (Object[]) level) copyNested(item, depth + 1, shape, t, pos);
        }
    }

    private static IllegalArgumentException ragged(int depth, int expected, int actual) {
        return new IllegalArgumentException("fromNested: ragged array at depth " + depth
                + " (expected length " + expected + ", got " + actual + ")");
    }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(DType dtype, int n) {
        return arange(dtype, 0, n, 1);
    }

    /** start, start + step, ... while below stop (above it for a negative step), like NumPy. */
    public static Tensor arange(DType dtype, double start, double stop, double step) {
        if (step == 0 || !Double.isFinite(step)) throw new IllegalArgumentException("arange: step must be finite and non-zero, got " + step);
        if (dtype == DType.BOOL) throw new IllegalArgumentException("arange: not defined for BOOL");
        if ((dtype.isInteger() || dtype == DType.I8 || dtype == DType.U8) && (start != Math.rint(start) || step != Math.rint(step))) {
            throw new IllegalArgumentException("arange: " + dtype + " needs an integer start and step, got start " + start
                    + ", step " + step);
        }
        double count = Math.ceil((stop - start) / step);
        int n = (int) Math.max(0, Math.min(count, Integer.MAX_VALUE - 16));
        Tensor t = zeros(dtype, n);
        for (int i = 0; i < n; i++) t.setFlat(i, start + i * step);
        return t;
    }

    /** The n x n identity matrix. */
    public static Tensor eye(DType dtype, int n) {
        Tensor t = zeros(dtype, n, n);
        for (int i = 0; i < n; i++) t.setFlat(i * n + i, 1);
        return t;
    }

    /**
     * Uniform in [0, 1), reproducible: the same seed gives the same values on every backend and
     * machine (the values are drawn in float64 by a {@link SplittableRandom}, then rounded).
     */
    public static Tensor rand(DType dtype, Seed seed, int... shape) {
        requireFloating("rand", dtype);
        Tensor t = new Tensor(dtype, dtype.newArray(checkedSize("rand", shape)), 0, shape.clone(), Shapes.contiguousStrides(shape), true);
        SplittableRandom random = new SplittableRandom(seed.value());
        for (int i = 0; i < t.size; i++) t.setFlat(i, random.nextDouble());
        return t;
    }

    /**
     * Uniform in [low, high), reproducible like {@link #rand}; the shape is an array before the bounds
     * (as in {@link #full}) so that a bound cannot be read as a dimension.
     */
    public static Tensor uniform(DType dtype, Seed seed, int[] shape, double low, double high) {
        requireFloating("uniform", dtype);
        Tensor t = new Tensor(dtype, dtype.newArray(checkedSize("uniform", shape)), 0, shape.clone(), Shapes.contiguousStrides(shape), true);
        SplittableRandom random = new SplittableRandom(seed.value());
        for (int i = 0; i < t.size; i++) t.setFlat(i, low + (high - low) * random.nextDouble());
        return t;
    }

    /** Standard normal, reproducible like {@link #rand} (Marsaglia's polar method in float64). */
    public static Tensor randn(DType dtype, Seed seed, int... shape) {
        requireFloating("randn", dtype);
        Tensor t = new Tensor(dtype, dtype.newArray(checkedSize("randn", shape)), 0, shape.clone(), Shapes.contiguousStrides(shape), true);
        SplittableRandom random = new SplittableRandom(seed.value());
        for (int i = 0; i < t.size; i += 2) {
            double u, v, s;
            do {
                u = 2 * random.nextDouble() - 1;
                v = 2 * random.nextDouble() - 1;
                s = u * u + v * v;
            } while (s >= 1 || s == 0);
            double scale = Math.sqrt(-2 * Math.log(s) / s);
            t.setFlat(i, u * scale);
            if (i + 1 < t.size) t.setFlat(i + 1, v * scale);
        }
        return t;
    }

    private static void requireFloating(String op, DType dtype) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException(op + ": random values are F32 or F64, not " + dtype
                    + " (convert with to(" + dtype + ") if that is what you mean)");
        }
    }

    private static void checkLength(int length, int[] shape) {
        if (Shapes.size(shape) != length) {
            throw new IllegalArgumentException("array of length " + length + " does not fit shape "
                    + Shapes.str(shape) + " (" + Shapes.size(shape) + " elements)");
        }
    }

    // ---------------------------------------------------------------- layout

    public DType dtype() { return dtype; }

    /**
     * The storage array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]},
     * {@code boolean[]}, {@code short[]} for F16 and BF16 bits, {@code byte[]} for I8 and U8),
     * shared, not copied.
     */
    public Object data() { return data; }

    /** The storage as double[]; throws if this is not F64. */
    public double[] f64() {
        if (dtype != DType.F64) throw new IllegalStateException("tensor is " + dtype + ", not F64");
        return (double[]) data;
    }

    /** The storage as float[]; throws if this is not F32. */
    public float[] f32() {
        if (dtype != DType.F32) throw new IllegalStateException("tensor is " + dtype + ", not F32");
        return (float[]) data;
    }

    /** The storage as int[]; throws if this is not I32. */
    public int[] i32() {
        if (dtype != DType.I32) throw new IllegalStateException("tensor is " + dtype + ", not I32");
        return (int[]) data;
    }

    /** The storage as long[]; throws if this is not I64. */
    public long[] i64() {
        if (dtype != DType.I64) throw new IllegalStateException("tensor is " + dtype + ", not I64");
        return (long[]) data;
    }

    /** The storage as boolean[]; throws if this is not BOOL. */
    public boolean[] bool() {
        if (dtype != DType.BOOL) throw new IllegalStateException("tensor is " + dtype + ", not BOOL");
        return (boolean[]) data;
    }

    /** The storage as short[] of binary16 bits; throws if this is not F16. */
    public short[] f16() {
        if (dtype != DType.F16) throw new IllegalStateException("tensor is " + dtype + ", not F16");
        return (short[]) data;
    }

    /** The storage as short[] of bfloat16 bits; throws if this is not BF16. */
    public short[] bf16() {
        if (dtype != DType.BF16) throw new IllegalStateException("tensor is " + dtype + ", not BF16");
        return (short[]) data;
    }

    /** The storage as byte[]; throws if this is not I8. */
    public byte[] i8() {
        if (dtype != DType.I8) throw new IllegalStateException("tensor is " + dtype + ", not I8");
        return (byte[]) data;
    }

    /** The storage as byte[] (element value {@code b & 0xFF}); throws if this is not U8. */
    public byte[] u8() {
        if (dtype != DType.U8) throw new IllegalStateException("tensor is " + dtype + ", not U8");
        return (byte[]) data;
    }

    public int offset() { return offset; }

    public int rank() { return shape.length; }

    /** Number of elements. */
    public int size() { return size; }

    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }

    /** A copy of the strides (in elements). */
    public int[] strides() { return strides.clone(); }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) { return shape[Shapes.axis("dim", axis, shape.length)]; }

    /** Stride of dimension {@code axis} (negative counts from the end). */
    public int stride(int axis) { return strides[Shapes.axis("stride", axis, shape.length)]; }

    /** True when the elements are laid out in row-major order with no gaps (size-1 dims ignored). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (shape[i] == 0) return true;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public boolean sameShape(Tensor other) { return Arrays.equals(shape, other.shape); }

    // Allocation-free layout access for TensorMath's planning (shape() and strides() copy).
    int shapeAt(int axis) { return shape[axis]; }

    int strideAt(int axis) { return strides[axis]; }

    /** The shape for messages, e.g. "[2, 3]". */
    String shapeString() { return Shapes.str(shape); }

    /** Lowest storage position this view can reach (offset when empty). */
    int lowestPosition() {
        long lo = offset;
        if (size > 0) for (int i = 0; i < shape.length; i++) lo += Math.min(0L, (long) (shape[i] - 1) * strides[i]);
        return (int) lo;
    }

    /** Highest storage position this view can reach (offset when empty). */
    int highestPosition() {
        long hi = offset;
        if (size > 0) for (int i = 0; i < shape.length; i++) hi += Math.max(0L, (long) (shape[i] - 1) * strides[i]);
        return (int) hi;
    }

    // ---------------------------------------------------------------- elements

    /**
     * The element at a full index (negative indices count from the end), as a double. Exact for
     * every dtype (BOOL as 0 or 1); an I64 element a double cannot hold exactly (beyond 2^53 in
     * magnitude) throws ArithmeticException (use {@link #getLong}).
     */
    public double get(int... index) {
        return readAt(position(index), "get");
    }

    /** The value of a one-element tensor (as {@link #get}). */
    public double item() {
        return readAt(itemPosition("item"), "item");
    }

    /**
     * Sets the element at a full index: rounded to float32 for F32, to F16 or BF16 for those
     * (nearest even); for I32, I64, I8, U8 and BOOL the value must be exact (an integer in range; 0 or 1 for BOOL), else ArithmeticException.
     */
    public void set(double value, int... index) {
        writeAt(position(index), value, "set");
    }

    /** Element i in row-major order of this view (whatever its strides), as {@link #get}. */
    public double getFlat(int i) {
        return readAt(flatPosition(i), "getFlat");
    }

    /** Sets element i in row-major order of this view, as {@link #set}. */
    public void setFlat(int i, double value) {
        writeAt(flatPosition(i), value, "setFlat");
    }

    // Typed access. Reading converts exactly or throws ArithmeticException: getInt of an I64 element
    // beyond the int range, getLong of 2.5 in an F64 tensor, getBool of 2 are refused. Writing
    // likewise: setInt(3) into BOOL, setLong(2^53 + 1) into F64 are refused.

    /** The element at a full index as an int (exact, else ArithmeticException). */
    public int getInt(int... index) { return readInt(position(index), "getInt"); }

    /** The element at a full index as a long (exact, else ArithmeticException). */
    public long getLong(int... index) { return readLong(position(index), "getLong"); }

    /** The element at a full index as a boolean (BOOL, or a 0 or 1 of another dtype). */
    public boolean getBool(int... index) { return readBool(position(index), "getBool"); }

    /** Element i in row-major order of this view, as {@link #getInt}. */
    public int getIntFlat(int i) { return readInt(flatPosition(i), "getIntFlat"); }

    /**
     * The raw bits of F32 element i in row-major order of this view ({@code Float.floatToRawIntBits}):
     * no conversion through double, so signalling NaNs and every NaN payload are kept (readers and
     * writers copy floats with it).
     */
    public int getFloatBitsFlat(int i) {
        if (dtype != DType.F32) throw new IllegalArgumentException("getFloatBitsFlat: needs an F32 tensor, not " + dtype);
        return Float.floatToRawIntBits(((float[]) data)[flatPosition(i)]);
    }

    /**
     * The raw bits of F16 or BF16 element i in row-major order of this view: no conversion, so
     * every NaN payload is kept (readers and writers copy half floats with it).
     */
    public short getHalfBitsFlat(int i) {
        if (dtype != DType.F16 && dtype != DType.BF16) throw new IllegalArgumentException("getHalfBitsFlat: needs an F16 or BF16 tensor, not " + dtype);
        return ((short[]) data)[flatPosition(i)];
    }

    /** Sets F16 or BF16 element i in row-major order of this view to the raw bits (as {@link #getHalfBitsFlat}). */
    public void setHalfBitsFlat(int i, short bits) {
        if (dtype != DType.F16 && dtype != DType.BF16) throw new IllegalArgumentException("setHalfBitsFlat: needs an F16 or BF16 tensor, not " + dtype);
        ((short[]) data)[flatPosition(i)] = bits;
    }

    /** Element i in row-major order of this view, as {@link #getLong}. */
    public long getLongFlat(int i) { return readLong(flatPosition(i), "getLongFlat"); }

    /** Element i in row-major order of this view, as {@link #getBool}. */
    public boolean getBoolFlat(int i) { return readBool(flatPosition(i), "getBoolFlat"); }

    /** The value of a one-element tensor as an int (exact). */
    public int itemInt() { return readInt(itemPosition("itemInt"), "itemInt"); }

    /** The value of a one-element tensor as a long (exact). */
    public long itemLong() { return readLong(itemPosition("itemLong"), "itemLong"); }

    /** The value of a one-element tensor as a boolean (BOOL, or a 0 or 1). */
    public boolean itemBool() { return readBool(itemPosition("itemBool"), "itemBool"); }

    /** Sets the element at a full index (exact, else ArithmeticException). */
    public void setInt(int value, int... index) { writeLong(position(index), value, "setInt"); }

    /** Sets the element at a full index (exact, else ArithmeticException). */
    public void setLong(long value, int... index) { writeLong(position(index), value, "setLong"); }

    /** Sets the element at a full index (1 or 0 in numeric dtypes). */
    public void setBool(boolean value, int... index) { writeLong(position(index), value ? 1 : 0, "setBool"); }

    /** Sets F32 element i in row-major order of this view to the raw bits (as {@link #getFloatBitsFlat}). */
    public void setFloatBitsFlat(int i, int bits) {
        if (dtype != DType.F32) throw new IllegalArgumentException("setFloatBitsFlat: needs an F32 tensor, not " + dtype);
        ((float[]) data)[flatPosition(i)] = Float.intBitsToFloat(bits);
    }

    /** Sets element i in row-major order of this view (exact, else ArithmeticException). */
    public void setIntFlat(int i, int value) { writeLong(flatPosition(i), value, "setIntFlat"); }

    /** Sets element i in row-major order of this view (exact, else ArithmeticException). */
    public void setLongFlat(int i, long value) { writeLong(flatPosition(i), value, "setLongFlat"); }

    /** Sets element i in row-major order of this view (1 or 0 in numeric dtypes). */
    public void setBoolFlat(int i, boolean value) { writeLong(flatPosition(i), value ? 1 : 0, "setBoolFlat"); }

    private int itemPosition(String op) {
        if (size != 1) throw new IllegalStateException(op + ": tensor of shape " + Shapes.str(shape) + " has " + size + " elements, not 1");
        return offset;
    }

    private double readAt(int pos, String op) {
        return switch (dtype) {
            case F64 -> ((double[]) data)[pos];
            case F32 -> ((float[]) data)[pos];
            case I32 -> ((int[]) data)[pos];
            case I64 -> {
                long v = ((long[]) data)[pos];
                if (!exactInDouble(v)) {
                    throw new ArithmeticException(op + ": I64 element " + v + " has no exact double value (beyond 2^53); use getLong");
                }
                yield v;
            }
            case BOOL -> ((boolean[]) data)[pos] ? 1 : 0;
            case F16 -> HalfPrecision.f16ToF32(((short[]) data)[pos]);
            case BF16 -> HalfPrecision.bf16ToF32(((short[]) data)[pos]);
            case I8 -> ((byte[]) data)[pos];
            case U8 -> ((byte[]) data)[pos] & 0xFF;
        };
    }

    private void writeAt(int pos, double value, String op) {
        switch (dtype) {
            case F64 -> ((double[]) data)[pos] = value;
            case F32 -> ((float[]) data)[pos] = (float) value;
            case I32 -> ((int[]) data)[pos] = exactInt(value, op);
            case I64 -> ((long[]) data)[pos] = exactLong(value, op);
            case BOOL -> ((boolean[]) data)[pos] = exactBool(value, op);
            case F16 -> ((short[]) data)[pos] = HalfPrecision.f64ToF16(value);
            case BF16 -> ((short[]) data)[pos] = HalfPrecision.f64ToBf16(value);
            case I8, U8 -> ((byte[]) data)[pos] = exactByte(dtype, value, op);
        }
    }

    private long readLong(int pos, String op) {
        return switch (dtype) {
            case I32 -> ((int[]) data)[pos];
            case I64 -> ((long[]) data)[pos];
            case BOOL -> ((boolean[]) data)[pos] ? 1 : 0;
            case I8 -> ((byte[]) data)[pos];
            case U8 -> ((byte[]) data)[pos] & 0xFF;
            case F64, F32, F16, BF16 -> {
                double v = readAt(pos, op);
                if (v != Math.rint(v) || v < -0x1p63 || v >= 0x1p63) {
                    throw new ArithmeticException(op + ": " + dtype + " element " + v + " is not an integer in the long range");
                }
                yield (long) v;
            }
        };
    }

    private int readInt(int pos, String op) {
        long v = readLong(pos, op);
        if (v != (int) v) throw new ArithmeticException(op + ": " + dtype + " element " + v + " is outside the int range");
        return (int) v;
    }

    private boolean readBool(int pos, String op) {
        if (dtype == DType.BOOL) return ((boolean[]) data)[pos];
        double v = dtype.holdsFloats() ? readAt(pos, op) : readLong(pos, op);
        if (v == 0) return false;
        if (v == 1) return true;
        throw new ArithmeticException(op + ": " + dtype + " element " + (dtype.holdsFloats() ? Double.toString(v) : Long.toString(readLong(pos, op)))
                + " is neither 0 nor 1");
    }

    private void writeLong(int pos, long value, String op) {
        switch (dtype) {
            case I64 -> ((long[]) data)[pos] = value;
            case I32 -> {
                if (value != (int) value) throw new ArithmeticException(op + ": " + value + " is outside the I32 range");
                ((int[]) data)[pos] = (int) value;
            }
            case BOOL -> {
                if (value != 0 && value != 1) throw new ArithmeticException(op + ": " + value + " is not a BOOL value (0 or 1)");
                ((boolean[]) data)[pos] = value == 1;
            }
            case F64 -> {
                if (!exactInDouble(value)) throw new ArithmeticException(op + ": " + value + " has no exact F64 value (beyond 2^53)");
                ((double[]) data)[pos] = value;
            }
            case F32 -> {
                float f = value;
                if (f == 0x1p63f || (long) f != value) throw new ArithmeticException(op + ": " + value + " has no exact F32 value (beyond 2^24)");
                ((float[]) data)[pos] = f;
            }
            case F16, BF16 -> {
                short bits = dtype == DType.F16 ? HalfPrecision.f64ToF16(value) : HalfPrecision.f64ToBf16(value);
                double back = dtype == DType.F16 ? HalfPrecision.f16ToF64(bits) : HalfPrecision.bf16ToF64(bits);
                if (back != value) {
                    throw new ArithmeticException(op + ": " + value + " has no exact " + dtype + " value (beyond 2^"
                            + (dtype == DType.F16 ? 11 : 8) + " or out of range)");
                }
                ((short[]) data)[pos] = bits;
            }
            case I8, U8 -> {
                long lo = dtype == DType.I8 ? Byte.MIN_VALUE : 0, hi = dtype == DType.I8 ? Byte.MAX_VALUE : 255;
                if (value < lo || value > hi) throw new ArithmeticException(op + ": " + value + " is outside the " + dtype + " range [" + lo + ", " + hi + "]");
                ((byte[]) data)[pos] = (byte) value;
            }
        }
    }

    private static boolean exactInDouble(long v) {
        double d = v;
        return d != 0x1p63 && (long) d == v;
    }

    /** value as an I32 element, or ArithmeticException naming op when it is not an integer in range. */
    static int exactInt(double value, String op) {
        if (value != Math.rint(value) || value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ArithmeticException(op + ": " + value + " is not an I32 value (an integer in [-2^31, 2^31))");
        }
        return (int) value;
    }

    /** value as an I64 element, or ArithmeticException naming op. */
    static long exactLong(double value, String op) {
        if (value != Math.rint(value) || value < -0x1p63 || value >= 0x1p63) {
            throw new ArithmeticException(op + ": " + value + " is not an I64 value (an integer in [-2^63, 2^63))");
        }
        return (long) value;
    }

    /** value as an I8 or U8 element (the byte stored), or ArithmeticException naming op when it is not an integer in range. */
    static byte exactByte(DType dtype, double value, String op) {
        double lo = dtype == DType.I8 ? Byte.MIN_VALUE : 0, hi = dtype == DType.I8 ? Byte.MAX_VALUE : 255;
        if (value != Math.rint(value) || value < lo || value > hi) {
            throw new ArithmeticException(op + ": " + value + " is not a " + dtype + " value (an integer in [" + (int) lo + ", " + (int) hi + "])");
        }
        return (byte) (int) value;
    }

    /** value as a BOOL element (0 or 1), or ArithmeticException naming op. */
    static boolean exactBool(double value, String op) {
        if (value == 0) return false;
        if (value == 1) return true;
        throw new ArithmeticException(op + ": " + value + " is not a BOOL value (0 or 1)");
    }

    private int flatPosition(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("flat index " + i + " out of range for " + size + " elements");
        int pos = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int n = shape[d];
            pos += (i % n) * strides[d];
            i /= n;
        }
        return pos;
    }

    private int position(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " entries for a tensor of shape " + Shapes.str(shape));
        }
        int pos = offset;
        for (int d = 0; d < index.length; d++) pos += checkIndex(index[d], d) * strides[d];
        return pos;
    }

    private int checkIndex(int i, int axis) {
        return checkIndex(shape, i, axis);
    }

    private static int checkIndex(int[] shape, int i, int axis) {
        int n = shape[axis];
        int j = i < 0 ? i + n : i;
        if (j < 0 || j >= n) {
            throw new IndexOutOfBoundsException("index " + i + " out of range for dimension " + axis
                    + " of size " + n + " (shape " + Shapes.str(shape) + ")");
        }
        return j;
    }

    // ---------------------------------------------------------------- views

    /** {@code x[i]}: the sub-tensor at position i of the first dimension (a view, rank - 1). */
    public Tensor at(int i) {
        if (shape.length == 0) throw new IllegalArgumentException("at: cannot index a rank-0 tensor");
        int j = checkIndex(i, 0);
        return new Tensor(dtype, data, offset + j * strides[0], Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(strides, 1, strides.length), true);
    }

    /**
     * NumPy-style basic indexing, a view: one {@link Index} per leading dimension (missing trailing
     * ones mean "all"). {@code M.slice(at(i), all())} is {@code M[i, :]};
     * {@code T.slice(all(), all(), all(), at(i))} is {@code T[:, :, :, i]}.
     */
    public Tensor slice(Index... index) {
        int rank = slicedRank(shape, index);
        int[] newShape = new int[rank], newStrides = new int[rank];
        return new Tensor(dtype, data, offset + slice(shape, strides, index, newShape, newStrides), newShape, newStrides, true);
    }

    /** The shape {@link #slice} gives a tensor of {@code shape} (no tensor needed: shape rules call this at build time). */
    public static int[] sliceShape(int[] shape, Index... index) {
        int[] newShape = new int[slicedRank(shape, index)];
        slice(shape, null, index, newShape, null);
        return newShape;
    }

    /** The rank of a slice: an integer index drops its axis, a new axis adds one. */
    private static int slicedRank(int[] shape, Index[] index) {
        int consumed = 0, added = 0, dropped = 0;
        for (Index ix : index) {
            if (ix instanceof Index.NewAxis) added++;
            else consumed++;
            if (ix instanceof Index.At) dropped++;
        }
        if (consumed > shape.length) {
            throw new IllegalArgumentException("slice: " + consumed + " indices for a tensor of shape " + Shapes.str(shape));
        }
        return shape.length - dropped + added;
    }

    /**
     * Basic indexing on shape and strides alone: fills {@code newShape} (and {@code newStrides}
     * unless null), sized by {@link #slicedRank}, and returns the offset change in elements.
     */
    private static int slice(int[] shape, int[] strides, Index[] index, int[] newShape, int[] newStrides) {
        int rank = 0, axis = 0, off = 0;
        for (Index ix : index) {
            switch (ix) {
                case Index.At at -> {
                    int j = checkIndex(shape, at.index(), axis);
                    if (strides != null) off += j * strides[axis];
                    axis++;
                }
                case Index.NewAxis ignored -> {
                    if (newStrides != null) newStrides[rank] = 0;
                    newShape[rank++] = 1;
                }
                case Index.Range r -> {
                    int n = shape[axis];
                    int step = r.step();
                    int start = clampSliceBound(r.start(), n, step, true);
                    int stop = clampSliceBound(r.stop(), n, step, false);
                    int count = step > 0 ? Math.max(0, (stop - start + step - 1) / step)
                                         : Math.max(0, (start - stop - step - 1) / -step);
                    if (count > 0 && strides != null) off += start * strides[axis];
                    if (newStrides != null) newStrides[rank] = strides[axis] * step;
                    newShape[rank++] = count;
                    axis++;
                }
            }
        }
        while (axis < shape.length) {
            if (newStrides != null) newStrides[rank] = strides[axis];
            newShape[rank++] = shape[axis++];
        }
        return off;
    }

    private static int clampSliceBound(int bound, int n, int step, boolean isStart) {
        if (bound == Integer.MAX_VALUE) return step > 0 ? (isStart ? 0 : n) : (isStart ? n - 1 : -1);
        if (bound == Integer.MIN_VALUE) return step > 0 ? 0 : -1;
        int b = bound < 0 ? bound + n : bound;
        if (step > 0) return Math.max(0, Math.min(b, n));
        return Math.max(-1, Math.min(b, n - 1));
    }

    /** Matrix transpose (rank 2) or reversal of all dimensions (any rank); a view. */
    public Tensor transpose() {
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = shape.length - 1 - i;
        return permute(order);
    }

    /** Swaps two dimensions; a view. */
    public Tensor transpose(int axis0, int axis1) {
        int a = Shapes.axis("transpose", axis0, shape.length), b = Shapes.axis("transpose", axis1, shape.length);
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Reorders dimensions: dimension i of the result is dimension order[i] of this; a view. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " does not match rank "
                    + shape.length + " (shape " + Shapes.str(shape) + ")");
        }
        boolean[] seen = new boolean[order.length];
        int[] newShape = new int[order.length], newStrides = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = Shapes.axis("permute", order[i], shape.length);
            if (seen[a]) throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " repeats axis " + a);
            seen[a] = true;
            newShape[i] = shape[a];
            newStrides[i] = strides[a];
        }
        return new Tensor(dtype, data, offset, newShape, newStrides, true);
    }

    /**
     * The same elements in row-major order with a new shape (one dimension may be -1 and is
     * inferred). A view when the layout allows it (always for contiguous tensors), otherwise a
     * contiguous copy; {@link #isView} tells which.
     */
    public Tensor reshape(int... newShape) {
        int[] target = Shapes.reshape(shape, newShape);
        int[] viewStrides = viewStrides(target);
        if (viewStrides != null) return new Tensor(dtype, data, offset, target, viewStrides, true);   // Shapes.reshape's copy
        return contiguous().reshape(target);
    }

    /** Strides that present this tensor's elements in the target shape without copying, or null. */
    private int[] viewStrides(int[] target) {
        if (isContiguous()) return Shapes.contiguousStrides(target);
        if (size == 0) return Shapes.contiguousStrides(target);
        // Walk groups of old dims that multiply to groups of new dims (as NumPy's _attempt_nocopy_reshape).
        // Size-1 dims carry no layout information (their strides are arbitrary): drop them first,
        // as NumPy does, or a stride check across one compares the wrong neighbours.
        int[] kept = java.util.stream.IntStream.range(0, shape.length).filter(i -> shape[i] != 1).toArray();
        int[] oldShape = Arrays.stream(kept).map(i -> shape[i]).toArray();
        int[] oldStrides = Arrays.stream(kept).map(i -> strides[i]).toArray();
        int[] out = new int[target.length];
        int oi = 0, ni = 0;
        while (oi < oldShape.length && ni < target.length) {
            int oj = oi + 1, nj = ni + 1;
            long op = oldShape[oi], np = target[ni];
            while (op != np) {
                if (np < op) np *= target[nj++];
                else op *= oldShape[oj++];
            }
            for (int k = oi; k < oj - 1; k++) {
                if (oldStrides[k] != oldStrides[k + 1] * oldShape[k + 1]) return null;
            }
            int s = oldStrides[oj - 1];
            for (int k = nj - 1; k >= ni; k--) {
                out[k] = s;
                s *= target[k];
            }
            oi = oj;
            ni = nj;
        }
        for (; ni < target.length; ni++) out[ni] = 1;
        return out;
    }

    /** True when {@link #reshape} to this shape would return a view rather than a copy. */
    public boolean reshapeIsView(int... newShape) {
        return viewStrides(Shapes.reshape(shape, newShape)) != null;
    }

    /** Broadcasts to a larger shape by NumPy rules, a read-only view with stride 0 on stretched dims. */
    public Tensor expand(int... target) {
        int[] result = Shapes.broadcast("expand", shape, target);
        if (!Arrays.equals(result, target)) {
            throw new IllegalArgumentException("expand: shape " + Shapes.str(shape) + " cannot be broadcast to " + Shapes.str(target));
        }
        int[] newStrides = new int[target.length];
        int lead = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            newStrides[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        }
        return new Tensor(dtype, data, offset, result, newStrides, true);
    }

    /** Whether this tensor and {@code other} share storage. */
    public boolean sharesStorage(Tensor other) { return data == other.data; }

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() && offset == 0 ? this : copy();
    }

    /** A contiguous copy with its own storage, bit for bit (any dtype). */
    public Tensor copy() {
        Tensor out = zeros(dtype, shape);
        if (size == 0) return out;
        if (isContiguous()) {
            System.arraycopy(data, offset, out.data, 0, size);
            return out;
        }
        switch (dtype) {
            case F64 -> { double[] s = (double[]) data, d = (double[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case F32 -> { float[] s = (float[]) data, d = (float[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case I32 -> { int[] s = (int[]) data, d = (int[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case I64 -> { long[] s = (long[]) data, d = (long[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case BOOL -> { boolean[] s = (boolean[]) data, d = (boolean[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case F16, BF16 -> { short[] s = (short[]) data, d = (short[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
            case I8, U8 -> { byte[] s = (byte[]) data, d = (byte[]) out.data; for (int i = 0; i < size; i++) d[i] = s[flatPosition(i)]; }
        }
        return out;
    }

    /**
     * A contiguous copy converted to another dtype (a plain copy when the dtype is the same), with
     * NumPy's {@code astype} semantics: floating to integer truncates toward zero (2.7 → 2,
     * -2.7 → -2); integer to floating rounds to nearest (I64 → F64 beyond 2^53, I32/I64 → F32
     * beyond 2^24); integers to narrower integers wrap (I64 → I32 modulo 2^32, anything → I8 or
     * U8 modulo 2^8) as in NumPy; anything → BOOL is {@code value != 0} (NaN is true); BOOL →
     * numbers is 0 or 1. F16 and BF16 convert exactly to F32 and F64, and from any dtype by one
     * rounding to nearest, ties to even, of the exact value (see {@link HalfPrecision} for
     * infinities, subnormals and NaN); F16/BF16 ↔ F32 of contiguous tensors runs on the backend's
     * conversion kernels. Where NumPy's result is undefined (NaN, an infinity or a value outside
     * the integer range converted to I8, U8, I32 or I64), this throws ArithmeticException naming
     * the element.
     */
    public Tensor to(DType target) {
        if (target == dtype) return copy();
        return to(zeros(target, shape));
    }

    /**
     * Converts this tensor into {@code out} (any layout, this tensor's shape, any dtype) by the
     * rules of {@link #to(DType)}; returns out. Allocates nothing. out must not overlap this tensor.
     */
    public Tensor to(Tensor out) {
        if (!Arrays.equals(shape, out.shape)) {
            throw new IllegalArgumentException("to: out has shape " + Shapes.str(out.shape) + ", expected " + Shapes.str(shape));
        }
        DType target = out.dtype;
        if (target == dtype) return math().copy(this, out);
        if (size == 0) return out;
        if (isContiguous() && out.isContiguous() && convertWithKernel(out)) return out;
        for (int i = 0; i < size; i++) {
            int pos = flatPosition(i), dst = out.flatPosition(i);
            if (dtype == DType.F32 && (target == DType.F16 || target == DType.BF16)) {
                // The scalar twin of the kernels, so that a strided tensor gets the same bits.
                float v = ((float[]) data)[pos];
                ((short[]) out.data)[dst] = target == DType.F16 ? HalfPrecision.f32ToF16(v) : HalfPrecision.f32ToBf16(v);
            } else if ((dtype == DType.F16 || dtype == DType.BF16) && target == DType.F32) {
                short h = ((short[]) data)[pos];
                ((float[]) out.data)[dst] = dtype == DType.F16 ? HalfPrecision.f16ToF32(h) : HalfPrecision.bf16ToF32(h);
            } else if (dtype.holdsFloats()) {
                out.writeConverted(dst, readAt(pos, "to"), i, this);
            } else {
                out.writeConverted(dst, readLong(pos, "to"));
            }
        }
        return out;
    }

    /** F16/BF16 ↔ F32 of contiguous tensors on the backend's kernels; false for other pairs. */
    private boolean convertWithKernel(Tensor out) {
        ConversionKernels k = math().backend().conversions();
        switch (dtype) {
            case F16 -> { if (out.dtype != DType.F32) return false; k.f16ToF32((short[]) data, offset, (float[]) out.data, out.offset, size); }
            case BF16 -> { if (out.dtype != DType.F32) return false; k.bf16ToF32((short[]) data, offset, (float[]) out.data, out.offset, size); }
            case F32 -> {
                if (out.dtype == DType.F16) k.f32ToF16((float[]) data, offset, (short[]) out.data, out.offset, size);
                else if (out.dtype == DType.BF16) k.f32ToBf16((float[]) data, offset, (short[]) out.data, out.offset, size);
                else return false;
            }
            default -> { return false; }
        }
        return true;
    }

    /** Stores the floating value v (element i of source, for messages) at pos, converted to this dtype. */
    private void writeConverted(int pos, double v, int i, Tensor source) {
        switch (dtype) {
            case F64 -> ((double[]) data)[pos] = v;
            case F32 -> ((float[]) data)[pos] = (float) v;
            case F16 -> ((short[]) data)[pos] = HalfPrecision.f64ToF16(v);
            case BF16 -> ((short[]) data)[pos] = HalfPrecision.f64ToBf16(v);
            case BOOL -> ((boolean[]) data)[pos] = v != 0 || Double.isNaN(v);
            case I32 -> {
                if (!(v > -0x1p31 - 1 && v < 0x1p31)) throw source.castError(dtype, i, v);
                ((int[]) data)[pos] = (int) v;
            }
            case I64 -> {
                if (!(v >= -0x1p63 && v < 0x1p63)) throw source.castError(dtype, i, v);
                ((long[]) data)[pos] = (long) v;
            }
            case I8 -> {
                if (!(v > Byte.MIN_VALUE - 1 && v < Byte.MAX_VALUE + 1)) throw source.castError(dtype, i, v);
                ((byte[]) data)[pos] = (byte) (int) v;
            }
            case U8 -> {
                if (!(v > -1 && v < 256)) throw source.castError(dtype, i, v);
                ((byte[]) data)[pos] = (byte) (int) v;
            }
        }
    }

    /** Stores the integer value v at pos, converted to this dtype (wrapping into narrower integers, as NumPy). */
    private void writeConverted(int pos, long v) {
        switch (dtype) {
            case F64 -> ((double[]) data)[pos] = v;
            case F32 -> ((float[]) data)[pos] = v;
            case F16 -> ((short[]) data)[pos] = HalfPrecision.f64ToF16(roundToOdd(v));
            case BF16 -> ((short[]) data)[pos] = HalfPrecision.f64ToBf16(roundToOdd(v));
            case I32 -> ((int[]) data)[pos] = (int) v;
            case I64 -> ((long[]) data)[pos] = v;
            case I8, U8 -> ((byte[]) data)[pos] = (byte) v;
            case BOOL -> ((boolean[]) data)[pos] = v != 0;
        }
    }

    /**
     * v as a double rounded to odd (the last kept bit set when bits were dropped): exact up to
     * 2^53, and beyond that a value whose second rounding to a format of at most 51 bits (F16,
     * BF16) equals rounding v itself once. Plain (double) v would round twice.
     */
    static double roundToOdd(long v) {
        long a = Math.abs(v);
        if (v == Long.MIN_VALUE || a >>> 53 == 0) return v;
        int dropped = 11 - Long.numberOfLeadingZeros(a);
        long kept = a >>> dropped;
        if (kept << dropped != a) kept |= 1;
        return Math.copySign(Math.scalb((double) kept, dropped), v);
    }

    private ArithmeticException castError(DType target, int i, double v) {
        return new ArithmeticException("to(" + target + "): element " + i + " of " + dtype + " " + Shapes.str(shape) + " is " + v
                + ", which has no " + target + " value (NaN, infinite or out of range)");
    }

    /** The elements in row-major order as a new double array (exact, as {@link #getFlat}). */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = getFlat(i);
        return out;
    }

    /** The elements in row-major order as a new int array (exact, as {@link #getIntFlat}). */
    public int[] toIntArray() {
        int[] out = new int[size];
        for (int i = 0; i < size; i++) out[i] = getIntFlat(i);
        return out;
    }

    /** The elements in row-major order as a new long array (exact, as {@link #getLongFlat}). */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) out[i] = getLongFlat(i);
        return out;
    }

    // ---------------------------------------------------------------- math (delegates to TensorMath.get())
    // Each op has an allocating form and an out form; the out form follows TensorMath's contract
    // (exact result shape, same dtype, returns out, allocates nothing).

    private static TensorMath math() { return TensorMath.get(); }

    /** this + other, NumPy broadcasting. */
    public Tensor add(Tensor other) { return math().binary(BinaryOp.ADD, this, other); }
    public Tensor add(Tensor other, Tensor out) { return math().binary(BinaryOp.ADD, this, other, out); }
    /** this - other, NumPy broadcasting. */
    public Tensor sub(Tensor other) { return math().binary(BinaryOp.SUB, this, other); }
    public Tensor sub(Tensor other, Tensor out) { return math().binary(BinaryOp.SUB, this, other, out); }
    /** this * other elementwise, NumPy broadcasting. */
    public Tensor mul(Tensor other) { return math().binary(BinaryOp.MUL, this, other); }
    public Tensor mul(Tensor other, Tensor out) { return math().binary(BinaryOp.MUL, this, other, out); }
    /** this / other elementwise, NumPy broadcasting. */
    public Tensor div(Tensor other) { return math().binary(BinaryOp.DIV, this, other); }
    public Tensor div(Tensor other, Tensor out) { return math().binary(BinaryOp.DIV, this, other, out); }
    /** max(this, other) elementwise (NaN propagates). */
    public Tensor maximum(Tensor other) { return math().binary(BinaryOp.MAX, this, other); }
    public Tensor maximum(Tensor other, Tensor out) { return math().binary(BinaryOp.MAX, this, other, out); }
    /** min(this, other) elementwise (NaN propagates). */
    public Tensor minimum(Tensor other) { return math().binary(BinaryOp.MIN, this, other); }
    public Tensor minimum(Tensor other, Tensor out) { return math().binary(BinaryOp.MIN, this, other, out); }

    /** this + s. */
    public Tensor add(double s) { return math().binary(BinaryOp.ADD, this, s); }
    public Tensor add(double s, Tensor out) { return math().binary(BinaryOp.ADD, this, s, out); }
    /** this - s. */
    public Tensor sub(double s) { return math().binary(BinaryOp.SUB, this, s); }
    public Tensor sub(double s, Tensor out) { return math().binary(BinaryOp.SUB, this, s, out); }
    /** this * s. */
    public Tensor mul(double s) { return math().binary(BinaryOp.MUL, this, s); }
    public Tensor mul(double s, Tensor out) { return math().binary(BinaryOp.MUL, this, s, out); }
    /** this / s. */
    public Tensor div(double s) { return math().binary(BinaryOp.DIV, this, s); }
    public Tensor div(double s, Tensor out) { return math().binary(BinaryOp.DIV, this, s, out); }
    /** this raised to the power p elementwise. */
    public Tensor pow(double p) { return math().binary(BinaryOp.POW, this, p); }
    public Tensor pow(double p, Tensor out) { return math().binary(BinaryOp.POW, this, p, out); }

    /** f(this) elementwise for a primitive function. */
    public Tensor apply(UnaryOp f) { return math().unary(f, this); }
    public Tensor apply(UnaryOp f, Tensor out) { return math().unary(f, this, out); }
    public Tensor neg() { return apply(UnaryOp.NEG); }
    public Tensor neg(Tensor out) { return apply(UnaryOp.NEG, out); }
    public Tensor abs() { return apply(UnaryOp.ABS); }
    public Tensor abs(Tensor out) { return apply(UnaryOp.ABS, out); }
    public Tensor exp() { return apply(UnaryOp.EXP); }
    public Tensor exp(Tensor out) { return apply(UnaryOp.EXP, out); }
    public Tensor log() { return apply(UnaryOp.LOG); }
    public Tensor log(Tensor out) { return apply(UnaryOp.LOG, out); }
    public Tensor sqrt() { return apply(UnaryOp.SQRT); }
    public Tensor sqrt(Tensor out) { return apply(UnaryOp.SQRT, out); }
    public Tensor square() { return apply(UnaryOp.SQUARE); }
    public Tensor square(Tensor out) { return apply(UnaryOp.SQUARE, out); }
    public Tensor tanh() { return apply(UnaryOp.TANH); }
    public Tensor tanh(Tensor out) { return apply(UnaryOp.TANH, out); }
    public Tensor sigmoid() { return apply(UnaryOp.SIGMOID); }
    public Tensor sigmoid(Tensor out) { return apply(UnaryOp.SIGMOID, out); }
    public Tensor relu() { return apply(UnaryOp.RELU); }
    public Tensor relu(Tensor out) { return apply(UnaryOp.RELU, out); }
    /** A user function applied elementwise in float64 (slow path). */
    public Tensor map(DoubleUnaryOperator f) { return math().map(this, f); }
    public Tensor map(DoubleUnaryOperator f, Tensor out) { return math().map(this, f, out); }

    /** Sum over the axes (all when none given), axes removed. */
    public Tensor sum(int... axes) { return math().sum(this, axes); }
    /** Sum over the axes into out (axes kept as 1 when keepDims). */
    public Tensor sum(boolean keepDims, int[] axes, Tensor out) { return math().reduce(ReduceOp.SUM, this, keepDims, axes, out); }
    /** Mean over the axes (all when none given), axes removed. */
    public Tensor mean(int... axes) { return math().mean(this, axes); }
    public Tensor mean(boolean keepDims, int[] axes, Tensor out) { return math().mean(this, keepDims, axes, out); }
    /** Maximum over the axes (all when none given), axes removed. */
    public Tensor max(int... axes) { return math().max(this, axes); }
    public Tensor max(boolean keepDims, int[] axes, Tensor out) { return math().reduce(ReduceOp.MAX, this, keepDims, axes, out); }
    /** Minimum over the axes (all when none given), axes removed. */
    public Tensor min(int... axes) { return math().min(this, axes); }
    public Tensor min(boolean keepDims, int[] axes, Tensor out) { return math().reduce(ReduceOp.MIN, this, keepDims, axes, out); }
    /** Euclidean norm of all elements, rank 0. */
    public Tensor norm() { return math().norm(this); }
    public Tensor norm(Tensor out) { return math().norm(this, out); }
    /** Index of the first maximum along an axis, as float64. */
    public Tensor argmax(int axis) { return math().argmax(this, axis); }
    public Tensor argmax(int axis, Tensor out) { return math().argmax(this, axis, out); }
    /** Sums this down to out's shape, which must broadcast to this shape. */
    public Tensor sumTo(Tensor out) { return math().sumTo(this, out); }

    /** Matrix product (see {@link TensorMath#matmul(Tensor, Tensor)}). */
    public Tensor matmul(Tensor other) { return math().matmul(this, other); }
    public Tensor matmul(Tensor other, Tensor out) { return math().matmul(this, other, out); }
    /** Inner product of two vectors, rank 0. */
    public Tensor dot(Tensor other) { return math().dot(this, other); }
    public Tensor dot(Tensor other, Tensor out) { return math().dot(this, other, out); }
    /** Outer product of two vectors. */
    public Tensor outer(Tensor other) { return math().outer(this, other); }
    public Tensor outer(Tensor other, Tensor out) { return math().outer(this, other, out); }
    /** Mode-n product with a matrix (see {@link TensorMath#modeN(Tensor, Tensor, int)}). */
    public Tensor modeN(Tensor matrix, int mode) { return math().modeN(this, matrix, mode); }
    public Tensor modeN(Tensor matrix, int mode, Tensor out) { return math().modeN(this, matrix, mode, out); }

    /** Sets every element to value; returns this. */
    public Tensor fill(double value) { return math().fill(this, value); }
    /** Copies src (broadcast to this shape) into this; returns this. */
    public Tensor copyFrom(Tensor src) { return math().copy(src, this); }

    // ---------------------------------------------------------------- comparison and printing

    /**
     * True when shapes are equal and every pair of elements satisfies
     * {@code |a - b| <= atol + rtol * |b|} (b from {@code other}); NaNs are equal only to NaNs,
     * an infinity only to the same infinity.
     */
    public boolean allClose(Tensor other, double rtol, double atol) {
        if (!Arrays.equals(shape, other.shape)) return false;
        for (int i = 0; i < size; i++) {
            int pa = flatPosition(i), pb = other.flatPosition(i);
            if (!dtype.holdsFloats() && !other.dtype.holdsFloats() && readLong(pa, "allClose") == other.readLong(pb, "allClose")) continue;
            double a = approx(pa), b = other.approx(pb);
            if (Double.isNaN(a) || Double.isNaN(b)) {
                if (Double.isNaN(a) != Double.isNaN(b)) return false;
                continue;
            }
            if (a == b) continue; // equal infinities
            if (Double.isInfinite(a) || Double.isInfinite(b)) return false; // inf - x is never within rtol * inf
            if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) return false;
        }
        return true;
    }

    /** The element at a storage position as a double, rounded (I64) rather than refused: for comparisons. */
    private double approx(int pos) {
        return dtype == DType.I64 ? (double) ((long[]) data)[pos] : readAt(pos, "approx");
    }

    /** Same shape, dtype and bitwise-identical elements (any dtype; NaNs equal when their bits are). */
    public boolean bitwiseEquals(Tensor other) {
        if (dtype != other.dtype || !Arrays.equals(shape, other.shape)) return false;
        for (int i = 0; i < size; i++) {
            int pa = flatPosition(i), pb = other.flatPosition(i);
            boolean same = switch (dtype) {
                case F64 -> Double.doubleToRawLongBits(((double[]) data)[pa]) == Double.doubleToRawLongBits(((double[]) other.data)[pb]);
                case F32 -> Float.floatToRawIntBits(((float[]) data)[pa]) == Float.floatToRawIntBits(((float[]) other.data)[pb]);
                case I32 -> ((int[]) data)[pa] == ((int[]) other.data)[pb];
                case I64 -> ((long[]) data)[pa] == ((long[]) other.data)[pb];
                case BOOL -> ((boolean[]) data)[pa] == ((boolean[]) other.data)[pb];
                case F16, BF16 -> ((short[]) data)[pa] == ((short[]) other.data)[pb];
                case I8, U8 -> ((byte[]) data)[pa] == ((byte[]) other.data)[pb];
            };
            if (!same) return false;
        }
        return true;
    }

    /**
     * {@code Tensor(F64, [2, 3])[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}, {@code Tensor(I32, [2])[4, 7]},
     * {@code Tensor(BOOL, [2])[true, false]}; long dimensions abbreviated with "...".
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(", ").append(Shapes.str(shape)).append(")");
        appendValues(sb, 0, offset);
        return sb.toString();
    }

    private static final int EDGE = 3;

    private void appendValues(StringBuilder sb, int axis, int pos) {
        if (axis == shape.length) {
            switch (dtype) {
                case F64 -> sb.append(((double[]) data)[pos]);
                case F32 -> sb.append(((float[]) data)[pos]);
                case I32 -> sb.append(((int[]) data)[pos]);
                case I64 -> sb.append(((long[]) data)[pos]);
                case BOOL -> sb.append(((boolean[]) data)[pos]);
                case F16, BF16 -> sb.append((float) readAt(pos, "toString"));   // printed as the float32 of the same value
                case I8, U8 -> sb.append((int) readAt(pos, "toString"));
            }
            return;
        }
        sb.append('[');
        int n = shape[axis];
        for (int i = 0; i < n; i++) {
            if (n > 2 * EDGE && i == EDGE) {
                sb.append("..., ");
                i = n - EDGE;
            }
            appendValues(sb, axis + 1, pos + i * strides[axis]);
            if (i < n - 1) sb.append(", ");
        }
        sb.append(']');
    }
}
