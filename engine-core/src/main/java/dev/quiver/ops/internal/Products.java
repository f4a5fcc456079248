package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

/**
 * Bilinear ops: matrix product, dot product and mode-n product. For a bilinear f(a, b) the VJPs
 * are the two partial transposes, {@code da = f_a^T(g, b)} and {@code db = f_b^T(a, g)}, each again
 * a product of the same family (with transposes taken as stride views, not copies).
 */
public final class Products {
    private Products() {}

    /** The reference entry (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("g.matmul(a, b)", "matmul",
                    "(m,k)(k,n) -> (m,n); (k)(k,n) -> (n); (m,k)(k) -> (m); [..., m, k] x [..., k, n] -> [..., m, n] with NumPy-broadcast batch dimensions",
                    "da = g bᵀ, db = aᵀ g, each summed over the batch dimensions its operand was broadcast along"));

    /** Shared instances of the stateless products. */
    public static final MatMul MATMUL = new MatMul();
    public static final MatMulAdd MATMUL_ADD = new MatMulAdd();
    public static final Dot DOT = new Dot();

    /** The orders of {@link #transposeLast} for small ranks, shared: permute copies the order it is given. */
    private static final int[][] SWAP_LAST = {null, null, swap(2), swap(3), swap(4), swap(5)};

    private static int[] swapLast(int rank) {
        return rank < SWAP_LAST.length ? SWAP_LAST[rank] : swap(rank);
    }

    private static int[] swap(int rank) {
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        order[rank - 2] = rank - 1;
        order[rank - 1] = rank - 2;
        return order;
    }

    private static <V extends Value<V>> V transposeLast(V x) {
        return x.permute(swapLast(x.rank()));
    }

    /**
     * Matrix product: (m,k)(k,n) -> (m,n), (k)(k,n) -> (n), (m,k)(k) -> (m), and for operands of
     * rank >= 2 the batched product {@code [..., m, k] x [..., k, n] -> [..., m, n]} whose batch
     * dimensions broadcast by NumPy's rules (a missing or size-1 batch dimension is shared; its
     * gradient is summed over the broadcast dimensions).
     */
    public record MatMul() implements Op, Codable {
        @Override public String name() { return "matmul"; }

        @Override public int[] shape(Operand[] in) {
            if (in[0].rank() == 2 && in[1].rank() == 2 && in[0].dim(1) == in[1].dim(0)) {   // the common case, without copies
                return new int[] {in[0].dim(0), in[1].dim(1)};
            }
            int[] a = in[0].shape(), b = in[1].shape();
            if (a.length == 0 || b.length == 0 || (a.length == 1 && b.length == 1)) {
                throw Op.fail(this, in, "unsupported ranks " + a.length + " and " + b.length
                        + " (use dot for two vectors; matmul needs a vector and a matrix, or two operands of rank >= 2)");
            }
            if (a.length == 1) {
                if (b.length != 2) throw Op.fail(this, in, "a vector multiplies a matrix only");
                if (a[0] != b[0]) throw Op.fail(this, in, "inner dimensions differ (" + a[0] + " vs " + b[0] + ")");
                return new int[] {b[1]};
            }
            if (b.length == 1) {
                if (a.length != 2) throw Op.fail(this, in, "a matrix multiplies a vector only");
                if (a[1] != b[0]) throw Op.fail(this, in, "inner dimensions differ (" + a[1] + " vs " + b[0] + ")");
                return new int[] {a[0]};
            }
            int m = a[a.length - 2], k = a[a.length - 1], k2 = b[b.length - 2], n = b[b.length - 1];
            if (k != k2) throw Op.fail(this, in, "inner dimensions differ (" + k + " vs " + k2 + ")");
            if (a.length == 2 && b.length == 2) return new int[] {m, n};
            int[] batch;
            try {
                batch = Shapes.broadcast("matmul", java.util.Arrays.copyOf(a, a.length - 2), java.util.Arrays.copyOf(b, b.length - 2));
            } catch (IllegalArgumentException e) {
                throw Op.fail(this, in, "batch dimensions " + Shapes.str(java.util.Arrays.copyOf(a, a.length - 2)) + " and "
                        + Shapes.str(java.util.Arrays.copyOf(b, b.length - 2)) + " do not broadcast");
            }
            int[] out = java.util.Arrays.copyOf(batch, batch.length + 2);
            out[batch.length] = m;
            out[batch.length + 1] = n;
            return out;
        }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            if (in[0].rank() <= 3 && in[1].rank() <= 3) return Bound.matmul(math, in[0], in[1], out);
            return batched(math, in[0], in[1], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) {
            return in[0].rank() <= 3 && in[1].rank() <= 3 && code.matmul(in[0], in[1], out, 0);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V a = in[0], b = in[1];
            V da = null, db = null;
            if (a.rank() == 1) {            // (k)(k,n): da = b g, db = a g^T (outer)
                if (needed[0]) da = b.matmul(g);
                if (needed[1]) db = a.reshape(a.dim(0), 1).matmul(g.reshape(1, g.dim(0)));
            } else if (b.rank() == 1) {     // (m,k)(k): da = g b^T (outer), db = a^T g
                if (needed[0]) da = g.reshape(g.dim(0), 1).matmul(b.reshape(1, b.dim(0)));
                if (needed[1]) db = transposeLast(a).matmul(g);
            } else {
                if (needed[0]) da = Ops.unbroadcast(g.matmul(transposeLast(b)), a);
                if (needed[1]) db = Ops.unbroadcast(transposeLast(a).matmul(g), b);
            }
            return Op.grads(in, da, db);
        }
    }

    /**
     * {@code out = a b} for operands of rank >= 2 with broadcast batch dimensions: one batched GEMM
     * call per position of the leading batch dimensions, over the last batch dimension (operands
     * broadcast by stride-0 views, so a shared operand is never copied). Allocates nothing when run.
     */
    static Instruction batched(TensorMath math, Tensor a, Tensor b, Tensor out) {
        int rank = out.rank(), nb = rank - 2;
        int m = out.dim(-2), n = out.dim(-1), k = a.dim(-1);
        int[] batchShape = java.util.Arrays.copyOf(out.shape(), nb);
        int[] aShape = batchShape.clone(), bShape = batchShape.clone();
        aShape = java.util.Arrays.copyOf(aShape, rank);
        bShape = java.util.Arrays.copyOf(bShape, rank);
        aShape[nb] = m;
        aShape[nb + 1] = k;
        bShape[nb] = k;
        bShape[nb + 1] = n;
        Tensor ae = a.expand(aShape), be = b.expand(bShape);
        int[] as = ae.strides(), bs = be.strides(), cs = out.strides();
        Tensor aStarts = new Tensor(a.dtype(), a.data(), ae.offset(), batchShape, java.util.Arrays.copyOf(as, nb));
        Tensor bStarts = new Tensor(b.dtype(), b.data(), be.offset(), batchShape, java.util.Arrays.copyOf(bs, nb));
        Tensor cStarts = new Tensor(out.dtype(), out.data(), out.offset(), batchShape, java.util.Arrays.copyOf(cs, nb));
        Walk w = new Walk(batchShape, aStarts, bStarts, cStarts);
        int aRow = as[nb], aCol = as[nb + 1], bRow = bs[nb], bCol = bs[nb + 1], cRow = cs[nb], cCol = cs[nb + 1];
        int inner = w.inner;
        int aBatch = w.innerStride[0], bBatch = w.innerStride[1], cBatch = w.innerStride[2];
        var kern = math.kernels(out.dtype(), "matmul");
        Object ad = a.data(), bd = b.data(), cd = out.data();
        return mm -> {
            w.reset();
            for (int r = 0; r < w.rows; r++, w.next()) {
                kern.gemm(inner, m, n, k, 1, ad, w.offset[0], aBatch, aRow, aCol, bd, w.offset[1], bBatch, bRow, bCol, 0,
                        cd, w.offset[2], cBatch, cRow, cCol);
            }
        };
    }

    /**
     * {@code a b + c} for matrices a (m, k), b (k, n), c (m, n): a matrix product accumulated into c
     * by the GEMM's beta, without a product buffer or an add pass. The backward pass sums the
     * gradient of a weight used many times with it; it runs in place, taking over c's buffer, when
     * c has no other reader ({@link #inPlaceInput}). Bilinear in (a, b), linear in c.
     */
    public record MatMulAdd() implements Op, Codable {
        @Override public String name() { return "matmul_add"; }

        @Override public int[] shape(Operand[] in) {
            int[] a = in[0].shape(), b = in[1].shape(), c = in[2].shape();
            if (a.length != 2 || b.length != 2 || c.length != 2) throw Op.fail(this, in, "takes three matrices");
            if (a[1] != b[0]) throw Op.fail(this, in, "inner dimensions differ (" + a[1] + " vs " + b[0] + ")");
            if (c[0] != a[0] || c[1] != b[1]) throw Op.fail(this, in, "the addend must be " + a[0] + "x" + b[1]);
            return c;
        }

        @Override public int inPlaceInput() { return 2; }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Instruction accumulate = Bound.matmulAdd(math, in[0], in[1], out);
            Tensor c = in[2];
            if (c.data() == out.data() && c.offset() == out.offset() && java.util.Arrays.equals(c.strides(), out.strides())) {
                return accumulate;   // in place: out is c's buffer
            }
            Instruction copy = Bound.copy(math, c, out, false);
            return m -> {
                copy.run(m);
                accumulate.run(m);
            };
        }

        /** Coded in place only (out is c's buffer), where bind returns the accumulating product alone. */
        @Override public boolean code(Code code, Tensor[] in, Tensor out) {
            Tensor c = in[2];
            return c.data() == out.data() && c.offset() == out.offset() && java.util.Arrays.equals(c.strides(), out.strides())
                    && code.matmul(in[0], in[1], out, 1);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V a = in[0], b = in[1];
            return Op.grads(in, needed[0] ? g.matmul(transposeLast(b)) : null, needed[1] ? transposeLast(a).matmul(g) : null,
                    needed[2] ? g : null);
        }
    }

    /** Inner product of two vectors of equal length, a rank-0 result. */
    public record Dot() implements Op, Codable {
        @Override public String name() { return "dot"; }

        @Override public int[] shape(Operand[] in) {
            int[] a = in[0].shape(), b = in[1].shape();
            if (a.length != 1 || b.length != 1 || a[0] != b[0]) throw Op.fail(this, in, "needs two vectors of equal length");
            return new int[0];
        }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.matmul(math, in[0], in[1], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.matmul(in[0], in[1], out, 0); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, needed[0] ? in[1].mul(g) : null, needed[1] ? in[0].mul(g) : null);
        }
    }

    /**
     * Mode-n product {@code C = A x_n B} for B of shape (I_n, K): C has A's shape with dimension n
     * replaced by K, {@code C[..k..] = sum_j A[..j..] B[j, k]}. VJPs: {@code dA = G x_n B^T};
     * {@code dB = A_(n)^T G_(n)} with X_(n) the matricisation that moves mode n last (a copy of A
     * and G when mode n is not already last).
     */
    public record ModeN(int mode) implements Op {
        @Override public String name() { return "mode_n"; }
        @Override public String attributes() { return "mode=" + mode; }
        @Override public String shortForm() { return "modeN(" + mode + ")"; }

        @Override public int[] shape(Operand[] in) {
            int[] a = in[0].shape(), b = in[1].shape();
            if (mode < 0 || mode >= a.length) throw Op.fail(this, in, "mode " + mode + " out of range for rank " + a.length);
            if (b.length != 2 || b[0] != a[mode]) {
                throw Op.fail(this, in, "the matrix must have shape [" + a[mode] + ", K], got " + Shapes.str(b));
            }
            int[] out = a.clone();
            out[mode] = b[1];
            return out;
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor a = in[0], b = in[1];
            int n = mode;
            return m -> m.modeN(a, b, n, out);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V a = in[0], b = in[1];
            V da = needed[0] ? g.modeN(b.t(), mode) : null;
            V db = null;
            if (needed[1]) db = transposeLast(matricise(a, mode)).matmul(matricise(g, mode));
            return Op.grads(in, da, db);
        }

        private static <V extends Value<V>> V matricise(V x, int mode) {
            int rank = x.rank();
            int[] order = new int[rank];
            for (int i = 0, j = 0; i < rank; i++) if (i != mode) order[j++] = i;
            order[rank - 1] = mode;
            V moved = mode == rank - 1 ? x : x.permute(order);
            return moved.reshape(-1, x.dim(mode));
        }
    }
}
