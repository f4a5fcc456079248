package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

/**
 * Elementwise ops: maps of one node, broadcasting binary ops of two nodes, and a node combined
 * with a scalar. Each record holds its shape rule, forward kernel and VJP. Subgradients at kinks:
 * relu'(0) = 0, |x|'(0) = 0, max(a, b) routes the gradient to a on ties, min(a, b) to a on ties.
 */
public final class Elementwise {
    private Elementwise() {}

    private static final Map[] MAPS = new Map[UnaryOp.values().length];
    private static final Binary[] BINARIES = new Binary[BinaryOp.values().length];
    private static final Fused[] FUSED = new Fused[BinaryOp.values().length];

    static {
        for (UnaryOp f : UnaryOp.values()) MAPS[f.ordinal()] = new Map(f);
        for (BinaryOp f : BinaryOp.values()) {
            FUSED[f.ordinal()] = new Fused(f);
            switch (f) {
                case ADD, SUB, MUL, DIV, MIN, MAX, POW -> BINARIES[f.ordinal()] = new Binary(f);
                default -> { }
            }
        }
    }

    /** The shared (stateless) map op for fn. */
    public static Map map(UnaryOp fn) { return MAPS[fn.ordinal()]; }

    /** The shared binary op for fn (ADD, SUB, MUL, DIV, MIN, MAX, POW). */
    public static Binary binary(BinaryOp fn) {
        Binary b = BINARIES[fn.ordinal()];
        if (b == null) throw new IllegalArgumentException(fn + " is not differentiable; use Elementwise.fused");
        return b;
    }

    /** The shared fused kernel op for fn. */
    public static Fused fused(BinaryOp fn) { return FUSED[fn.ordinal()]; }

    /** {@code y = fn(x)} for a {@link UnaryOp}. */
    public record Map(UnaryOp fn) implements Op, Codable {
        @Override public String name() { return fn.name().toLowerCase(); }

        @Override public int[] shape(Operand[] in) { return in[0].shape(); }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.unary(math, fn, in[0], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.unary(fn, in[0], out, false); }

        /** The derivative rule of fn's definition ({@link UnaryOp#derivative}), built as graph nodes. */
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, fn.derivative(ValueAlgebra.<V>of(), in[0], out, g));
        }
    }

    /** {@code c = fn(a, b)} with NumPy broadcasting; gradients are summed back to each input's shape. */
    public record Binary(BinaryOp fn) implements Op, Codable {
        public Binary {
            switch (fn) {
                case ADD, SUB, MUL, DIV, MIN, MAX, POW -> { }
                default -> throw new IllegalArgumentException(fn + " is not differentiable; use Elementwise.Fused");
            }
        }

        @Override public String name() { return fn.name().toLowerCase(); }

        @Override public int[] shape(Operand[] in) { return broadcastShape(this, in); }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.binary(math, fn, in[0], in[1], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.binary(fn, in[0], in[1], out); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return binaryVjp(fn, in, out, g, needed); }
    }

    /** {@code y = fn(x, s)} for a constant s: x + s, x - s, x * s, x / s, pow(x, s). */
    public record WithScalar(BinaryOp fn, double scalar) implements Op, Codable {
        public WithScalar {
            switch (fn) {
                case ADD, SUB, MUL, DIV, POW -> { }
                default -> throw new IllegalArgumentException(fn + " with a scalar is not supported");
            }
        }

        @Override public String name() { return fn == BinaryOp.POW ? "pow" : fn.name().toLowerCase() + "_scalar"; }

        @Override public String attributes() { return Double.toString(scalar); }

        /** {@code * 0.5}, {@code + 1.0}, {@code pow 2.0}. */
        @Override public String shortForm() {
            String c = scalar == Math.rint(scalar) && Math.abs(scalar) < 1e15 ? Long.toString((long) scalar) : Double.toString(scalar);
            return switch (fn) {
                case ADD -> "+ " + c;
                case SUB -> "- " + c;
                case MUL -> "* " + c;
                case DIV -> "/ " + c;
                default -> "pow " + c;
            };
        }

        @Override public int[] shape(Operand[] in) { return in[0].shape(); }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.scalar(math, fn, in[0], scalar, out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.scalar(fn, in[0], scalar, out); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V x = in[0];
            V dx = switch (fn) {
                case ADD, SUB -> g;
                case MUL -> g.mul(scalar);
                case DIV -> g.mul(1 / scalar);
                case POW -> g.mul(x.pow(scalar - 1).mul(scalar));
                default -> throw new IllegalStateException(fn.name());
            };
            return Op.grads(in, dx);
        }
    }

    /**
     * A fused kernel of two nodes: the activation derivatives (TANH_GRAD, SIGMOID_GRAD, RELU_GRAD:
     * one pass instead of three temporaries) and the masks GE_MASK, GT_MASK used by min and max.
     * They appear in backward graphs; their own derivatives ({@link BinaryOp#derivativeA},
     * {@link BinaryOp#derivativeB}) make second derivatives of tanh, sigmoid and relu graphs too.
     */
    public record Fused(BinaryOp fn) implements Op, Codable {
        @Override public String name() { return fn.name().toLowerCase(); }

        @Override public int[] shape(Operand[] in) { return broadcastShape(this, in); }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.binary(math, fn, in[0], in[1], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.binary(fn, in[0], in[1], out); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return binaryVjp(fn, in, out, g, needed); }
    }

    /** The derivative rules of fn's definition, built as graph nodes and summed back to each operand's shape. */
    private static <V extends Value<V>> V[] binaryVjp(BinaryOp fn, V[] in, V out, V g, boolean[] needed) {
        V a = in[0], b = in[1];
        V da = needed[0] ? fn.derivativeA(ValueAlgebra.<V>of(), a, b, out, g) : null;
        V db = needed[1] ? fn.derivativeB(ValueAlgebra.<V>of(), a, b, out, g) : null;
        return Op.grads(in, Ops.unbroadcast(da, a), Ops.unbroadcast(db, b));
    }

    /** The broadcast shape of all inputs ({@link Shapes#broadcast}), failing with the op's inputs named. */
    static int[] broadcastShape(Op op, Operand[] in) {
        boolean same = true;
        for (int i = 1; i < in.length && same; i++) same = in[0].sameShape(in[i]);
        if (same) return in[0].shape();   // the common case, without the general rule's arrays
        int[] shape = in[0].shape();
        for (int i = 1; i < in.length; i++) {
            int[] b = in[i].shape();
            try {
                shape = Shapes.broadcast(op.name(), shape, b);
            } catch (IllegalArgumentException e) {   // the same rule, with the nodes named
                throw Op.fail(op, in, "shapes " + Shapes.str(shape) + " and " + Shapes.str(b) + " do not broadcast");
            }
        }
        return shape;
    }
}
