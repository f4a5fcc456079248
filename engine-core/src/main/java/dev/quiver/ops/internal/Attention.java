package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * The fused softmax of scaled dot-product attention. Attention itself
 * (the graph's {@code attention}) is {@code softmax(scale q kᵀ, mask) v}: two batched
 * GEMMs (stride views, no transposed copies) around {@link MaskedSoftmax}, so the [..., Lq, Lk]
 * scores and probabilities are buffers of the compiled plan, allocated once, and the backward pass
 * is the GEMMs' own VJPs plus the softmax's, written in primitives (so attention has second
 * derivatives) and run as {@link SoftmaxGrad} in a first-order compile (graph.Fusion).
 */
public final class Attention {
    private Attention() {}

    /** The reference entries (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("g.attention(q, k, v, mask, causal)", "matmul, masked_softmax, matmul (composed)",
                    "q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]; mask BOOL broadcast to [..., Lq, Lk] or null; out [..., Lq, dv]",
                    "the GEMMs' VJPs and softmax_grad"),
            new OpDoc("(inside attention)", "masked_softmax",
                    "scores [..., Lq, Lk] (+ BOOL mask); softmax(scale s) over the taking-part positions, 0 elsewhere, a row with none all 0",
                    "ds = scale p (g - Σ g p); in primitives (second order), fused back into softmax_grad by the compiler"));

    /**
     * {@code y = softmax(scale * s)} along the last axis, over the positions that take part: where
     * the BOOL mask (broadcast to s; optional) holds, and, when {@code causal}, the position j of a
     * row i (i counted along axis -2) with {@code j <= i}. Positions that do not take part get 0; a
     * row in which none does is all zeros (PyTorch gives NaN there). Inputs: s, then the mask if
     * {@code masked}. VJP: {@link #gradient} from the output; none for the mask.
     */
    public record MaskedSoftmax(double scale, boolean causal, boolean masked) implements Op {
        @Override public String name() { return "masked_softmax"; }
        @Override public String attributes() { return "scale=" + scale + (causal ? " causal" : "") + (masked ? " mask" : ""); }

        @Override public DType dtype(Operand[] in) {
            if (!in[0].dtype().isFloating()) throw Op.fail(this, in, "scores must be F32 or F64, got " + in[0].dtype());
            if (masked && in[1].dtype() != DType.BOOL) throw Op.fail(this, in, "the mask " + in[1].describe() + " must be BOOL, got " + in[1].dtype());
            return in[0].dtype();
        }

        @Override public int[] shape(Operand[] in) {
            if (in.length != (masked ? 2 : 1)) throw Op.fail(this, in, masked ? "takes scores and a mask" : "takes scores");
            if (in[0].rank() < (causal ? 2 : 1)) throw Op.fail(this, in, "scores need rank >= " + (causal ? 2 : 1));
            if (masked) {
                try {
                    int[] b = Shapes.broadcast(name(), in[0].shape(), in[1].shape());
                    if (!Arrays.equals(b, in[0].shape())) throw new IllegalArgumentException();
                } catch (IllegalArgumentException e) {
                    throw Op.fail(this, in, "the mask must broadcast to the scores' shape " + Shapes.str(in[0].shape()));
                }
            }
            return in[0].shape();
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor s = in[0];
            int n = out.dim(-1), lq = out.rank() >= 2 ? out.dim(-2) : 1;
            Walk w = masked ? new Walk(out.shape(), s, out, in[1]) : new Walk(out.shape(), s, out);
            boolean[] mask = masked ? (boolean[]) in[1].data() : null;
            RowMath rm = new RowMath(math, out.dtype());
            boolean c = causal;
            AttentionKernels ak = out.dtype().pick(name(), AttentionKernelsF64.VIEW, AttentionKernelsF32.VIEW);
            Object sa = s.data(), ya = out.data();
            double sc = scale;
            return m -> {
                w.reset();
                for (int r = 0; r < w.rows; r++, w.next()) {
                    int yo = w.offset[1];
                    double max = ak.scaleAndMask(n, sa, w.offset[0], sc, mask, masked ? w.offset[2] : 0,
                            masked ? w.innerStride[2] : 0, c ? r % lq + 1 : n, ya, yo);
                    finish(rm, n, ya, yo, max);
                }
            };
        }

        /** exp(y - max) / Σ on the backend's vectorised kernels; a row with nothing taking part becomes zeros. */
        private static void finish(RowMath rm, int n, Object y, int yo, double max) {
            if (max == Double.NEGATIVE_INFINITY) {
                rm.fill(n, 0, y, yo, 1);
                return;
            }
            rm.expShifted(n, y, yo, 1, max, y, yo, 1);
            rm.scaleShift(n, y, yo, 1, 1 / rm.sum(n, y, yo, 1), 0);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V[] grads = Op.noGrads(in, in.length);
            if (needed[0]) grads[0] = gradient(out, g, scale);
            return grads;
        }
    }

    /**
     * The softmax's VJP from its output p in primitives, {@code (p scale) (g - Σ_j g p)} along the last
     * axis, in the order {@link SoftmaxGrad}'s kernel multiplies (masked positions have p = 0 and get
     * no gradient). graph.Fusion recognises exactly this form and puts SoftmaxGrad in its place.
     */
    static <V extends Value<V>> V gradient(V p, V g, double scale) {
        return p.mul(scale).mul(g.sub(g.mul(p).sum(true, -1)));
    }

    /**
     * {@code ds = scale * p * (g - Σ_j g p)} along the last axis: the VJP of {@link MaskedSoftmax}
     * from its output p (masked positions have p = 0, so they get no gradient). Inputs p, g. Built
     * only by graph.Fusion in place of {@link #gradient}'s pattern, so never differentiated itself.
     */
    public record SoftmaxGrad(double scale) implements Op {
        @Override public String name() { return "softmax_grad"; }
        @Override public String attributes() { return "scale=" + scale; }

        @Override public int[] shape(Operand[] in) {
            if (!Arrays.equals(in[0].shape(), in[1].shape())) throw Op.fail(this, in, "p and g differ in shape");
            return in[0].shape();
        }

        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return new int[][] {in[0].contiguous() ? new int[0] : outShape, in[1].contiguous() ? new int[0] : outShape};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor p = in[0].isContiguous() ? in[0] : work[0], g = in[1].isContiguous() ? in[1] : work[1];
            Instruction cp = p == in[0] ? null : Bound.copy(math, in[0], p, false), cg = g == in[1] ? null : Bound.copy(math, in[1], g, false);
            int n = out.rank() == 0 ? 1 : out.dim(-1), rows = n == 0 ? 0 : out.size() / n;
            int po = p.offset(), go = g.offset(), oo = out.offset();
            Instruction body;
            AttentionKernels ak = out.dtype().pick(name(), AttentionKernelsF64.VIEW, AttentionKernelsF32.VIEW);
            Object pa = p.data(), ga = g.data(), oa = out.data();
            double sc = scale;
            body = m -> ak.softmaxGrad(rows, n, pa, po, ga, go, sc, oa, oo);
            if (cp == null && cg == null) return body;
            return m -> {
                if (cp != null) cp.run(m);
                if (cg != null) cg.run(m);
                body.run(m);
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw new UnsupportedOperationException(name() + ": a fused backward kernel the compiler puts in place of masked_softmax's "
                    + "primitive VJP in a first-order compile; it has no VJP (differentiate masked_softmax itself)");
        }
    }
}
