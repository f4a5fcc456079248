package dev.quiver.ops.internal;

import dev.quiver.kernel.internal.Libm;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * Softmax cross-entropy with integer class targets, fused and numerically stable: inputs (logits,
 * classes), logits {@code [..., C]} floating (any layout), classes I32 or I64 of shape
 * {@code [...]} (the logits' shape without the last axis). Per row r with class c, label smoothing
 * eps and target {@code t = (1 - eps) onehot(c) + eps / C}:
 * <pre>
 *   loss_r = -sum_j t_j log softmax(x_r)_j = lse_r - (1 - eps) x_rc - (eps / C) sum_j x_rj,
 *   lse_r  = m_r + log sum_j exp(x_rj - m_r),   m_r = max_j x_rj  (so no exp overflows)
 * </pre>
 * Rows whose class is the ignore index contribute 0. The result ({@link CrossEntropy.Reduction})
 * is the mean over the counted (not ignored) rows, rank 0 (0 when every row is ignored, where
 * PyTorch gives NaN); the sum, rank 0; or the per-row losses, of the classes' shape (DyNet's
 * {@code pickneglogsoftmax}). A class outside {@code [0, C)} that is not the ignore index fails
 * the run with an {@link IndexOutOfBoundsException} naming the op, the value, its row and the
 * range; classes are data, so other classes of the same shape reuse the compiled plan.
 *
 * <p>VJP: {@code dlogits_r = (softmax(x_r) - t) * g_r / count} ({@code g_r} the gradient of the
 * row's loss: g for mean and sum, g[r] for none; count the counted rows for the mean, else 1), 0 on
 * ignored rows; the classes get none. It is written in primitives ({@link #gradient}: softmax,
 * one-hot, sub, mul; with an ignored class a mask from the one-hot rows, where, and the count of
 * counted rows), so it can be differentiated again, and the graph compiler puts {@link Backward}
 * in place of that pattern (graph.Fusion): one kernel that recomputes each row's max and exp-sum
 * and writes the row once, where the primitives would keep softmax-sized temporaries and pay five
 * passes or more.
 *
 * <p>Both passes are loops of backend kernel calls per row (max, exp, sums: vectorised on the
 * SIMD backend), with no allocation; scratch is one planned row of C elements.
 *
 * @param options reduction, ignore index and label smoothing
 */
public record ClassCrossEntropy(CrossEntropy options) implements Op {
    /** The default options' op, shared. */
    public static final ClassCrossEntropy MEAN = new ClassCrossEntropy(CrossEntropy.defaults());
    /** Per-row losses ({@code pickNegLogSoftmax}), shared. */
    public static final ClassCrossEntropy PER_ROW = new ClassCrossEntropy(CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.NONE));

    public ClassCrossEntropy {
        if (options == null) throw new IllegalArgumentException("ClassCrossEntropy: options must not be null");
    }

    @Override public String name() { return "softmax_cross_entropy"; }
    @Override public String attributes() { return "classes, " + options; }

    @Override public DType dtype(Operand[] in) {
        Indices.requireArity(this, in, 2, "logits, classes");
        Indices.requireFloating(this, in, 0, "logits");
        Indices.requireIndices(this, in, 1, "classes");
        return in[0].dtype();
    }

    @Override public int[] shape(Operand[] in) {
        checkShapes(this, in);
        return options.reduction() == CrossEntropy.Reduction.NONE ? in[1].shape() : new int[0];
    }

    static void checkShapes(Op op, Operand[] in) {
        int[] x = in[0].shape();
        if (x.length == 0) throw Op.fail(op, in, "logits must have a class axis (rank >= 1)");
        if (x[x.length - 1] == 0) throw Op.fail(op, in, "the class axis of the logits is empty");
        int[] rows = Arrays.copyOf(x, x.length - 1);
        if (!Arrays.equals(rows, in[1].shape())) {
            throw Op.fail(op, in, "classes must have the logits' shape without the class axis, " + Shapes.str(rows)
                    + ", got " + Shapes.str(in[1].shape()));
        }
    }

    @Override public int[][] workspace(Operand[] in, int[] outShape) {
        return new int[][] {{in[0].dim(-1)}};
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        Rows rows = new Rows(this, options, math, in[0], in[1]);
        Tensor w = work[0];
        Object wa = w.data();
        int wo = w.offset();
        int[] outPos = Indices.offsets(out, 0, out.rank(), out.offset());   // one position for mean and sum
        Object oa = out.data();
        return m -> rows.forward(wa, wo, oa, outPos);
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        if (!needed[0]) return Op.grads(in, null, null);
        return Op.grads(in, gradient(options, in[0], in[1], g), null);
    }

    /**
     * The logits' gradient in primitives: {@code d * s} with {@code d = softmax(x) - t},
     * {@code t = onehot(classes)}, or {@code onehot(classes) * (1 - eps) + eps / C} with label
     * smoothing, and {@code s = g * (1 / rows)} for the mean, {@code g} for the sum, g with a class
     * axis of 1 for per-row losses. With an ignored class the one-hot rows of that class are zero,
     * so their sums {@code k} (kept as [..., 1]) are 1 on counted rows and 0 on ignored ones:
     * {@code d = where(k > 0.5, softmax(x) - t, 0)} and the mean's {@code s = g / max(Σ k, 1)}
     * (0 on every row when all are ignored, as the kernel). graph.Fusion recognises exactly this form.
     */
    static <V extends Value<V>> V gradient(CrossEntropy options, V x, V classes, V g) {
        int c = x.dim(-1);
        double eps = options.labelSmoothing();
        var graph = x.graph();
        V oneHot = graph.apply(new Masks.OneHot(c, x.dtype(), options.ignoring(), options.ignoreIndex()), classes);
        V t = eps != 0 ? oneHot.mul(1 - eps).add(eps / c) : oneHot;
        V d = x.softmax(-1).sub(t);
        V counted = null;
        if (options.ignoring()) {
            counted = oneHot.sum(true, -1);
            V keep = graph.apply(new Masks.Compare(dev.quiver.ops.Comparison.GT), counted, graph.scalar(x.dtype(), 0.5));
            d = graph.apply(new Masks.Where(), keep, d, graph.scalar(x.dtype(), 0));
        }
        V scale = switch (options.reduction()) {
            case MEAN -> counted != null ? g.div(counted.sum().max(graph.scalar(x.dtype(), 1)))
                    : g.mul(1.0 / Math.max(1, classes.size()));
            case SUM -> g;
            case NONE -> {
                int[] shape = java.util.Arrays.copyOf(classes.shape(), classes.rank() + 1);
                shape[classes.rank()] = 1;
                yield g.reshape(shape);
            }
        };
        return d.mul(scale);
    }

    /**
     * The gradient of {@link ClassCrossEntropy} with respect to the logits: inputs (logits, classes,
     * g), output of the logits' shape, {@code (softmax(x_r) - t) * g_r / count} per row (see the
     * enclosing op). Built only by the compiler's fusion pass in place of {@link #gradient}'s
     * pattern after differentiating, so never differentiated itself.
     *
     * @param options the forward op's options
     */
    public record Backward(CrossEntropy options) implements Op {
        @Override public String name() { return "softmax_cross_entropy_grad"; }
        @Override public String attributes() { return "classes, " + options; }

        @Override public DType dtype(Operand[] in) {
            Indices.requireArity(this, in, 3, "logits, classes, g");
            Indices.requireFloating(this, in, 0, "logits");
            Indices.requireIndices(this, in, 1, "classes");
            if (in[2].dtype() != in[0].dtype()) throw Op.fail(this, in, "g must have the logits' dtype " + in[0].dtype());
            return in[0].dtype();
        }

        @Override public int[] shape(Operand[] in) {
            checkShapes(this, in);
            int[] expected = options.reduction() == CrossEntropy.Reduction.NONE ? in[1].shape() : new int[0];
            if (!Arrays.equals(expected, in[2].shape())) throw Op.fail(this, in, "g must have shape " + Shapes.str(expected));
            return in[0].shape();
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Rows rows = new Rows(this, options, math, in[0], in[1]);
            Tensor g = in[2];
            Object ga = g.data();
            int[] gPos = Indices.offsets(g, 0, g.rank(), g.offset());
            Object da = out.data();
            int[] dRow = Indices.offsets(out, 0, out.rank() - 1, out.offset());
            int ds = out.stride(-1);
            return m -> rows.backward(ga, gPos, da, dRow, ds);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            throw new UnsupportedOperationException(name() + ": a fused backward kernel the compiler puts in place of the "
                    + "cross-entropy's primitive VJP in a first-order compile; it has no VJP (differentiate softmax_cross_entropy itself)");
        }
    }

    /** The logits' rows and classes of one bound instruction, and the two fused loops over them. */
    private static final class Rows {
        /** The op, for messages (its label is built only when an error needs it). */
        private final Op op;
        private final CrossEntropy options;
        private final RowMath k;
        private final Object x;
        private final int[] xRow;
        private final int xs, classes;
        private final Indices cls;

        Rows(Op op, CrossEntropy options, TensorMath math, Tensor logits, Tensor classTensor) {
            this.op = op;
            this.options = options;
            this.k = new RowMath(math, logits.dtype());
            this.x = logits.data();
            this.xRow = Indices.offsets(logits, 0, logits.rank() - 1, logits.offset());
            this.xs = logits.stride(-1);
            this.classes = logits.dim(-1);
            this.cls = Indices.of(classTensor);
        }

        /** Checks every class and returns the number of counted (not ignored) rows. */
        private int checkAndCount() {
            int counted = 0;
            for (int r = 0; r < xRow.length; r++) {
                long c = cls.get(r);
                if (options.ignores(c)) continue;
                if (c < 0 || c >= classes) throw cls.outOfRange(op.name() + "[" + op.attributes() + "]", "class", c, r, classes);
                counted++;
            }
            return counted;
        }

        /** The row's log-sum-exp, with exp(x - max) left in the scratch row. */
        private double logSumExp(int xo, Object w, int wo) {
            int n = classes;
            double max = k.max(n, x, xo, xs);
            k.expShifted(n, x, xo, xs, max, w, wo, 1);
            return max + Libm.log(k.sum(n, w, wo, 1));
        }

        void forward(Object w, int wo, Object out, int[] outPos) {
            int counted = checkAndCount();
            double eps = options.labelSmoothing(), total = 0;
            boolean perRow = options.reduction() == CrossEntropy.Reduction.NONE;
            for (int r = 0; r < xRow.length; r++) {
                long c = cls.get(r);
                double loss = 0;
                if (!options.ignores(c)) {
                    int xo = xRow[r];
                    loss = logSumExp(xo, w, wo) - (1 - eps) * RowMath.read(x, xo + (int) c * xs);
                    if (eps != 0) loss -= eps / classes * k.sum(classes, x, xo, xs);
                }
                if (perRow) RowMath.write(out, outPos[r], loss);
                else total += loss;
            }
            if (!perRow) {
                boolean mean = options.reduction() == CrossEntropy.Reduction.MEAN;
                RowMath.write(out, outPos[0], mean ? (counted == 0 ? 0 : total / counted) : total);
            }
        }

        void backward(Object g, int[] gPos, Object dx, int[] dRow, int ds) {
            int counted = checkAndCount();
            double eps = options.labelSmoothing();
            boolean perRow = options.reduction() == CrossEntropy.Reduction.NONE;
            double shared = perRow ? 0 : RowMath.read(g, gPos[0]);
            if (options.reduction() == CrossEntropy.Reduction.MEAN) shared = counted == 0 ? 0 : shared / counted;
            int n = classes;
            for (int r = 0; r < xRow.length; r++) {
                long c = cls.get(r);
                int xo = xRow[r], dOff = dRow[r];
                if (options.ignores(c)) {
                    k.fill(n, 0, dx, dOff, ds);
                    continue;
                }
                double scale = perRow ? RowMath.read(g, gPos[r]) : shared;
                double max = k.max(n, x, xo, xs);
                k.expShifted(n, x, xo, xs, max, dx, dOff, ds);                      // e = exp(x - max)
                double sum = k.sum(n, dx, dOff, ds);
                k.scaleShift(n, dx, dOff, ds, scale / sum, -scale * eps / n);       // scale (e / sum - eps / C)
                RowMath.add(dx, dOff + (int) c * ds, -scale * (1 - eps));           // - scale (1 - eps) at the class
            }
        }
    }
}
