package dev.quiver.ops;

import dev.quiver.graph.Node;
import dev.quiver.graph.Op;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * Bilinear ops: matrix product, dot product and mode-n product. For a bilinear f(a, b) the VJPs
 * are the two partial transposes, {@code da = f_a^T(g, b)} and {@code db = f_b^T(a, g)}, each again
 * a product of the same family (with transposes taken as stride views, not copies).
 */
public final class Products {
    private Products() {}

    /** Shared instances of the stateless products. */
    public static final MatMul MATMUL = new MatMul();
    public static final MatMulAdd MATMUL_ADD = new MatMulAdd();
    public static final Dot DOT = new Dot();

    private static int[] swapLast(int rank) {
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        order[rank - 2] = rank - 1;
        order[rank - 1] = rank - 2;
        return order;
    }

    private static Node transposeLast(Node x) {
        return x.permute(swapLast(x.rank()));
    }

    /**
     * Matrix product with {@link dev.quiver.tensor.TensorMath#matmul} ranks: (m,k)(k,n) -> (m,n),
     * (k)(k,n) -> (n), (m,k)(k) -> (m), batched (b,m,k)(b,k,n) -> (b,m,n) with a batch of 1 or a
     * rank-2 operand broadcast over the batch (its gradient is summed over the batch).
     */
    public record MatMul() implements Op {
        @Override public String name() { return "matmul"; }

        @Override public int[] shape(Node[] in) {
            int[] a = in[0].shape(), b = in[1].shape();
            if (a.length == 0 || b.length == 0 || a.length > 3 || b.length > 3 || (a.length == 1 && b.length == 1)) {
                throw Op.fail(this, in, "unsupported ranks " + a.length + " and " + b.length
                        + " (use dot for two vectors; ranks 1 to 3 otherwise)");
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
            int ba = a.length == 3 ? a[0] : 1, bb = b.length == 3 ? b[0] : 1;
            if (ba != bb && ba != 1 && bb != 1) throw Op.fail(this, in, "batch sizes differ (" + ba + " vs " + bb + ")");
            return new int[] {Math.max(ba, bb), m, n};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.matmul(math, in[0], in[1], out);
        }

        @Override public Node[] vjp(Node[] in, Node out, Node g, boolean[] needed) {
            Node a = in[0], b = in[1];
            Node da = null, db = null;
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
            return new Node[] {da, db};
        }
    }

    /**
     * {@code a b + c} for matrices a (m, k), b (k, n), c (m, n): a matrix product accumulated into c
     * by the GEMM's beta, without a product buffer or an add pass. The backward pass sums the
     * gradient of a weight used many times with it; it runs in place, taking over c's buffer, when
     * c has no other reader ({@link #inPlaceInput}). Bilinear in (a, b), linear in c.
     */
    public record MatMulAdd() implements Op {
        @Override public String name() { return "matmul_add"; }

        @Override public int[] shape(Node[] in) {
            int[] a = in[0].shape(), b = in[1].shape(), c = in[2].shape();
            if (a.length != 2 || b.length != 2 || c.length != 2) throw Op.fail(this, in, "takes three matrices");
            if (a[1] != b[0]) throw Op.fail(this, in, "inner dimensions differ (" + a[1] + " vs " + b[0] + ")");
            if (c[0] != a[0] || c[1] != b[1]) throw Op.fail(this, in, "the addend must be " + a[0] + "x" + b[1]);
            return c;
        }

        @Override public int inPlaceInput() { return 2; }

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

        @Override public Node[] vjp(Node[] in, Node out, Node g, boolean[] needed) {
            Node a = in[0], b = in[1];
            return new Node[] {needed[0] ? g.matmul(transposeLast(b)) : null, needed[1] ? transposeLast(a).matmul(g) : null,
                    needed[2] ? g : null};
        }
    }

    /** Inner product of two vectors of equal length, a rank-0 result. */
    public record Dot() implements Op {
        @Override public String name() { return "dot"; }

        @Override public int[] shape(Node[] in) {
            int[] a = in[0].shape(), b = in[1].shape();
            if (a.length != 1 || b.length != 1 || a[0] != b[0]) throw Op.fail(this, in, "needs two vectors of equal length");
            return new int[0];
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.matmul(math, in[0], in[1], out);
        }

        @Override public Node[] vjp(Node[] in, Node out, Node g, boolean[] needed) {
            return new Node[] {needed[0] ? in[1].mul(g) : null, needed[1] ? in[0].mul(g) : null};
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

        @Override public int[] shape(Node[] in) {
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

        @Override public Node[] vjp(Node[] in, Node out, Node g, boolean[] needed) {
            Node a = in[0], b = in[1];
            Node da = needed[0] ? g.modeN(b.t(), mode) : null;
            Node db = null;
            if (needed[1]) db = transposeLast(matricise(a, mode)).matmul(matricise(g, mode));
            return new Node[] {da, db};
        }

        private static Node matricise(Node x, int mode) {
            int rank = x.rank();
            int[] order = new int[rank];
            for (int i = 0, j = 0; i < rank; i++) if (i != mode) order[j++] = i;
            order[rank - 1] = mode;
            Node moved = mode == rank - 1 ? x : x.permute(order);
            return moved.reshape(-1, x.dim(mode));
        }
    }
}
