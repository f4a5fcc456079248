package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static dev.quiver.tensor.Ref.LAYOUTS;
import static dev.quiver.tensor.Ref.Layout;
import static org.junit.jupiter.api.Assertions.*;

/** Elementwise TensorMath ops on the scalar backend against plain double loops, over many layouts. */
class ElementwiseTest {
    static final TensorMath M = TensorMath.of(Backends.create("scalar", 1));

    /** Reference definitions written out here, independently of the enums' apply methods. */
    static double unaryRef(UnaryOp op, double x) {
        return switch (op) {
            case IDENTITY -> x;
            case NEG -> -x;
            case ABS -> x < 0 ? -x : x;
            case SIGN -> x > 0 ? 1 : x < 0 ? -1 : x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> x > 0 ? x : 0;
            case STEP -> x > 0 ? 1 : 0;
            case GELU -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SOFTPLUS -> Math.log1p(Math.exp(x));
            case SILU -> x / (1 + Math.exp(-x));
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
        };
    }

    static double binaryRef(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MIN -> a < b ? a : b;
            case MAX -> a > b ? a : b;
            case POW -> Math.pow(a, b);
            case GE_MASK -> a >= b ? 1 : 0;
            case GT_MASK -> a > b ? 1 : 0;
            case TANH_GRAD -> b * (1 - a * a);
            case SIGMOID_GRAD -> b * a * (1 - a);
            case RELU_GRAD -> a > 0 ? b : 0;
        };
    }

    /** Inputs inside each op's domain. */
    static double[] domain(UnaryOp op, DType dt, long seed, int n) {
        return switch (op) {
            case LOG, SQRT, RECIPROCAL -> Ref.random(dt, seed, n, 0.1, 3);
            case LOG1P -> Ref.random(dt, seed, n, -0.9, 3);
            default -> Ref.random(dt, seed, n, -3, 3);
        };
    }

    @Test
    void unaryEveryOpEveryLayout() {
        for (DType dt : DType.FLOATING) {
            for (UnaryOp op : UnaryOp.values()) {
                for (int[] shape : Ref.SHAPES) {
                    int n = Ref.size(shape);
                    double[] x = domain(op, dt, 7, n);
                    double[] expected = new double[n];
                    for (int i = 0; i < n; i++) expected[i] = unaryRef(op, x[i]);
                    for (Layout in : LAYOUTS) {
                        Layout outLayout = LAYOUTS[(in.ordinal() + 1) % LAYOUTS.length];
                        Tensor xt = Ref.make(dt, shape, x, in);
                        Tensor out = Ref.make(dt, shape, new double[n], outLayout);
                        String what = op + " " + dt + " " + Shapes.str(shape) + " " + in + "->" + outLayout;
                        assertSame(out, M.unary(op, xt, out));
                        Tol.assertClose(what, expected, out, 1);
                        Tol.assertClose(what + " allocating", expected, M.unary(op, xt), 1);
                        // accumulate: out already holds f(x), so it becomes 2 f(x)
                        M.unaryAccumulate(op, xt, out);
                        double[] twice = expected.clone();
                        for (int i = 0; i < n; i++) twice[i] *= 2;
                        Tol.assertClose(what + " accumulate", twice, out, 2);
                    }
                    // in place: out is x itself
                    Tensor xt = Ref.make(dt, shape, x, Layout.REVERSED);
                    M.unary(op, xt, xt);
                    Tol.assertClose(op + " in place", expected, xt, 1);
                }
            }
        }
    }

    static double[] binaryDomain(BinaryOp op, boolean left, DType dt, long seed, int n) {
        return switch (op) {
            case POW -> left ? Ref.random(dt, seed, n, 0.5, 2) : Ref.random(dt, seed, n, -2, 2);
            case DIV -> left ? Ref.random(dt, seed, n, -3, 3) : Ref.random(dt, seed, n, 0.5, 3);
            case TANH_GRAD, SIGMOID_GRAD -> left ? Ref.random(dt, seed, n, -1, 1) : Ref.random(dt, seed, n, -3, 3);
            default -> Ref.random(dt, seed, n, -3, 3);
        };
    }

    @Test
    void binaryEveryOpBroadcastAndLayout() {
        for (DType dt : DType.FLOATING) {
            for (BinaryOp op : BinaryOp.values()) {
                int pairIndex = 0;
                for (int[][] pair : Ref.broadcastPairs()) {
                    int[] as = pair[0], bs = pair[1], cs = Ref.broadcast(as, bs);
                    int na = Ref.size(as), nb = Ref.size(bs), nc = Ref.size(cs);
                    double[] a = binaryDomain(op, true, dt, 11 + pairIndex, na);
                    double[] b = binaryDomain(op, false, dt, 13 + pairIndex, nb);
                    double[] expected = new double[nc];
                    for (int i = 0; i < nc; i++) {
                        int[] idx = Ref.unflatten(cs, i);
                        expected[i] = binaryRef(op, a[Ref.broadcastFlat(as, idx)], b[Ref.broadcastFlat(bs, idx)]);
                    }
                    // Rotate layouts across pairs instead of a full cross product (keeps the test fast).
                    Layout la = LAYOUTS[pairIndex % 4], lb = LAYOUTS[(pairIndex / 4 + 1) % 4], lc = LAYOUTS[(pairIndex + 2) % 4];
                    Tensor at = Ref.make(dt, as, a, la), bt = Ref.make(dt, bs, b, lb);
                    Tensor out = Ref.make(dt, cs, new double[nc], lc);
                    String what = op + " " + dt + " " + Shapes.str(as) + la + " . " + Shapes.str(bs) + lb + " -> " + lc;
                    assertSame(out, M.binary(op, at, bt, out));
                    Tol.assertClose(what, expected, out, 1);
                    Tol.assertClose(what + " allocating", expected, M.binary(op, at, bt), 1);
                    M.binaryAccumulate(op, at, bt, out);
                    double[] twice = expected.clone();
                    for (int i = 0; i < nc; i++) twice[i] *= 2;
                    Tol.assertClose(what + " accumulate", twice, out, 2);
                    pairIndex++;
                }
            }
        }
    }

    @Test
    void binaryInPlaceOnEitherOperand() {
        for (DType dt : DType.FLOATING) {
            double[] a = Ref.random(dt, 1, 3 * 17, -3, 3), b = Ref.random(dt, 2, 17, -3, 3);
            double[] expected = new double[a.length];
            for (int i = 0; i < a.length; i++) expected[i] = a[i] * b[i % 17];
            Tensor at = Ref.make(dt, new int[] {3, 17}, a, Layout.TRANSPOSED);
            M.binary(BinaryOp.MUL, at, Ref.make(dt, new int[] {17}, b, Layout.REVERSED), at);
            Tol.assertClose("a *= b", expected, at, 1);
            Tensor bt = Ref.make(dt, new int[] {3, 17}, a, Layout.PADDED);
            M.binary(BinaryOp.MUL, Ref.make(dt, new int[] {17}, b, Layout.CONTIGUOUS), bt, bt);
            Tol.assertClose("b = a * b", expected, bt, 1);
        }
    }

    @Test
    void scalarOperand() {
        for (DType dt : DType.FLOATING) {
            for (BinaryOp op : BinaryOp.values()) {
                for (int[] shape : Ref.SHAPES) {
                    int n = Ref.size(shape);
                    double[] a = binaryDomain(op, true, dt, 5, n);
                    double s = dt == DType.F32 ? (float) 1.7 : 1.7;
                    double[] expected = new double[n];
                    for (int i = 0; i < n; i++) expected[i] = binaryRef(op, a[i], s);
                    Tensor out = Ref.make(dt, shape, new double[n], Layout.PADDED);
                    M.binary(op, Ref.make(dt, shape, a, Layout.TRANSPOSED), 1.7, out);
                    Tol.assertClose(op + " scalar " + Shapes.str(shape), expected, out, 1);
                    Tol.assertClose(op + " scalar allocating", expected, M.binary(op, Ref.make(dt, shape, a, Layout.REVERSED), 1.7), 1);
                }
            }
        }
    }

    @Test
    void mapAxpbyCopyFill() {
        DoubleUnaryOperator f = v -> v * v * v - 2 * v;
        for (DType dt : DType.FLOATING) {
            for (int[] shape : Ref.SHAPES) {
                int n = Ref.size(shape);
                double[] x = Ref.random(dt, 3, n, -3, 3), y = Ref.random(dt, 4, n, -3, 3);
                for (Layout lx : LAYOUTS) {
                    Layout ly = LAYOUTS[(lx.ordinal() + 3) % 4];
                    String what = dt + " " + Shapes.str(shape) + " " + lx + "->" + ly;
                    double[] expected = new double[n];
                    for (int i = 0; i < n; i++) expected[i] = x[i] * x[i] * x[i] - 2 * x[i];
                    Tensor out = Ref.make(dt, shape, new double[n], ly);
                    M.map(Ref.make(dt, shape, x, lx), f, out);
                    Tol.assertClose("map " + what, expected, out, 4);

                    DoubleBinaryOperator axpby = (xv, yv) -> 0.5 * xv - 1.25 * yv;
                    for (int i = 0; i < n; i++) expected[i] = axpby.applyAsDouble(x[i], y[i]);
                    Tensor yt = Ref.make(dt, shape, y, ly);
                    assertSame(yt, M.axpby(0.5, Ref.make(dt, shape, x, lx), -1.25, yt));
                    Tol.assertClose("axpby " + what, expected, yt, 2);

                    // beta = 0 must not read y: NaN in y does not propagate
                    double[] nan = new double[n];
                    java.util.Arrays.fill(nan, Double.NaN);
                    Tensor ynan = Ref.make(dt, shape, nan, ly);
                    M.axpby(2, Ref.make(dt, shape, x, lx), 0, ynan);
                    for (int i = 0; i < n; i++) expected[i] = 2 * x[i];
                    Tol.assertClose("axpby beta=0 " + what, expected, ynan, 1);

                    Tensor dst = Ref.make(dt, shape, new double[n], ly);
                    M.copy(Ref.make(dt, shape, x, lx), dst);
                    Tol.assertClose("copy " + what, x, dst, 1);

                    M.fill(dst, -2.5);
                    for (int i = 0; i < n; i++) expected[i] = -2.5;
                    Tol.assertClose("fill " + what, expected, dst, 1);
                }
            }
        }
    }

    @Test
    void copyAndAxpbyBroadcastSource() {
        for (DType dt : DType.FLOATING) {
            double[] row = Ref.random(dt, 9, 17, -3, 3);
            Tensor dst = Ref.make(dt, new int[] {3, 1, 17}, new double[51], Layout.TRANSPOSED);
            M.copy(Ref.make(dt, new int[] {17}, row, Layout.REVERSED), dst);
            double[] expected = new double[51];
            for (int i = 0; i < 51; i++) expected[i] = row[i % 17];
            Tol.assertClose("copy broadcast", expected, dst, 1);
            M.axpby(1, Ref.make(dt, new int[] {1, 17}, row, Layout.PADDED), 1, dst);
            for (int i = 0; i < 51; i++) expected[i] = 2 * row[i % 17];
            Tol.assertClose("axpby broadcast", expected, dst, 2);
        }
    }

    @Test
    void expandedViewsAsOperands() {
        Tensor col = Tensor.vector(1, 2, 3).reshape(3, 1).expand(3, 4);
        Tensor row = Tensor.vector(10, 20, 30, 40).expand(3, 4);
        double[] got = Ref.values(M.binary(BinaryOp.ADD, col, row));
        double[] expected = {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43};
        assertArrayEquals(expected, got);
    }

    @Test
    void tensorConvenienceMethods() {
        Tensor a = Tensor.fromNested(new double[][] {{1, 2}, {3, 4}});
        Tensor b = Tensor.vector(10, 20);
        assertArrayEquals(new double[] {11, 22, 13, 24}, Ref.values(a.add(b)));
        assertArrayEquals(new double[] {-9, -18, -7, -16}, Ref.values(a.sub(b)));
        assertArrayEquals(new double[] {10, 40, 30, 80}, Ref.values(a.mul(b)));
        assertArrayEquals(new double[] {0.1, 0.1, 0.3, 0.2}, Ref.values(a.div(b)), 1e-15);
        assertArrayEquals(new double[] {3, 4, 5, 6}, Ref.values(a.add(2)));
        assertArrayEquals(new double[] {1, 4, 9, 16}, Ref.values(a.pow(2)));
        assertArrayEquals(new double[] {Math.tanh(1), Math.tanh(2), Math.tanh(3), Math.tanh(4)}, Ref.values(a.tanh()), 1e-15);
        assertArrayEquals(new double[] {4, 6}, Ref.values(a.sum(0)));
        assertEquals(2.5, a.mean().item());
        assertEquals(4, a.max().item());
        assertArrayEquals(new double[] {50, 110}, Ref.values(a.matmul(b)));
        Tensor out = Tensor.zeros(DType.F64, 2, 2);
        assertSame(out, a.mul(b, out));
        assertArrayEquals(new double[] {10, 40, 30, 80}, Ref.values(out));
        assertSame(out, a.relu(out));
        assertSame(out, a.neg(out));
        assertArrayEquals(new double[] {-1, -2, -3, -4}, Ref.values(out));
    }
}
