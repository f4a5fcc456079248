package dev.quiver.tests.grad;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * A test-only user op, y = x³, whose derivative rule is deliberately wrong: it returns 3x·g
 * instead of 3x²·g. Right at x = 0 and x = 1, wrong everywhere else; the checks must catch it.
 */
record WrongCube() implements Op {
    @Override public String name() { return "wrongCube"; }

    @Override public int[] shape(Operand[] in) { return in[0].shape(); }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Tensor x = in[0];
        return m -> {
            m.unary(UnaryOp.SQUARE, x, out);
            m.binary(BinaryOp.MUL, out, x, out);
        };
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        return Op.grads(in, g.mul(in[0]).mul(3.0)); // wrong on purpose: should be g * 3x²
    }
}
