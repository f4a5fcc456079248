package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * Binds the common forward rules directly to the backend's kernels for the tensors' dtype
 * ({@link BoundF64}, generated {@code BoundF32}), falling back to an instruction that calls
 * TensorMath's general {@code out} form when a layout is not a plain run (strided views,
 * general broadcasts). Both paths allocate nothing when run.
 */
public final class Bound {
    private Bound() {}

    /** Stride of an operand read alongside a contiguous out of n elements: 1, 0 (one element), or -1 (not direct). */
    static int runStride(Tensor t, int n) {
        if (t.size() == 1) return 0;
        return t.size() == n && t.isContiguous() ? 1 : -1;
    }

    /** The operand repeats every t.size() elements of out (a trailing-dims broadcast, like a bias row). */
    static boolean isRow(Tensor t, Tensor out) {
        int r = t.rank(), o = out.rank();
        if (!t.isContiguous() || r == 0 || r > o || t.size() == 0) return false;
        for (int d = 0; d < r; d++) if (t.dim(d) != out.dim(o - r + d)) return false;
        return true;
    }

    /** The factories of out's dtype: where a bound instruction's dtype selects its kernels. */
    private static BoundView view(Tensor out) { return out.dtype().pick("bound kernel", BoundF64.VIEW, BoundF32.VIEW); }

    public static Instruction unary(TensorMath math, UnaryOp op, Tensor x, Tensor out) {
        Instruction scalar = ScalarInstruction.unary(math, op, x, out, false);
        if (scalar != null) return scalar;
        Instruction i = view(out).unary(math, op, x, out, false);
        return i != null ? i : m -> m.unary(op, x, out);
    }

    public static Instruction binary(TensorMath math, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Instruction scalar = ScalarInstruction.binary(math, op, a, b, out);
        if (scalar != null) return scalar;
        Instruction i = view(out).binary(math, op, a, b, out);
        return i != null ? i : m -> m.binary(op, a, b, out);
    }

    public static Instruction scalar(TensorMath math, BinaryOp op, Tensor a, double s, Tensor out) {
        Instruction scalar = ScalarInstruction.scalar(math, op, a, s, out);
        if (scalar != null) return scalar;
        Instruction i = view(out).scalar(math, op, a, s, out);
        return i != null ? i : m -> m.binary(op, a, s, out);
    }

    public static Instruction matmul(TensorMath math, Tensor a, Tensor b, Tensor out) {
        Instruction i = view(out).matmul(math, a, b, out, 0);
        return i != null ? i : m -> m.matmul(a, b, out);
    }

    /** out += a b (2-D operands; out is not also a or b). */
    public static Instruction matmulAdd(TensorMath math, Tensor a, Tensor b, Tensor out) {
        Instruction i = view(out).matmul(math, a, b, out, 1);
        if (i != null) return i;
        return m -> m.axpby(1, m.matmul(a, b), 1, out);   // not reached for 2-D float operands
    }

    /** out = the sum of all of x's elements. */
    public static Instruction sumAll(TensorMath math, Tensor x, Tensor out) {
        Instruction i = view(out).sumAll(math, x, out);
        return i != null ? i : m -> m.reduce(dev.quiver.kernel.ReduceOp.SUM, x, false, new int[0], out);
    }

    /** out = sumTo(x): direct when out is x's trailing shape. */
    public static Instruction sumTo(TensorMath math, Tensor x, Tensor out) {
        Instruction i = view(out).sumRows(math, x, out);
        return i != null ? i : m -> m.sumTo(x, out);
    }

    /**
     * A program with the same effect, with each run of consecutive one-element float64 elementwise
     * instructions fused into one (see {@link ScalarInstruction}): fewer megamorphic calls per step.
     */
    public static Instruction[] chain(Instruction[] program) {
        return ScalarInstruction.chain(program);
    }

    /**
     * Moves blocks of elements between contiguous float tensors of out's dtype ({@link BoundF64#blocks}):
     * block b copies (adds, when {@code accumulate}) {@code at[3b+2]} elements of {@code src[b]}'s
     * storage from element {@code at[3b]} to element {@code at[3b+1]} of out's storage, or zeros them
     * where {@code src[b]} is null; out is zeroed first when {@code zeroFirst}. Null when a tensor is
     * not contiguous or of another dtype: callers then bind row views as before.
     */
    static Instruction blocks(TensorMath math, Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
        if (!out.isContiguous() || !out.dtype().isFloating()) return null;
        for (Tensor t : src) if (t != null && (!t.isContiguous() || t.dtype() != out.dtype())) return null;
        return view(out).blocks(math, out, zeroFirst, src, at, accumulate);
    }

    /** y = x, or y += x when accumulate; x broadcast to y's shape on the general path. */
    public static Instruction copy(TensorMath math, Tensor x, Tensor y, boolean accumulate) {
        Instruction scalar = ScalarInstruction.unary(math, UnaryOp.IDENTITY, x, y, accumulate);
        if (scalar != null) return scalar;
        Instruction i = view(y).copy(math, x, y, accumulate);
        if (i != null) return i;
        return accumulate ? m -> m.axpby(1, x, 1, y) : m -> m.copy(x, y);
    }

    /**
     * out = the sum of the terms, as {@link Shaping.AddN} adds them (a copy, then accumulating
     * copies), in one instruction; null where a term is not contiguous of out's size or of its
     * dtype, and for one-element float64 terms ({@link ScalarInstruction} binds those).
     */
    public static Instruction sum(TensorMath math, Tensor[] x, Tensor out) {
        if (!out.dtype().isFloating() || !out.isContiguous() || out.dtype() == dev.quiver.tensor.DType.F64 && out.size() == 1) return null;
        for (Tensor t : x) if (t.dtype() != out.dtype() || !t.isContiguous() || t.size() != out.size()) return null;
        return view(out).sum(math, x, out);
    }

    /** The instructions run in order, as one (a single one is returned as is). */
    public static Instruction sequence(java.util.List<Instruction> parts) {
        if (parts.size() == 1) return parts.getFirst();
        Instruction[] program = parts.toArray(new Instruction[0]);
        return m -> {
            for (Instruction part : program) part.run(m);
        };
    }

    /** Fields of {@link #gemmLayout}'s record, in order. */
    static final int GEMM_LAYOUT = 13;

    /**
     * The gemm call's layout of out = a b for ranks 1-3 (batch dimensions leading), written at
     * {@code dst[at..at+13)} as batch, m, n, k, aBatch, aRow, aCol, bBatch, bRow, bCol, cBatch,
     * cRow, cCol; false (nothing to use) for other ranks. Shared by the bound closure and the coded
     * instruction, so both make the same kernel call.
     */
    static boolean gemmLayout(Tensor a, Tensor b, Tensor out, int[] dst, int at) {
        int ar = a.rank(), br = b.rank();
        if (ar == 0 || br == 0 || ar > 3 || br > 3) return false;
        int batch = 1, aBatch = 0, bBatch = 0, cBatch = 0, cRow, cCol;
        if (ar == 3 || br == 3) {
            batch = out.dim(0);
            aBatch = ar == 3 && a.dim(0) != 1 ? a.stride(0) : 0;
            bBatch = br == 3 && b.dim(0) != 1 ? b.stride(0) : 0;
            cBatch = out.stride(0);
            cRow = out.stride(1);
            cCol = out.stride(2);
        } else {
            cRow = ar == 1 ? 0 : out.stride(0);
            cCol = br == 1 ? 0 : out.stride(ar == 1 ? 0 : 1);
        }
        dst[at] = batch;
        dst[at + 1] = ar == 1 ? 1 : a.dim(-2);
        dst[at + 2] = br == 1 ? 1 : b.dim(-1);
        dst[at + 3] = a.dim(-1);
        dst[at + 4] = aBatch;
        dst[at + 5] = ar == 1 ? 0 : a.stride(-2);
        dst[at + 6] = a.stride(-1);
        dst[at + 7] = bBatch;
        dst[at + 8] = br == 1 ? b.stride(0) : b.stride(-2);
        dst[at + 9] = br == 1 ? 0 : b.stride(-1);
        dst[at + 10] = cBatch;
        dst[at + 11] = cRow;
        dst[at + 12] = cCol;
        return true;
    }
}
