package dev.quiver.tensor;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;

import java.util.function.DoubleUnaryOperator;

/**
 * Eager tensor math over one {@link Backend}: broadcasting, layouts and shape checks on top of the
 * backend's primitive kernels. Every op has an allocating form and an {@code out} form.
 *
 * <p>Contract of every {@code out} form: {@code out} must have exactly the result's shape and the
 * operands' dtype (else IllegalArgumentException naming the op and the shapes); it is fully
 * overwritten (or accumulated into where the method says so) and returned; it allocates nothing
 * (no temporaries, no boxing) when the operands are views of any layout, so the graph executor can
 * call it in a steady-state loop. Elementwise ops allow {@code out} to be one of the operands.
 * Operands must share a dtype (mixing F32 and F64 is an error naming both).
 *
 * <p>{@link #get()} works on the process default backend ({@link Backends#current()}).
 */
public final class TensorMath {
    private final Backend backend;

    private TensorMath(Backend backend) {
        this.backend = backend;
    }

    /** Eager math on the given backend. */
    public static TensorMath of(Backend backend) {
        return new TensorMath(backend);
    }

    /** Eager math on the process default backend. */
    public static TensorMath get() {
        return Default.MATH;
    }

    public Backend backend() {
        return backend;
    }

    private static final class Default {
        static final TensorMath MATH = new TensorMath(Backends.current());
    }

    private static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException("TensorMath." + op + " is not implemented yet");
    }

    // ------------------------------------------------------------- elementwise (NumPy broadcasting)

    /** out = f(x). */
    public Tensor unary(UnaryOp op, Tensor x, Tensor out) { throw notYet("unary"); }

    /** out += f(x) (accumulating form used by backward passes). */
    public Tensor unaryAccumulate(UnaryOp op, Tensor x, Tensor out) { throw notYet("unaryAccumulate"); }

    /** out = f(a, b), broadcasting a and b to out's shape. */
    public Tensor binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { throw notYet("binary"); }

    /** out += f(a, b), broadcasting a and b to out's shape. */
    public Tensor binaryAccumulate(BinaryOp op, Tensor a, Tensor b, Tensor out) { throw notYet("binaryAccumulate"); }

    /** out = f(a, s) with a scalar right operand (e.g. pow(x, 3), x * 0.5). */
    public Tensor binary(BinaryOp op, Tensor a, double s, Tensor out) { throw notYet("binary"); }

    /** A user-supplied scalar function, applied element by element in float64 (a slow path). */
    public Tensor map(Tensor x, DoubleUnaryOperator f, Tensor out) { throw notYet("map"); }

    /** y = alpha * x + beta * y (x broadcast to y's shape; y not read when beta is 0). */
    public Tensor axpby(double alpha, Tensor x, double beta, Tensor y) { throw notYet("axpby"); }

    /** Copies src into dst, broadcasting src to dst's shape (any layouts). */
    public Tensor copy(Tensor src, Tensor dst) { throw notYet("copy"); }

    /** Sets every element of out. */
    public Tensor fill(Tensor out, double value) { throw notYet("fill"); }

    // Allocating forms; the result is contiguous with the broadcast shape.
    public Tensor unary(UnaryOp op, Tensor x) { throw notYet("unary"); }
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) { throw notYet("binary"); }
    public Tensor binary(BinaryOp op, Tensor a, double s) { throw notYet("binary"); }
    public Tensor map(Tensor x, DoubleUnaryOperator f) { throw notYet("map"); }

    // ------------------------------------------------------------- reductions

    /**
     * Reduces over the given axes (all axes when none are given) into out, whose shape is the
     * input's with those axes removed, or kept as 1 when {@code keepDims}. op is SUM, MAX, MIN
     * or SUM_SQUARES; axes may be negative and must be distinct.
     */
    public Tensor reduce(dev.quiver.kernel.ReduceOp op, Tensor x, boolean keepDims, int[] axes, Tensor out) { throw notYet("reduce"); }
    public Tensor reduce(dev.quiver.kernel.ReduceOp op, Tensor x, boolean keepDims, int... axes) { throw notYet("reduce"); }
    public Tensor sum(Tensor x, int... axes) { throw notYet("sum"); }
    public Tensor mean(Tensor x, int... axes) { throw notYet("mean"); }
    public Tensor mean(Tensor x, boolean keepDims, int[] axes, Tensor out) { throw notYet("mean"); }
    public Tensor max(Tensor x, int... axes) { throw notYet("max"); }
    public Tensor min(Tensor x, int... axes) { throw notYet("min"); }
    /** Euclidean (Frobenius) norm over all elements, as a rank-0 tensor. */
    public Tensor norm(Tensor x) { throw notYet("norm"); }
    /** Positions of the first maximum along an axis (the axis removed), as a float64 tensor of indices. */
    public Tensor argmax(Tensor x, int axis) { throw notYet("argmax"); }

    /**
     * Sums x down to a shape it was broadcast from (the gradient of broadcasting): out's shape
     * must broadcast to x's shape.
     */
    public Tensor sumTo(Tensor x, Tensor out) { throw notYet("sumTo"); }

    // ------------------------------------------------------------- linear algebra

    /** Inner product of two vectors of equal length, as a rank-0 tensor. */
    public Tensor dot(Tensor a, Tensor b) { throw notYet("dot"); }
    public Tensor dot(Tensor a, Tensor b, Tensor out) { throw notYet("dot"); }

    /** Outer product a bᵀ of two vectors. */
    public Tensor outer(Tensor a, Tensor b) { throw notYet("outer"); }
    public Tensor outer(Tensor a, Tensor b, Tensor out) { throw notYet("outer"); }

    /**
     * Matrix product. Ranks: (m,k)·(k,n) → (m,n); (k)·(k,n) → (n); (m,k)·(k) → (m);
     * batched (b,m,k)·(b,k,n) → (b,m,n), with a batch of 1 or a rank-2 operand broadcast over the
     * batch. Transposed views are used through their strides, without copies.
     */
    public Tensor matmul(Tensor a, Tensor b) { throw notYet("matmul"); }
    public Tensor matmul(Tensor a, Tensor b, Tensor out) { throw notYet("matmul"); }

    /** out = alpha * a·b + beta * out (a, b rank 2 or batched rank 3; out not read when beta is 0). */
    public Tensor gemm(double alpha, Tensor a, Tensor b, double beta, Tensor out) { throw notYet("gemm"); }

    /**
     * Mode-n product (tensor times matrix): for A of shape I1×…×IN and B of shape (In, K), the
     * result has shape I1×…×I(n-1)×K×I(n+1)×…×IN with
     * {@code C[i1…k…iN] = Σ_j A[i1…j…iN] B[j, k]}. {@code mode} is 0-based.
     */
    public Tensor modeN(Tensor a, Tensor b, int mode) { throw notYet("modeN"); }
    public Tensor modeN(Tensor a, Tensor b, int mode, Tensor out) { throw notYet("modeN"); }

    /**
     * The lecture's form of the mode-n product: the new dimension K goes last. For A (M×N×R),
     * B (N×K) and mode 1: {@code C[m, r, k] = Σ_n A[m, n, r] B[n, k]}, shape (M, R, K).
     */
    public Tensor modeNLast(Tensor a, Tensor b, int mode) { throw notYet("modeNLast"); }
    public Tensor modeNLast(Tensor a, Tensor b, int mode, Tensor out) { throw notYet("modeNLast"); }
}
