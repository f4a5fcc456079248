package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * A step's float64 instructions of the common kinds (elementwise, matrix products, sums, block
 * moves) as op codes and operand offsets in one int array, run by one interpreter loop
 * ({@link #run}), instead of a closure per instruction over its tensors' arrays: for a graph with
 * a new structure every example, the closures were a third of what a compile allocated and,
 * being millions of small objects, most of what a young collection copied. Each instruction
 * records exactly the kernel call the matching {@link BoundF64} closure makes (same arguments, same
 * order), so results are bitwise those of the closures; each append returns false where
 * {@link BoundF64}'s factory returns null (a layout for TensorMath's general path), and nothing is
 * appended. Storage arrays are named by an index into {@link #arrays} (entry 0 holds the
 * instructions' scalar operands). Source of truth for the generated {@code CodeF32}.
 */
final class CodeF64 implements CodeView {
    // op codes; each is followed by its operands (the record's length is in parentheses)
    private static final int UNARY = 0;      // (9) op, n, x, xo, xs, y, yo, accumulate
    private static final int BINARY = 1;     // (11) op, n, a, ao, as, b, bo, bs, c, co
    private static final int ROWS_A = 2;     // (10) op, row, rows, a, ao, b, bo, c, co: a repeats every row elements
    private static final int ROWS_B = 3;     // (10) op, row, rows, a, ao, b, bo, c, co: b repeats every row elements
    private static final int GEMM = 4;       // (21) Bound.gemmLayout's 13, then a, ao, b, bo, beta, c, co
    private static final int SUM_ALL = 5;    // (6) n, x, xo, y, yo
    private static final int SUM_ROWS = 6;   // (7) row, rows, x, xo, y, yo
    private static final int BLOCKS = 7;     // (6 + 4 per block) y, zero n, yo, accumulate, blocks, then (x or -1, from, to, length)
    private static final int COPY = 8;       // (7) n, x, xo, y, yo, accumulate

    private static final UnaryOp[] UNARY_OPS = UnaryOp.values();
    private static final BinaryOp[] BINARY_OPS = BinaryOp.values();

    private final TensorMath math;
    private KernelsF64 k;
    private int[] code;
    /** The recording array once {@link #finish} replaced {@link #code} by its exact-length copy. */
    private int[] work;
    private int length;
    private double[][] arrays = new double[1][];
    private int arrayCount = 1;
    private double[] scalars = new double[0];
    private int scalarCount;
    /** Index of each storage array in {@link #arrays} (while appending; dropped by {@link #finish}). */
    private IdentityHashMap<Object, Integer> arrayIndex;
    /** The two arrays {@link #array} last returned, and their indices. */
    private Object recent0, recent1;
    private int recentAt0, recentAt1;

    /**
     * @param work an array to record into (a compile's scratch, reused from one compile to the next):
     *             {@link #finish} copies the code out at its exact length, so for a new structure
     *             each compile allocates the code once instead of every doubling of it
     */
    CodeF64(TensorMath math, int[] work) {
        this.math = math;
        this.code = work;
    }

    /** The array recorded into: the one given, or a longer one if it grew (for the caller to keep). */
    @Override public int[] work() { return work; }

    private KernelsF64 kernels() {
        if (k == null) k = (KernelsF64) math.kernels(DType.F64, "coded kernel").typed();
        return k;
    }

    @Override public int length() { return length; }

    /** Room for {@code n} more ints. */
    private int[] room(int n) {
        if (length + n > code.length) code = Arrays.copyOf(code, Math.max(length + n, Math.max(64, 2 * code.length)));
        return code;
    }

    private int array(Tensor t) {
        Object data = t.data();
        // Most operands are in the step's arena, the rest in a few parameters: the last two arrays
        // met answer most lookups without the identity map's hash and probe.
        if (data == recent0) return recentAt0;
        if (data == recent1) return recentAt1;
        if (arrayIndex == null) arrayIndex = new IdentityHashMap<>();
        Integer known = arrayIndex.get(data);
        int at;
        if (known != null) {
            at = known;
        } else {
            if (arrayCount == arrays.length) arrays = Arrays.copyOf(arrays, 2 * arrayCount);
            arrays[arrayCount] = (double[]) data;
            arrayIndex.put(data, arrayCount);
            at = arrayCount++;
        }
        recent1 = recent0;
        recentAt1 = recentAt0;
        recent0 = data;
        recentAt0 = at;
        return at;
    }

    private int scalar(double s) {
        if (scalarCount == scalars.length) scalars = Arrays.copyOf(scalars, Math.max(8, 2 * scalarCount));
        scalars[scalarCount] = s;
        return scalarCount++;
    }

    @Override
    public boolean unary(UnaryOp op, Tensor x, Tensor out, boolean accumulate) {
        int n = out.size();
        int xs = Bound.runStride(x, n);
        if (xs < 0 || !out.isContiguous()) return false;
        int[] c = room(9);
        int p = length;
        c[p] = UNARY;
        c[p + 1] = op.ordinal();
        c[p + 2] = n;
        c[p + 3] = array(x);
        c[p + 4] = x.offset();
        c[p + 5] = xs;
        c[p + 6] = array(out);
        c[p + 7] = out.offset();
        c[p + 8] = accumulate ? 1 : 0;
        length = p + 9;
        return true;
    }

    @Override
    public boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.size();
        if (!out.isContiguous()) return false;
        int as = Bound.runStride(a, n), bs = Bound.runStride(b, n);
        if (as >= 0 && bs >= 0) return binary(op, n, array(a), a.offset(), as, array(b), b.offset(), bs, out);
        if (as == 1 && Bound.isRow(b, out)) return rows(ROWS_B, op, b.size(), n, a, b, out);
        if (bs == 1 && Bound.isRow(a, out)) return rows(ROWS_A, op, a.size(), n, a, b, out);
        return false;
    }

    private boolean binary(BinaryOp op, int n, int a, int ao, int as, int b, int bo, int bs, Tensor out) {
        int[] c = room(11);
        int p = length;
        c[p] = BINARY;
        c[p + 1] = op.ordinal();
        c[p + 2] = n;
        c[p + 3] = a;
        c[p + 4] = ao;
        c[p + 5] = as;
        c[p + 6] = b;
        c[p + 7] = bo;
        c[p + 8] = bs;
        c[p + 9] = array(out);
        c[p + 10] = out.offset();
        length = p + 11;
        return true;
    }

    private boolean rows(int code, BinaryOp op, int row, int n, Tensor a, Tensor b, Tensor out) {
        int[] c = room(10);
        int p = length;
        c[p] = code;
        c[p + 1] = op.ordinal();
        c[p + 2] = row;
        c[p + 3] = n / row;
        c[p + 4] = array(a);
        c[p + 5] = a.offset();
        c[p + 6] = array(b);
        c[p + 7] = b.offset();
        c[p + 8] = array(out);
        c[p + 9] = out.offset();
        length = p + 10;
        return true;
    }

    @Override
    public boolean scalar(BinaryOp op, Tensor a, double/*erased*/ s, Tensor out) {
        int n = out.size();
        int as = Bound.runStride(a, n);
        if (as < 0 || !out.isContiguous()) return false;
        // the scalar is read from entry 0, which finish() points at the scalars' array
        return binary(op, n, array(a), a.offset(), as, 0, scalar((double) s), 0, out);
    }

    @Override
    public boolean matmul(Tensor a, Tensor b, Tensor out, int beta) {
        int[] c = room(21);
        int p = length;
        if (!Bound.gemmLayout(a, b, out, c, p + 1)) return false;
        c[p] = GEMM;
        c[p + 14] = array(a);
        c[p + 15] = a.offset();
        c[p + 16] = array(b);
        c[p + 17] = b.offset();
        c[p + 18] = beta;
        c[p + 19] = array(out);
        c[p + 20] = out.offset();
        length = p + 21;
        return true;
    }

    @Override
    public boolean sumAll(Tensor x, Tensor out) {
        if (!x.isContiguous() || out.size() != 1) return false;
        int[] c = room(6);
        int p = length;
        c[p] = SUM_ALL;
        c[p + 1] = x.size();
        c[p + 2] = array(x);
        c[p + 3] = x.offset();
        c[p + 4] = array(out);
        c[p + 5] = out.offset();
        length = p + 6;
        return true;
    }

    @Override
    public boolean sumRows(Tensor x, Tensor out) {
        if (!x.isContiguous() || !Bound.isRow(out, x) || out.size() == 0) return false;
        int[] c = room(7);
        int p = length;
        c[p] = SUM_ROWS;
        c[p + 1] = out.size();
        c[p + 2] = x.size() / out.size();
        c[p + 3] = array(x);
        c[p + 4] = x.offset();
        c[p + 5] = array(out);
        c[p + 6] = out.offset();
        length = p + 7;
        return true;
    }

    @Override
    public boolean blocks(Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
        int[] c = room(6 + 4 * src.length);
        int p = length;
        c[p] = BLOCKS;
        c[p + 1] = array(out);
        c[p + 2] = zeroFirst ? out.size() : 0;
        c[p + 3] = out.offset();
        c[p + 4] = accumulate ? 1 : 0;
        c[p + 5] = src.length;
        for (int b = 0, q = p + 6; b < src.length; b++, q += 4) {
            c[q] = src[b] == null ? -1 : array(src[b]);
            c[q + 1] = at[3 * b];
            c[q + 2] = at[3 * b + 1];
            c[q + 3] = at[3 * b + 2];
        }
        length = p + 6 + 4 * src.length;
        return true;
    }

    @Override
    public boolean copy(Tensor x, Tensor y, boolean accumulate) {
        if (!x.isContiguous() || !y.isContiguous() || x.size() != y.size()) return false;
        int[] c = room(7);
        int p = length;
        c[p] = COPY;
        c[p + 1] = y.size();
        c[p + 2] = array(x);
        c[p + 3] = x.offset();
        c[p + 4] = array(y);
        c[p + 5] = y.offset();
        c[p + 6] = accumulate ? 1 : 0;
        length = p + 7;
        return true;
    }

    @Override
    public void finish() {
        work = code;
        code = Arrays.copyOf(code, length);
        arrays = Arrays.copyOf(arrays, arrayCount);
        arrays[0] = Arrays.copyOf(scalars, scalarCount);
        scalars = null;
        arrayIndex = null;
        recent0 = recent1 = null;
        kernels();
    }

    /** Runs the instructions recorded in {@code [from, to)} of the code, in order. */
    @Override
    public void run(int from, int to) {
        KernelsF64 k = this.k;
        int[] c = code;
        double[][] a = arrays;
        for (int p = from; p < to; ) {
            switch (c[p]) {
                case UNARY -> {
                    k.unary(UNARY_OPS[c[p + 1]], c[p + 2], a[c[p + 3]], c[p + 4], c[p + 5], a[c[p + 6]], c[p + 7], 1, c[p + 8] != 0);
                    p += 9;
                }
                case BINARY -> {
                    k.binary(BINARY_OPS[c[p + 1]], c[p + 2], a[c[p + 3]], c[p + 4], c[p + 5], a[c[p + 6]], c[p + 7], c[p + 8],
                            a[c[p + 9]], c[p + 10], 1, false);
                    p += 11;
                }
                case ROWS_B -> {
                    BinaryOp op = BINARY_OPS[c[p + 1]];
                    int row = c[p + 2], rows = c[p + 3], ao = c[p + 5], bo = c[p + 7], co = c[p + 9];
                    double[] x = a[c[p + 4]], y = a[c[p + 6]], z = a[c[p + 8]];
                    for (int r = 0; r < rows; r++) k.binary(op, row, x, ao + r * row, 1, y, bo, 1, z, co + r * row, 1, false);
                    p += 10;
                }
                case ROWS_A -> {
                    BinaryOp op = BINARY_OPS[c[p + 1]];
                    int row = c[p + 2], rows = c[p + 3], ao = c[p + 5], bo = c[p + 7], co = c[p + 9];
                    double[] x = a[c[p + 4]], y = a[c[p + 6]], z = a[c[p + 8]];
                    for (int r = 0; r < rows; r++) k.binary(op, row, x, ao, 1, y, bo + r * row, 1, z, co + r * row, 1, false);
                    p += 10;
                }
                case GEMM -> {
                    k.gemm(c[p + 1], c[p + 2], c[p + 3], c[p + 4], 1, a[c[p + 14]], c[p + 15], c[p + 5], c[p + 6], c[p + 7],
                            a[c[p + 16]], c[p + 17], c[p + 8], c[p + 9], c[p + 10], c[p + 18],
                            a[c[p + 19]], c[p + 20], c[p + 11], c[p + 12], c[p + 13]);
                    p += 21;
                }
                case SUM_ALL -> {
                    a[c[p + 4]][c[p + 5]] = k.reduce(ReduceOp.SUM, c[p + 1], a[c[p + 2]], c[p + 3], 1);
                    p += 6;
                }
                case SUM_ROWS -> {
                    int row = c[p + 1], rows = c[p + 2], xo = c[p + 4], yo = c[p + 6];
                    double[] x = a[c[p + 3]], y = a[c[p + 5]];
                    k.fill(row, 0, y, yo, 1);
                    for (int r = 0; r < rows; r++) k.unary(UnaryOp.IDENTITY, row, x, xo + r * row, 1, y, yo, 1, true);
                    p += 7;
                }
                case BLOCKS -> {
                    double[] y = a[c[p + 1]];
                    int zero = c[p + 2], blocks = c[p + 5];
                    boolean accumulate = c[p + 4] != 0;
                    if (zero > 0) k.fill(zero, 0, y, c[p + 3], 1);
                    p += 6;
                    for (int b = 0; b < blocks; b++, p += 4) {
                        if (c[p] < 0) k.fill(c[p + 3], 0, y, c[p + 2], 1);
                        else k.unary(UnaryOp.IDENTITY, c[p + 3], a[c[p]], c[p + 1], 1, y, c[p + 2], 1, accumulate);
                    }
                }
                case COPY -> {
                    k.unary(UnaryOp.IDENTITY, c[p + 1], a[c[p + 2]], c[p + 3], 1, a[c[p + 4]], c[p + 5], 1, c[p + 6] != 0);
                    p += 7;
                }
                default -> throw new IllegalStateException("coded instruction: unknown op code " + c[p] + " at " + p);
            }
        }
    }
}
