package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * Fused, numerically stable softmax cross-entropy over the last axis, averaged over the rows:
 * {@code L = -(1/R) sum_r sum_c y[r,c] * logsoftmax(x)[r,c]} with
 * {@code logsoftmax(x) = x - m - log(sum exp(x - m))}, m the row maximum (so no exp overflows).
 * Targets are probabilities of the logits' shape (one-hot rows for class labels). Fused because
 * the composed form would keep the softmax and its log alive and pay three extra passes; the
 * VJP is the classic {@code dx = (softmax(x) - y) * g / R}, {@code dy = -logsoftmax(x) * g / R}.
 */
public record SoftmaxCrossEntropy() implements Op {
    private static final int[] LAST = {-1};

    @Override public String name() { return "softmax_cross_entropy"; }

    @Override public int[] shape(Operand[] in) {
        if (in[0].rank() == 0) throw Op.fail(this, in, "logits must have at least one axis");
        if (!Arrays.equals(in[0].shape(), in[1].shape())) throw Op.fail(this, in, "logits and targets must have the same shape");
        return new int[0];
    }

    @Override public int[][] workspace(Operand[] in, int[] outShape) {
        int[] rowShape = in[0].shape();
        rowShape[rowShape.length - 1] = 1;
        return new int[][] {rowShape, in[0].shape(), in[0].shape()};
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Tensor x = in[0], y = in[1];
        Tensor row = work[0], logp = work[1], tmp = work[2];
        int cols = x.dim(-1);
        double scale = -1.0 / (cols == 0 ? 1 : x.size() / cols);
        int[] all = new int[0];
        return m -> {
            m.reduce(ReduceOp.MAX, x, true, LAST, row);
            m.binary(BinaryOp.SUB, x, row, logp);         // x - m
            m.unary(UnaryOp.EXP, logp, tmp);
            m.reduce(ReduceOp.SUM, tmp, true, LAST, row);
            m.unary(UnaryOp.LOG, row, row);
            m.binary(BinaryOp.SUB, logp, row, logp);      // log softmax
            m.binary(BinaryOp.MUL, y, logp, tmp);
            m.reduce(ReduceOp.SUM, tmp, false, all, out);
            m.binary(BinaryOp.MUL, out, scale, out);
        };
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        V x = in[0], y = in[1];
        int cols = x.dim(-1);
        double inv = 1.0 / (cols == 0 ? 1 : x.size() / cols);
        V dx = needed[0] ? x.softmax(-1).sub(y).mul(g.mul(inv)) : null;
        V dy = needed[1] ? x.logSoftmax(-1).mul(g.mul(-inv)) : null;
        return Op.grads(in, dx, dy);
    }
}
