package dev.quiver.ops.internal;

import dev.quiver.ops.Comparison;
import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

/**
 * Comparisons producing BOOL masks, selection by a mask, one-hot encoding and arg-max. Comparisons,
 * one-hot and arg-max are not differentiable (piecewise constant, or integer valued): their VJPs
 * are zero (no gradient node), and an op reading them (where) passes gradients to its other
 * operands only.
 */
public final class Masks {
    private Masks() {}

    /** The reference entries (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("g.lt / le / gt / ge / eq / ne(a, b), g.compare(kind, x, c)", "lt, le, gt, ge, eq, ne",
                    "a, b of one floating dtype, broadcast; out BOOL of the broadcast shape", "none (not differentiable)"),
            new OpDoc("g.where(mask, a, b)", "where",
                    "mask BOOL, a, b of one floating dtype, all three broadcast; out: a's dtype", "da = where(mask, g, 0), db = where(mask, 0, g), summed to each shape; none for mask"),
            new OpDoc("g.maskedFill(x, mask, value)", "where (composed)",
                    "mask BOOL broadcast to x; out = x's shape", "dx = where(mask, 0, g)"),
            new OpDoc("g.clamp(x, lo, hi)", "max, min (composed)",
                    "out = x's shape", "dx = g where lo <= x <= hi, else 0"),
            new OpDoc("g.oneHot(indices, classes, dtype)", "one_hot",
                    "indices I32/I64 [S]; out [S, classes] of dtype (F32/F64); an index outside [0, classes) fails the run", "none (integer input)"),
            new OpDoc("g.argmax(x, axis)", "argmax",
                    "x (F32/F64); out I64, x's shape without axis (first maximum; first NaN)", "none (not differentiable)"));

    /**
     * {@code a (kind) b} elementwise with NumPy broadcasting, a BOOL tensor. Both operands of one
     * floating dtype. Not differentiable.
     */
    public record Compare(Comparison kind) implements Op {
        @Override public String name() { return kind.name().toLowerCase(); }

        @Override public DType dtype(Operand[] in) {
            if (!in[0].dtype().isFloating() || in[0].dtype() != in[1].dtype()) {
                throw Op.fail(this, in, "compares two F32 or two F64 tensors, got " + in[0].dtype() + " and " + in[1].dtype());
            }
            return DType.BOOL;
        }

        @Override public int[] shape(Operand[] in) { return Elementwise.broadcastShape(this, in); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Walk w = new Walk(out.shape(), in[0], in[1], out);
            Comparison k = kind;
            boolean[] o = (boolean[]) out.data();
            MaskKernels mk = in[0].dtype().pick(name(), MaskKernelsF64.VIEW, MaskKernelsF32.VIEW);
            Object a = in[0].data(), b = in[1].data();
            return m -> {
                w.reset();
                for (int r = 0; r < w.rows; r++, w.next()) {
                    mk.compare(k, w.inner, a, w.offset[0], w.innerStride[0], b, w.offset[1], w.innerStride[1], o, w.offset[2], w.innerStride[2]);
                }
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return Op.noGrads(in, 2); }
    }

    /**
     * {@code mask ? a : b} elementwise, the three broadcast together (NumPy {@code where}); mask BOOL,
     * a and b of one floating dtype. The unselected operand is not read, so NaN there does not leak
     * into the value. VJPs: {@code da = where(mask, g, 0)}, {@code db = where(mask, 0, g)}, each summed
     * to its operand's shape; none for the mask.
     */
    public record Where() implements Op {
        @Override public String name() { return "where"; }

        @Override public DType dtype(Operand[] in) {
            if (in[0].dtype() != DType.BOOL) throw Op.fail(this, in, "the mask " + in[0].describe() + " must be BOOL, got " + in[0].dtype());
            if (!in[1].dtype().isFloating() || in[1].dtype() != in[2].dtype()) {
                throw Op.fail(this, in, "selects between two F32 or two F64 tensors, got " + in[1].dtype() + " and " + in[2].dtype());
            }
            return in[1].dtype();
        }

        @Override public int[] shape(Operand[] in) { return Elementwise.broadcastShape(this, in); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Walk w = new Walk(out.shape(), in[0], in[1], in[2], out);
            boolean[] mask = (boolean[]) in[0].data();
            MaskKernels mk = out.dtype().pick(name(), MaskKernelsF64.VIEW, MaskKernelsF32.VIEW);
            Object a = in[1].data(), b = in[2].data(), o = out.data();
            return m -> {
                w.reset();
                for (int r = 0; r < w.rows; r++, w.next()) {
                    mk.where(w.inner, mask, w.offset[0], w.innerStride[0], a, w.offset[1], w.innerStride[1],
                            b, w.offset[2], w.innerStride[2], o, w.offset[3], w.innerStride[3]);
                }
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            var graph = out.graph();
            V zero = needed[1] || needed[2] ? graph.scalar(g.dtype(), 0) : null;
            V da = needed[1] ? Ops.unbroadcast(graph.apply(this, in[0], g, zero), in[1]) : null;
            V db = needed[2] ? Ops.unbroadcast(graph.apply(this, in[0], zero, g), in[2]) : null;
            return Op.grads(in, null, da, db);
        }
    }

    /**
     * One-hot rows: an I32 or I64 index tensor of shape S gives a floating tensor S + [classes] with
     * a 1 at each index. With {@code skipping}, an index equal to {@code skip} (inside the range or
     * not) gives a row of zeros: the class-index cross-entropy's ignored class, whose rows its VJP
     * masks out. Any other index outside [0, classes) fails the run, naming it. Not differentiable.
     */
    public record OneHot(int classes, DType dtype, boolean skipping, long skip) implements Op {
        public OneHot {
            if (classes <= 0) throw new IllegalArgumentException("one_hot: classes must be positive, got " + classes);
            if (!dtype.isFloating()) throw new IllegalArgumentException("one_hot: the result dtype must be F32 or F64, got " + dtype);
            if (!skipping) skip = 0;   // one value per meaning, as CrossEntropy's ignore index
        }

        /** One-hot rows without a skipped index. */
        public OneHot(int classes, DType dtype) {
            this(classes, dtype, false, 0);
        }

        @Override public String name() { return "one_hot"; }
        @Override public String attributes() { return "classes=" + classes + " " + dtype + (skipping ? " skip=" + skip : ""); }

        @Override public DType dtype(Operand[] in) {
            if (!in[0].dtype().isInteger()) throw Op.fail(this, in, "indices must be I32 or I64, got " + in[0].dtype());
            return dtype;
        }

        @Override public int[] shape(Operand[] in) {
            int[] s = in[0].shape(), out = java.util.Arrays.copyOf(s, s.length + 1);
            out[s.length] = classes;
            return out;
        }

        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return in[0].contiguous() ? NO_WORKSPACE : new int[][] {in[0].shape()};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor idx = in[0];
            Tensor contiguous = idx.isContiguous() ? idx : work[0];
            Instruction copy = idx.isContiguous() ? null : m -> m.copy(idx, contiguous);
            long[] i64 = contiguous.data() instanceof long[] l ? l : null;
            int[] i32 = contiguous.data() instanceof int[] a ? a : null;
            int n = idx.size(), io = contiguous.offset(), oo = out.offset(), c = classes;
            MaskKernels mk = out.dtype().pick(name(), MaskKernelsF64.VIEW, MaskKernelsF32.VIEW);
            boolean sk = skipping;
            long skipped = skip;
            Object o = out.data();
            return m -> {
                if (copy != null) copy.run(m);
                int bad = mk.oneHot(n, c, i64, i32, io, sk, skipped, o, oo);
                if (bad >= 0) {
                    long v = i64 != null ? i64[io + bad] : i32[io + bad];
                    throw new IndexOutOfBoundsException("one_hot: index " + v + " at flat position " + bad + " is outside [0, " + c + ")");
                }
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return Op.noGrads(in, 1); }
    }

    /**
     * The position of the first maximum along an axis (the first NaN if any), an I64 tensor of x's
     * shape without that axis. Not differentiable.
     */
    public record ArgMax(int axis) implements Op {
        @Override public String name() { return "argmax"; }
        @Override public String attributes() { return "axis=" + axis; }

        @Override public DType dtype(Operand[] in) {
            if (!in[0].dtype().isFloating()) throw Op.fail(this, in, "takes F32 or F64, got " + in[0].dtype());
            return DType.I64;
        }

        @Override public int[] shape(Operand[] in) {
            int rank = in[0].rank();
            if (axis < 0 || axis >= rank) throw Op.fail(this, in, "axis " + axis + " out of range for rank " + rank);
            if (in[0].dim(axis) == 0) throw Op.fail(this, in, "axis " + axis + " is empty");
            int[] s = in[0].shape(), out = new int[rank - 1];
            for (int d = 0, j = 0; d < rank; d++) if (d != axis) out[j++] = s[d];
            return out;
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor x = in[0];
            int[] xs = x.strides();
            int n = x.dim(axis), stride = xs[axis];
            // x with the axis moved last and dropped to length 1: its rows' offsets are the runs' starts
            int rank = x.rank();
            int[] order = new int[rank];
            for (int d = 0, j = 0; d < rank; d++) if (d != axis) order[j++] = d;
            order[rank - 1] = axis;
            Tensor moved = x.permute(order);
            int[] shape = moved.shape();
            shape[rank - 1] = 1;
            Tensor starts = new Tensor(x.dtype(), x.data(), moved.offset(), shape, moved.strides());
            int[] outShape = shape.clone();
            Walk w = new Walk(outShape, starts, out.reshape(outShape));
            long[] o = (long[]) out.data();
            var k = math.kernels(x.dtype(), name());
            Object a = x.data();
            return m -> {
                w.reset();
                for (int r = 0; r < w.rows; r++, w.next()) o[w.offset[1]] = k.argmax(n, a, w.offset[0], stride);
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return Op.noGrads(in, 1); }
    }
}
