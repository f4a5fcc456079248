package dev.quiver.tests.support;

import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Source;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.Arrays;

/**
 * Generated cases for the index ops (take, scatter-add, class-index cross-entropy) and their
 * plain-loop references: index arithmetic written out over {@code Tensor.get}, no engine kernels.
 * Indices are drawn from small ranges, so repeats are common, and one case in three repeats its
 * first index at the end on purpose.
 */
public final class IndexCases {
    private IndexCases() {}

    /**
     * An index tensor of I32 ({@code wide} false) or I64 values; when {@code strided}, a view with
     * every other storage slot skipped, at offset 1, over storage whose other slots hold an index
     * far out of range (so a kernel that reads outside the view fails).
     */
    public static Tensor indexTensor(long[] values, int[] shape, boolean wide, boolean strided) {
        int n = values.length;
        int[] strides = Shapes.contiguousStrides(shape);
        int offset = 0, length = n;
        if (strided) {
            for (int d = 0; d < strides.length; d++) strides[d] *= 2;
            offset = 1;
            length = 2 * n + 1;
        }
        Object data;
        if (wide) {
            long[] a = new long[Math.max(1, length)];
            Arrays.fill(a, 1L << 40);
            data = a;
        } else {
            int[] a = new int[Math.max(1, length)];
            Arrays.fill(a, 1 << 30);
            data = a;
        }
        Tensor t = new Tensor(data, offset, shape, strides);
        int[] contiguous = Shapes.contiguousStrides(shape);
        for (int k = 0; k < n; k++) {
            int pos = offset;
            for (int d = 0, rest = k; d < shape.length; d++) {
                pos += (rest / contiguous[d]) * strides[d];
                rest %= contiguous[d];
            }
            if (wide) ((long[]) data)[pos] = values[k];
            else ((int[]) data)[pos] = (int) values[k];
        }
        return t;
    }

    static long[] draw(Source s, int count, int bound) {
        long[] v = new long[count];
        for (int k = 0; k < count; k++) v[k] = s.choice(bound);
        if (count > 1 && s.weighted(0.33)) v[count - 1] = v[0];   // a repeated index
        return v;
    }

    /** {@code s[:axis] + idx + s[axis+1:]}. */
    public static int[] gatheredShape(int[] s, int axis, int[] idx) {
        int[] out = new int[s.length - 1 + idx.length];
        System.arraycopy(s, 0, out, 0, axis);
        System.arraycopy(idx, 0, out, axis, idx.length);
        System.arraycopy(s, axis + 1, out, axis + idx.length, s.length - axis - 1);
        return out;
    }

    /** A take (or scatter-add) case: the table's shape, the axis, the indices and their encoding. */
    public record Gather(int[] shape, int axis, int[] idxShape, long[] idx, boolean wide, boolean strided) {
        public Tensor indices() { return indexTensor(idx, idxShape, wide, strided); }
        public int[] gathered() { return gatheredShape(shape, axis, idxShape); }
        @Override public String toString() {
            return "shape " + Shapes.str(shape) + " axis " + axis + " indices " + Shapes.str(idxShape) + " " + Arrays.toString(idx)
                    + (wide ? " I64" : " I32") + (strided ? " strided" : "");
        }
    }

    /** Tables of rank 1 to 3 (dims 1 to 4), any axis, indices of rank 0 to {@code maxIndexRank}. */
    public static Gen<Gather> gathers(int maxIndexRank) {
        Gen<int[]> shapes = TensorGens.shapes(1, 3, 1, 4, 0);
        Gen<int[]> idxShapes = TensorGens.shapes(0, maxIndexRank, 1, 4, 0);
        return s -> {
            int[] shape = shapes.generate(s);
            int axis = (int) s.choice(shape.length);
            int[] idxShape = idxShapes.generate(s);
            long[] idx = draw(s, Shapes.size(idxShape), shape[axis]);
            return new Gather(shape, axis, idxShape, idx, s.weighted(0.5), s.weighted(0.3));
        };
    }

    /** take(x, axis, idx) by loops, as a contiguous F64 tensor. */
    public static Tensor take(Tensor x, Gather c) {
        int[] out = c.gathered();
        Tensor r = Tensor.zeros(dev.quiver.tensor.DType.F64, out);
        int q = c.idxShape().length;
        for (int flat = 0; flat < r.size(); flat++) {
            int[] at = Ref.unravel(flat, out);
            int[] src = new int[x.rank()];
            int k = 0;
            for (int d = 0; d < q; d++) k = k * c.idxShape()[d] + at[c.axis() + d];
            for (int d = 0, o = 0; d < x.rank(); d++) {
                if (d == c.axis()) {
                    src[d] = (int) c.idx()[k];
                    o += q;
                } else {
                    src[d] = at[o++];
                }
            }
            r.setFlat(flat, x.get(src));
        }
        return r;
    }

    /** base with updates added at the indices along the axis, by loops in index order (F64). */
    public static Tensor scatterAdd(Tensor base, Gather c, Tensor updates) {
        Tensor r = Tensor.zeros(dev.quiver.tensor.DType.F64, base.shape());
        for (int i = 0; i < r.size(); i++) r.setFlat(i, base.getFlat(i));
        int[] g = c.gathered();
        int q = c.idxShape().length;
        for (int flat = 0; flat < updates.size(); flat++) {
            int[] at = Ref.unravel(flat, g);
            int k = 0;
            for (int d = 0; d < q; d++) k = k * c.idxShape()[d] + at[c.axis() + d];
            int[] dst = new int[base.rank()];
            for (int d = 0, o = 0; d < base.rank(); d++) {
                if (d == c.axis()) {
                    dst[d] = (int) c.idx()[k];
                    o += q;
                } else {
                    dst[d] = at[o++];
                }
            }
            r.set(r.get(dst) + updates.getFlat(flat), dst);
        }
        return r;
    }

    /** A class-index cross-entropy case: row shape, class count, classes, options. */
    public record Classes(int[] rows, int classes, long[] cls, boolean wide, boolean strided, CrossEntropy options) {
        public int[] logitsShape() {
            int[] s = Arrays.copyOf(rows, rows.length + 1);
            s[rows.length] = classes;
            return s;
        }
        public Tensor classTensor() { return indexTensor(cls, rows, wide, strided); }
        @Override public String toString() {
            return "rows " + Shapes.str(rows) + " C " + classes + " classes " + Arrays.toString(cls) + (wide ? " I64" : " I32")
                    + (strided ? " strided" : "") + " " + options;
        }
    }

    /**
     * Rows of rank 0 to 2 (dims 1 to 4), 1 to 6 classes; options drawn: any reduction, sometimes
     * an ignore index (-1, or class 0 itself) on some rows, sometimes label smoothing.
     */
    public static Gen<Classes> classes() {
        Gen<int[]> rowShapes = TensorGens.shapes(0, 2, 1, 4, 0);
        Gen<Integer> counts = Gens.ints(1, 6);
        return s -> {
            int[] rows = rowShapes.generate(s);
            int c = counts.generate(s);
            long[] cls = draw(s, Shapes.size(rows), c);
            CrossEntropy o = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.values()[(int) s.choice(3)]);
            if (s.weighted(0.4)) {
                long ignore = s.weighted(0.5) ? -1 : 0;
                o = o.withIgnoreIndex(ignore);
                for (int k = 0; k < cls.length; k++) if (s.weighted(0.3)) cls[k] = ignore;
            }
            if (s.weighted(0.4)) o = o.withLabelSmoothing(s.weighted(0.5) ? 0.1 : 0.35);
            return new Classes(rows, c, cls, s.weighted(0.5), s.weighted(0.3), o);
        };
    }

    /** Reference loss (reduced as the options say, rows' shape for NONE) and the gradient of sum(w * loss) w.r.t. the logits. */
    public record Expected(double[] loss, double[] grad) {}

    /**
     * Plain-loop cross-entropy in double: {@code loss_r = -sum_j t_j log softmax(x_r)_j} with
     * {@code t = (1 - eps) onehot + eps / C}; grad for the upstream weights {@code w} (one per
     * output element: the gradient of {@code sum(w * loss)}).
     */
    public static Expected crossEntropy(Tensor logits, Classes c, double[] w) {
        int rows = Shapes.size(c.rows()), n = c.classes();
        double eps = c.options().labelSmoothing();
        double[] perRow = new double[rows];
        double[][] p = new double[rows][n];
        int counted = 0;
        boolean[] ignored = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            ignored[r] = c.options().ignoring() && c.cls()[r] == c.options().ignoreIndex();
            if (ignored[r]) continue;
            counted++;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, logits.getFlat(r * n + j));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(logits.getFlat(r * n + j) - max);
            double lse = max + Math.log(sum);
            for (int j = 0; j < n; j++) {
                double t = (j == c.cls()[r] ? 1 - eps : 0) + eps / n;
                perRow[r] -= t * (logits.getFlat(r * n + j) - lse);
                p[r][j] = Math.exp(logits.getFlat(r * n + j) - lse) - t;
            }
        }
        double[] loss;
        double[] rowWeight = new double[rows];
        switch (c.options().reduction()) {
            case NONE -> {
                loss = perRow;
                rowWeight = w.clone();
            }
            case SUM -> {
                double s = 0;
                for (double v : perRow) s += v;
                loss = new double[] {s};
                Arrays.fill(rowWeight, w[0]);
            }
            default -> {
                double s = 0;
                for (double v : perRow) s += v;
                loss = new double[] {counted == 0 ? 0 : s / counted};
                Arrays.fill(rowWeight, counted == 0 ? 0 : w[0] / counted);
            }
        }
        double[] grad = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            if (ignored[r]) continue;
            for (int j = 0; j < n; j++) grad[r * n + j] = rowWeight[r] * p[r][j];
        }
        return new Expected(loss, grad);
    }
}
