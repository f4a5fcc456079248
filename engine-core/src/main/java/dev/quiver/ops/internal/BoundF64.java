package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * Instructions bound at compile time straight to float64 kernels: arrays, offsets, strides and
 * counts are resolved once, so a run is one kernel call with no shape checks, no broadcasting
 * set-up and no dispatch. Each factory returns null when the layouts need TensorMath's general
 * path ({@link Bound} then falls back). Source of truth for the generated {@code BoundF32}.
 */
final class BoundF64 {
    private BoundF64() {}

    /** These factories behind the dtype-erased {@link BoundView}, on the backend's float64 kernels. */
    static final BoundView VIEW = new BoundView() {
        private static KernelsF64 k(TensorMath math) {
            return (KernelsF64) math.kernels(DType.F64, "bound kernel").typed();
        }

        @Override
        public Instruction unary(TensorMath math, UnaryOp op, Tensor x, Tensor out, boolean accumulate) {
            return BoundF64.unary(k(math), op, x, out, accumulate);
        }

        @Override
        public Instruction binary(TensorMath math, BinaryOp op, Tensor a, Tensor b, Tensor out) {
            return BoundF64.binary(k(math), op, a, b, out);
        }

        @Override
        public Instruction scalar(TensorMath math, BinaryOp op, Tensor a, double/*erased*/ s, Tensor out) {
            return BoundF64.scalar(k(math), op, a, (double) s, out);
        }

        @Override
        public Instruction matmul(TensorMath math, Tensor a, Tensor b, Tensor out, int beta) {
            return BoundF64.matmul(k(math), a, b, out, beta);
        }

        @Override
        public Instruction sumAll(TensorMath math, Tensor x, Tensor out) {
            return BoundF64.sumAll(k(math), x, out);
        }

        @Override
        public Instruction sumRows(TensorMath math, Tensor x, Tensor out) {
            return BoundF64.sumRows(k(math), x, out);
        }

        @Override
        public Instruction blocks(TensorMath math, Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
            return BoundF64.blocks(k(math), out, zeroFirst, src, at, accumulate);
        }

        @Override
        public Instruction sum(TensorMath math, Tensor[] x, Tensor out) {
            return BoundF64.sum(k(math), x, out);
        }

        @Override
        public Instruction copy(TensorMath math, Tensor x, Tensor y, boolean accumulate) {
            return BoundF64.copy(k(math), x, y, accumulate);
        }
    };

    static Instruction unary(KernelsF64 k, UnaryOp op, Tensor x, Tensor out, boolean accumulate) {
        int n = out.size();
        int xs = Bound.runStride(x, n);
        if (xs < 0 || !out.isContiguous()) return null;
        double[] xa = (double[]) x.data(), ya = (double[]) out.data();
        int xo = x.offset(), yo = out.offset();
        return m -> k.unary(op, n, xa, xo, xs, ya, yo, 1, accumulate);
    }

    static Instruction binary(KernelsF64 k, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.size();
        if (!out.isContiguous()) return null;
        int as = Bound.runStride(a, n), bs = Bound.runStride(b, n);
        double[] aa = (double[]) a.data(), ba = (double[]) b.data(), ca = (double[]) out.data();
        int ao = a.offset(), bo = b.offset(), co = out.offset();
        if (as >= 0 && bs >= 0) return m -> k.binary(op, n, aa, ao, as, ba, bo, bs, ca, co, 1, false);
        if (as == 1 && Bound.isRow(b, out)) {
            int row = b.size(), rows = n / row;
            return m -> {
                for (int r = 0; r < rows; r++) k.binary(op, row, aa, ao + r * row, 1, ba, bo, 1, ca, co + r * row, 1, false);
            };
        }
        if (bs == 1 && Bound.isRow(a, out)) {
            int row = a.size(), rows = n / row;
            return m -> {
                for (int r = 0; r < rows; r++) k.binary(op, row, aa, ao, 1, ba, bo + r * row, 1, ca, co + r * row, 1, false);
            };
        }
        return null;
    }

    static Instruction scalar(KernelsF64 k, BinaryOp op, Tensor a, double s, Tensor out) {
        int n = out.size();
        int as = Bound.runStride(a, n);
        if (as < 0 || !out.isContiguous()) return null;
        double[] aa = (double[]) a.data(), ca = (double[]) out.data(), sa = {s};
        int ao = a.offset(), co = out.offset();
        return m -> k.binary(op, n, aa, ao, as, sa, 0, 0, ca, co, 1, false);
    }

    /** out = sum of all elements of x (x contiguous). */
    static Instruction sumAll(KernelsF64 k, Tensor x, Tensor out) {
        if (!x.isContiguous() || out.size() != 1) return null;
        int n = x.size(), xo = x.offset(), yo = out.offset();
        double[] xa = (double[]) x.data(), ya = (double[]) out.data();
        return m -> ya[yo] = k.reduce(ReduceOp.SUM, n, xa, xo, 1);
    }

    /** out = x summed over its leading dims down to out's trailing shape (the gradient of a row broadcast). */
    static Instruction sumRows(KernelsF64 k, Tensor x, Tensor out) {
        if (!x.isContiguous() || !Bound.isRow(out, x) || out.size() == 0) return null;
        int row = out.size(), rows = x.size() / row, xo = x.offset(), yo = out.offset();
        double[] xa = (double[]) x.data(), ya = (double[]) out.data();
        return m -> {
            k.fill(row, 0, ya, yo, 1);
            for (int r = 0; r < rows; r++) k.unary(UnaryOp.IDENTITY, row, xa, xo + r * row, 1, ya, yo, 1, true);
        };
    }

    /** out = a . b for ranks (m,k)(k,n), (k)(k,n), (m,k)(k), (k)(k) and batched rank 3, through strides. */
    static Instruction matmul(KernelsF64 k, Tensor a, Tensor b, Tensor out) {
        return matmul(k, a, b, out, 0);
    }

    /** out = a b + beta out (beta 0 or 1: overwrite or accumulate). */
    static Instruction matmul(KernelsF64 k, Tensor a, Tensor b, Tensor out, int beta) {
        int[] l = new int[Bound.GEMM_LAYOUT];
        if (!Bound.gemmLayout(a, b, out, l, 0)) return null;
        double[] aa = (double[]) a.data(), ba = (double[]) b.data(), ca = (double[]) out.data();
        int ao = a.offset(), bo = b.offset(), co = out.offset();
        return x -> k.gemm(l[0], l[1], l[2], l[3], 1, aa, ao, l[4], l[5], l[6], ba, bo, l[7], l[8], l[9], beta,
                ca, co, l[10], l[11], l[12]);
    }

    /**
     * Block moves into out's storage, {@code at} holding (from, to, length) per block: block b takes
     * the elements of {@code src[b]}'s storage from {@code from}, or zeros where {@code src[b]} is
     * null, and writes (adds, when {@code accumulate}) them at {@code to}; out is zeroed first when
     * {@code zeroFirst}. Every tensor is contiguous (the caller checked). One instruction over an
     * int array instead of a closure and two row views per block.
     */
    static Instruction blocks(KernelsF64 k, Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
        double[] ya = (double[]) out.data();
        double[][] xa = new double[src.length][];
        for (int b = 0; b < src.length; b++) xa[b] = src[b] == null ? null : (double[]) src[b].data();
        int n = zeroFirst ? out.size() : 0, yo = out.offset();
        return m -> {
            if (n > 0) k.fill(n, 0, ya, yo, 1);
            for (int b = 0, p = 0; b < xa.length; b++, p += 3) {
                if (xa[b] == null) k.fill(at[p + 2], 0, ya, at[p + 1], 1);
                else k.unary(UnaryOp.IDENTITY, at[p + 2], xa[b], at[p], 1, ya, at[p + 1], 1, accumulate);
            }
        };
    }

    /**
     * out = x[0] + x[1] + ...: a copy of the first term, then an accumulating copy of each further
     * one, every tensor contiguous of out's size (the caller checked): one instruction over the
     * terms' arrays instead of one per term (a bias's gradient over every node of a tree).
     */
    static Instruction sum(KernelsF64 k, Tensor[] x, Tensor out) {
        int n = out.size(), yo = out.offset();
        double[] ya = (double[]) out.data();
        double[][] xa = new double[x.length][];
        int[] xo = new int[x.length];
        for (int t = 0; t < x.length; t++) {
            xa[t] = (double[]) x[t].data();
            xo[t] = x[t].offset();
        }
        return m -> {
            for (int t = 0; t < xa.length; t++) k.unary(UnaryOp.IDENTITY, n, xa[t], xo[t], 1, ya, yo, 1, t > 0);
        };
    }

    /** y = x (overwrite) or y += x (accumulate), both contiguous of one size. */
    static Instruction copy(KernelsF64 k, Tensor x, Tensor y, boolean accumulate) {
        if (!x.isContiguous() || !y.isContiguous() || x.size() != y.size()) return null;
        int n = y.size(), xo = x.offset(), yo = y.offset();
        double[] xa = (double[]) x.data(), ya = (double[]) y.data();
        return m -> k.unary(UnaryOp.IDENTITY, n, xa, xo, 1, ya, yo, 1, accumulate);
    }
}
