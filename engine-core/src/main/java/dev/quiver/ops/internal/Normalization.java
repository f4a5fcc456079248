package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.RunContext;
import dev.quiver.ops.RunningStats;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * Layer, RMS and batch normalisation, each one fused forward op with fused backward ops
 * ({@link NormKernelsF64}, generated {@code NormKernelsF32}). The backward ops recompute the
 * per-row (per-channel) mean and deviation from x instead of keeping them from the forward pass:
 * a row is in L1 when its gradient is computed, so the recomputation costs arithmetic, not memory
 * traffic, and the plan keeps no statistics buffer alive between the passes.
 *
 * <p>The VJPs are written in primitive ops (means over the normalised axes, rsqrt, broadcasting
 * products), so they can be differentiated again; in a first-order compile graph.Fusion puts the
 * fused backward kernels back in their place. Batch normalisation's VJP depends on the step's
 * mode (batch statistics in training, the running statistics as constants in evaluation): it
 * gives both forms to {@link dev.quiver.ops.Builder#inMode}, so a compile builds the one of its
 * mode and a gradient built before the mode is known ({@code Graph.grad}) carries both.
 */
public final class Normalization {
    private Normalization() {}

    /** The reference entries (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("g.layerNorm(x, gamma, beta, eps)", "layer_norm",
                    "x [..., D] (F32/F64); gamma, beta [D] or null; out = x's shape",
                    "dx = rstd (h - mean(h) - xh mean(h xh)), h = g gamma; dgamma = Σ g xh, dbeta = Σ g; in primitives (second order), fused back into layer_norm_grad, layer_norm_param_grad by the compiler"),
            new OpDoc("g.rmsNorm(x, gamma, eps)", "rms_norm",
                    "x [..., D]; gamma [D] or null; out = x's shape",
                    "dx = rstd (h - xh mean(h xh)); dgamma = Σ g xh; in primitives (second order), fused back into rms_norm_grad, rms_norm_param_grad"),
            new OpDoc("g.batchNorm(x, gamma, beta, stats, eps)", "batch_norm",
                    "x [N, C, ...]; gamma, beta [C]; RunningStats of C channels, x's dtype; out = x's shape. TRAIN: batch statistics, updates stats; EVAL: stats",
                    "TRAIN: dx = rstd (h - mean(h) - xh mean(h xh)), h = g gamma, means over all axes but 1; EVAL: dx = g gamma rstd (running var); "
                            + "dgamma = Σ g xh, dbeta = Σ g; in primitives chosen by the step's mode (second order), fused back into batch_norm_grad, "
                            + "batch_norm_param_grad in a first-order training compile"));

    private static final Index[] GAMMA_ROW = {Index.at(0)}, BETA_ROW = {Index.at(1)};
    /** The axis layer and RMS normalisation reduce over. */
    private static final int[] LAST = {-1};

    /** x as a contiguous tensor: x itself, or x copied into {@code work} (a strided view). */
    private static Tensor contiguous(TensorMath math, Tensor x, Tensor work, java.util.List<Instruction> prologue) {
        if (x.isContiguous()) return x;
        prologue.add(Bound.copy(math, x, work, false));
        return work;
    }

    /**
     * The shape of the workspace for an upstream gradient: none when it is contiguous, one row when
     * every row is the same (a broadcast, e.g. the gradient of a sum: no full copy), else x's shape.
     */
    private static int[] gradientWork(Operand g) {
        if (g.contiguous()) return new int[0];
        return g.shape();
    }

    /**
     * g as rows of length d for the kernels: {@code {tensor, rowStride}}, the tensor contiguous along
     * each row. A g whose rows all coincide (outer strides 0) is read as one row with row stride 0
     * (its row copied into the first d elements of {@code work} unless it is already a plain run).
     */
    private static Object[] gradientRows(TensorMath math, Tensor g, Tensor work, java.util.List<Instruction> prologue) {
        int d = g.rank() == 0 ? 1 : g.dim(-1);
        if (g.isContiguous()) return new Object[] {g, d};
        int[] st = g.strides();
        boolean rowsEqual = true;
        for (int i = 0; i < st.length - 1; i++) rowsEqual &= st[i] == 0 || g.dim(i) == 1;
        if (rowsEqual && g.rank() >= 1) {
            Tensor row = g;
            for (int i = 0; i < g.rank() - 1; i++) row = row.at(0);
            if (row.isContiguous()) return new Object[] {row, 0};
            Tensor dst = work.reshape(-1).slice(dev.quiver.tensor.Index.range(0, d));
            prologue.add(Bound.copy(math, row, dst, false));
            return new Object[] {dst, 0};
        }
        prologue.add(Bound.copy(math, g, work, false));
        return new Object[] {work, d};
    }

    private static Tensor param(Op op, Tensor p) {
        if (!p.isContiguous()) throw new IllegalStateException(op.name() + ": gamma and beta must be contiguous tensors");
        return p;
    }

    private static Instruction then(java.util.List<Instruction> prologue, Instruction body) {
        if (prologue.isEmpty()) return body;
        prologue.add(body);
        return Bound.sequence(prologue);
    }

    private static void checkAffine(Op op, Operand[] in, int from, int size, String what) {
        for (int i = from; i < in.length; i++) {
            if (in[i].rank() != 1 || in[i].dim(0) != size) {
                throw Op.fail(op, in, (i == from ? "gamma" : "beta") + " must have shape [" + size + "] (the " + what + "), got "
                        + Shapes.str(in[i].shape()));
            }
        }
    }

    // ------------------------------------------------------------------ layer and RMS normalisation

    /**
     * Normalisation over the last axis: {@code y = (x - mean) / sqrt(var + eps) * gamma + beta},
     * mean and (biased) variance over each row of length D = x.dim(-1); with {@code rms} the RMS
     * normalisation {@code y = x / sqrt(mean(x²) + eps) * gamma (+ beta)}. Inputs: x (rank >= 1),
     * then gamma [D] if {@code affine >= 1}, then beta [D] if {@code affine == 2}. VJPs: dx by
     * {@link LayerNormGrad}, dgamma and dbeta as the rows of one {@link LayerNormParamGrad}.
     */
    public record LayerNorm(double eps, boolean rms, int affine) implements Op {
        public LayerNorm {
            if (!(eps >= 0)) throw new IllegalArgumentException("layer_norm: eps must be >= 0, got " + eps);
            if (affine < 0 || affine > 2) throw new IllegalArgumentException("layer_norm: affine must be 0, 1 or 2");
        }

        @Override public String name() { return rms ? "rms_norm" : "layer_norm"; }
        @Override public String attributes() { return "eps=" + eps + (affine == 0 ? "" : affine == 1 ? " gamma" : " gamma beta"); }

        @Override public int[] shape(Operand[] in) {
            if (in.length != 1 + affine) throw Op.fail(this, in, "takes x" + (affine > 0 ? ", gamma" : "") + (affine > 1 ? ", beta" : ""));
            if (in[0].rank() == 0) throw Op.fail(this, in, "x must have at least one axis (normalised over the last)");
            checkAffine(this, in, 1, in[0].dim(-1), "last axis of x");
            return in[0].shape();
        }

        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return in[0].contiguous() ? NO_WORKSPACE : new int[][] {in[0].shape()};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work.length > 0 ? work[0] : null, pro);
            Tensor gamma = affine >= 1 ? param(this, in[1]) : null, beta = affine == 2 ? param(this, in[2]) : null;
            int d = x.dim(-1), rows = d == 0 ? 0 : x.size() / d;
            double e = eps;
            boolean r = rms;
            return then(pro, norms(name(), out).layerNorm(math, rows, d, x, gamma, beta, e, r, out));
        }

        /**
         * In primitives ({@link #inputGradient}, {@link #parameterGradients}), so the gradient can be
         * differentiated again; graph.Fusion puts {@link LayerNormGrad} and {@link LayerNormParamGrad}
         * back in place of these patterns in a first-order compile.
         */
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V[] grads = Op.noGrads(in, in.length);
            V x = in[0];
            if (needed[0]) grads[0] = inputGradient(x, affine >= 1 ? in[1] : null, g, eps, rms, LAST);
            boolean params = false;
            for (int i = 1; i < in.length; i++) params |= needed[i];
            if (params) {
                V both = parameterGradients(x, g, eps, rms, LAST, x.rank() == 1 ? null : rowAxes(x.rank()), x.dim(-1));
                if (needed[1]) grads[1] = both.slice(GAMMA_ROW);
                if (affine == 2 && needed[2]) grads[2] = both.slice(BETA_ROW);
            }
            return grads;
        }
    }

    /** x - mean(x) over {@code axes}, or x itself for RMS normalisation. */
    private static <V extends Value<V>> V centred(V x, boolean rms, int[] axes) {
        return rms ? x : x.sub(x.mean(true, axes));
    }

    /** {@code 1 / sqrt(mean(c²) + eps)} over {@code axes} of the centred x. */
    private static <V extends Value<V>> V rstd(V c, double eps, int[] axes) {
        return c.square().mean(true, axes).add(eps).sqrt().pow(-1);
    }

    /**
     * dx of {@link LayerNorm} (axes: the last) or of {@link BatchNorm} in training (all but axis 1)
     * in primitives, the formula of {@link LayerNormGrad} and {@link BatchNormGrad}: with
     * {@code xh = c r}, {@code r = 1 / sqrt(mean(c²) + eps)}, {@code c = x - mean(x)} (x for RMS) and
     * {@code h = g gamma} (g without gamma; gamma broadcasts against x),
     * {@code dx = (h - mean(h) - xh mean(h xh)) r} (no mean(h) for RMS), every mean over
     * {@code axes}. graph.Fusion recognises exactly this form.
     */
    static <V extends Value<V>> V inputGradient(V x, V gamma, V g, double eps, boolean rms, int[] axes) {
        V c = centred(x, rms, axes);
        V r = rstd(c, eps, axes);
        V xh = c.mul(r);
        V h = gamma == null ? g : g.mul(gamma);
        V t = h.mul(xh).mean(true, axes);
        V u = rms ? h : h.sub(h.mean(true, axes));
        return u.sub(xh.mul(t)).mul(r);
    }

    /**
     * {@code [dgamma; dbeta]} in primitives, the result of {@link LayerNormParamGrad} and
     * {@link BatchNormParamGrad}: {@code concat(Σ g xh, Σ g)} as [2, d], the sums over {@code over}
     * (null: none, a single row of layer norm), xh as in {@link #inputGradient}. It recomputes xh
     * rather than share {@link #inputGradient}'s, as the fused kernels do, so each pattern is read by
     * nobody else and fuses on its own. graph.Fusion recognises exactly this form.
     */
    static <V extends Value<V>> V parameterGradients(V x, V g, double eps, boolean rms, int[] axes, int[] over, int d) {
        V c = centred(x, rms, axes);
        V xh = c.mul(rstd(c, eps, axes));
        V gxh = g.mul(xh);
        V dgamma = (over == null ? gxh : gxh.sum(false, over)).reshape(1, d), dbeta = (over == null ? g : g.sum(false, over)).reshape(1, d);
        return x.graph().apply(new Shaping.Concat(0), dgamma, dbeta);
    }

    /** The axes 0 .. rank - 2. */
    private static int[] rowAxes(int rank) {
        int[] axes = new int[rank - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        return axes;
    }

    /** Every axis but 1 (the channels): those batch normalisation's statistics reduce over. */
    public static int[] batchAxes(int rank) {
        int[] axes = new int[rank - 1];
        axes[0] = 0;
        for (int i = 1; i < axes.length; i++) axes[i] = i + 1;
        return axes;
    }

    /**
     * dx of {@link LayerNorm} as one row kernel; inputs x, gamma (if {@code hasGamma}), g. Built only
     * by graph.Fusion in place of {@link #inputGradient}'s pattern in a first-order compile, so
     * never differentiated itself.
     */
    public record LayerNormGrad(double eps, boolean rms, boolean hasGamma) implements Op {
        @Override public String name() { return rms ? "rms_norm_grad" : "layer_norm_grad"; }
        @Override public String attributes() { return "eps=" + eps; }

        @Override public int[] shape(Operand[] in) {
            Operand g = in[in.length - 1];
            if (!Arrays.equals(in[0].shape(), g.shape())) throw Op.fail(this, in, "x and its gradient differ in shape");
            return in[0].shape();
        }

        /** x's copy if strided, g's (see gradientWork), and one row of scratch (h). */
        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return new int[][] {in[0].contiguous() ? new int[0] : in[0].shape(), gradientWork(in[in.length - 1]), {in[0].dim(-1)}};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work[0], pro);
            Object[] gRows = gradientRows(math, in[in.length - 1], work[1], pro);
            Tensor g = (Tensor) gRows[0], c = work[2];
            int gRow = (Integer) gRows[1];
            Tensor gamma = hasGamma ? param(this, in[1]) : null;
            int d = x.dim(-1), rows = d == 0 ? 0 : x.size() / d;
            double e = eps;
            boolean r = rms;
            return then(pro, norms(name(), out).layerNormGrad(math, rows, d, x, gamma, g, gRow, e, r, c, out));
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw fusedOnly(this);
        }
    }

    /**
     * {@code [dgamma; dbeta]} of {@link LayerNorm}, shape [2, D], as one row kernel; inputs x, g.
     * Built only by graph.Fusion in place of {@link #parameterGradients}' pattern, so never
     * differentiated itself.
     */
    public record LayerNormParamGrad(double eps, boolean rms) implements Op {
        @Override public String name() { return rms ? "rms_norm_param_grad" : "layer_norm_param_grad"; }
        @Override public String attributes() { return "eps=" + eps; }

        @Override public int[] shape(Operand[] in) {
            if (!Arrays.equals(in[0].shape(), in[1].shape())) throw Op.fail(this, in, "x and its gradient differ in shape");
            return new int[] {2, in[0].dim(-1)};
        }

        /** x's copy if strided, g's (see gradientWork), and one row of scratch for the centred row. */
        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return new int[][] {in[0].contiguous() ? new int[0] : in[0].shape(), gradientWork(in[1]), {in[0].dim(-1)}};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work[0], pro);
            Object[] gRows = gradientRows(math, in[1], work[1], pro);
            Tensor g = (Tensor) gRows[0], c = work[2];
            int gRow = (Integer) gRows[1];
            int d = x.dim(-1), rows = d == 0 ? 0 : x.size() / d;
            double e = eps;
            boolean r = rms;
            return then(pro, norms(name(), out).layerNormParamGrad(math, rows, d, x, g, gRow, e, r, c, out));
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw fusedOnly(this);
        }
    }

    /** The fused kernels of out's dtype: where a normalisation's dtype selects its loops. */
    private static NormKernels norms(String op, Tensor out) {
        return out.dtype().pick(op, NormKernelsF64.VIEW, NormKernelsF32.VIEW);
    }

    /** The fused normalisation kernels stand in for a primitive pattern after differentiation and are not differentiated. */
    private static UnsupportedOperationException fusedOnly(Op op) {
        return new UnsupportedOperationException(op.name() + ": a fused backward kernel the compiler puts in place of a normalisation's "
                + "primitive VJP in a first-order compile; it has no VJP (differentiate the normalisation itself for higher orders)");
    }

    // ------------------------------------------------------------------ batch normalisation

    /**
     * Batch normalisation of x [N, C, ...] over every axis but the channels (axis 1), with
     * {@code gamma} and {@code beta} [C] and running statistics {@code stats}. In a training
     * step it normalises with the batch's statistics and updates {@code stats}
     * in place at every forward pass; in an evaluation step it uses {@code stats} and leaves them
     * unchanged. VJPs in primitives, in the step's mode ({@link #vjp}); in a first-order training
     * compile graph.Fusion runs them as {@link BatchNormGrad} and {@link BatchNormParamGrad}.
     */
    public record BatchNorm(double eps, RunningStats stats) implements Op {
        public BatchNorm {
            if (!(eps >= 0)) throw new IllegalArgumentException("batch_norm: eps must be >= 0, got " + eps);
            java.util.Objects.requireNonNull(stats, "batch_norm: running statistics");
        }

        @Override public String name() { return "batch_norm"; }
        @Override public String attributes() { return "eps=" + eps + " momentum=" + stats.momentum(); }

        @Override public int[] shape(Operand[] in) {
            if (in.length != 3) throw Op.fail(this, in, "takes x, gamma, beta");
            if (in[0].rank() < 2) throw Op.fail(this, in, "x must be [N, C, ...] (rank >= 2; channels on axis 1)");
            int c = in[0].dim(1);
            checkAffine(this, in, 1, c, "channels, axis 1 of x");
            if (stats.channels() != c) throw Op.fail(this, in, "the running statistics have " + stats.channels() + " channels, x has " + c);
            if (stats.dtype() != in[0].dtype()) throw Op.fail(this, in, "the running statistics are " + stats.dtype() + ", x is " + in[0].dtype());
            return in[0].shape();
        }

        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return in[0].contiguous() ? NO_WORKSPACE : new int[][] {in[0].shape()};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return bind(math, in, out, work, RunContext.of(true));
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work, RunContext context) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work.length > 0 ? work[0] : null, pro);
            Tensor gamma = param(this, in[1]), beta = param(this, in[2]);
            int n = x.dim(0), c = x.dim(1), s = c == 0 || n == 0 ? 0 : x.size() / (n * c);
            boolean train = context.training();
            double e = eps, mom = stats.momentum();
            Tensor rm = stats.mean(), rv = stats.var();
            return then(pro, norms(name(), out).batchNorm(math, n, c, s, x, gamma, beta, e, train, mom, rm, rv, out));
        }

        /**
         * In training, the batch statistics are functions of x: the layer-norm formula over every
         * axis but the channels ({@link #inputGradient}, {@link #parameterGradients}), which recompute
         * them from x, so the running statistics are updated by the forward pass alone, once per
         * step. In evaluation the running statistics are constants, read by reference when the step
         * runs: {@code dx = g gamma rstd}, {@code dgamma = rstd Σ g (x - mean)}, {@code dbeta = Σ g}.
         */
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            var graph = out.graph();
            V x = in[0], gamma = in[1];
            int c = x.dim(1);
            int[] axes = batchAxes(x.rank()), channels = new int[x.rank()];
            java.util.Arrays.fill(channels, 1);
            channels[1] = c;
            V[] grads = Op.noGrads(in, 3);
            if (needed[0]) {
                grads[0] = graph.inMode(() -> inputGradient(x, gamma.reshape(channels), g, eps, false, axes),
                        () -> g.mul(gamma.mul(runningRstd(graph)).reshape(channels)));
            }
            if (needed[1] || needed[2]) {
                V both = graph.inMode(() -> parameterGradients(x, g, eps, false, axes, axes, c), () -> {
                    V centred = x.sub(graph.constant(stats.mean()).reshape(channels));
                    V dgamma = g.mul(centred).sum(false, axes).mul(runningRstd(graph)).reshape(1, c), dbeta = g.sum(false, axes).reshape(1, c);
                    return graph.apply(new Shaping.Concat(0), dgamma, dbeta);
                });
                if (needed[1]) grads[1] = both.slice(GAMMA_ROW);
                if (needed[2]) grads[2] = both.slice(BETA_ROW);
            }
            return grads;
        }

        /** {@code 1 / sqrt(var + eps)} of the running variance [C], as the forward kernel computes it in evaluation. */
        private <V extends Value<V>> V runningRstd(dev.quiver.ops.Builder<V> graph) {
            return graph.constant(stats.var()).add(eps).sqrt().pow(-1);
        }
    }

    /**
     * dx of {@link BatchNorm} in training (batch statistics) as one kernel; inputs x, gamma, g. Built
     * only by graph.Fusion in place of the training form of {@link BatchNorm#vjp} in a first-order
     * compile, so never differentiated itself.
     */
    public record BatchNormGrad(double eps) implements Op {
        @Override public String name() { return "batch_norm_grad"; }
        @Override public String attributes() { return "eps=" + eps; }
        @Override public int[] shape(Operand[] in) { return in[0].shape(); }

        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            return new int[][] {in[0].contiguous() ? new int[0] : in[0].shape(), in[2].contiguous() ? new int[0] : in[0].shape()};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work[0], pro), g = contiguous(math, in[2], work[1], pro);
            Tensor gamma = param(this, in[1]);
            int n = x.dim(0), c = x.dim(1), s = c == 0 || n == 0 ? 0 : x.size() / (n * c);
            double e = eps;
            return then(pro, norms(name(), out).batchNormGrad(math, n, c, s, x, gamma, g, e, out));
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw fusedOnly(this);
        }
    }

    /**
     * {@code [dgamma; dbeta]} of {@link BatchNorm} in training, shape [2, C], as one kernel; inputs
     * x, g. Built only by graph.Fusion, as {@link BatchNormGrad}.
     */
    public record BatchNormParamGrad(double eps) implements Op {
        @Override public String name() { return "batch_norm_param_grad"; }
        @Override public String attributes() { return "eps=" + eps; }
        @Override public int[] shape(Operand[] in) { return new int[] {2, in[0].dim(1)}; }

        /** x's and g's copies if strided, and one run (the spatial size) of scratch for the centred x. */
        @Override public int[][] workspace(Operand[] in, int[] outShape) {
            int[] x = in[0].shape();
            int runs = x[0] * x[1], run = runs == 0 ? 0 : Shapes.size(x) / runs;
            return new int[][] {in[0].contiguous() ? new int[0] : x, in[1].contiguous() ? new int[0] : x, {run}};
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            java.util.List<Instruction> pro = new java.util.ArrayList<>();
            Tensor x = contiguous(math, in[0], work[0], pro), g = contiguous(math, in[1], work[1], pro), w = work[2];
            int n = x.dim(0), c = x.dim(1), s = c == 0 || n == 0 ? 0 : x.size() / (n * c);
            double e = eps;
            return then(pro, norms(name(), out).batchNormParamGrad(math, n, c, s, x, g, e, w, out));
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw fusedOnly(this);
        }
    }
}
