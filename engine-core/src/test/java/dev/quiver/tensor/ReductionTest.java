package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.ReduceOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.quiver.tensor.Ref.LAYOUTS;
import static dev.quiver.tensor.Ref.Layout;
import static org.junit.jupiter.api.Assertions.*;

/** Reductions against plain double loops: every subset of axes, keepDims, layouts, both dtypes. */
class ReductionTest {
    static final TensorMath M = TensorMath.of(Backends.create("scalar", 1));

    static double identity(ReduceOp op) {
        return switch (op) {
            case SUM, SUM_SQUARES -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
    }

    static double combine(ReduceOp op, double acc, double v) {
        return switch (op) {
            case SUM -> acc + v;
            case SUM_SQUARES -> acc + v * v;
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
        };
    }

    /** Reference reduction over the axes in mask; result in row-major order of the kept dims. */
    static double[] reference(ReduceOp op, int[] shape, double[] x, int mask) {
        int[] kept = Arrays.stream(range(shape.length)).filter(d -> (mask & (1 << d)) == 0).map(d -> shape[d]).toArray();
        double[] out = new double[Ref.size(kept)];
        Arrays.fill(out, identity(op));
        for (int i = 0; i < x.length; i++) {
            int[] idx = Ref.unflatten(shape, i);
            int o = 0;
            for (int d = 0; d < shape.length; d++) if ((mask & (1 << d)) == 0) o = o * shape[d] + idx[d];
            out[o] = combine(op, out[o], x[i]);
        }
        return out;
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    static int[] axesOf(int mask, int rank, boolean negative) {
        return Arrays.stream(range(rank)).filter(d -> (mask & (1 << d)) != 0).map(d -> negative ? d - rank : d).toArray();
    }

    @Test
    void reduceEverySubsetOfAxes() {
        int variant = 0;
        for (DType dt : DType.FLOATING) {
            for (ReduceOp op : ReduceOp.values()) {
                for (int[] shape : Ref.SHAPES) {
                    int rank = shape.length;
                    double[] x = Ref.random(dt, 21 + variant, Ref.size(shape), -3, 3);
                    for (int mask = 0; mask < (1 << rank); mask++) {
                        boolean keep = (variant & 1) == 1;
                        Layout lx = LAYOUTS[variant % 4], lo = LAYOUTS[(variant / 4) % 4];
                        variant++;
                        int[] axes = axesOf(mask, rank, (variant & 2) == 2);
                        // An empty axes array means "all axes".
                        int effective = axes.length == 0 ? (1 << rank) - 1 : mask;
                        double[] expected = reference(op, shape, x, effective);
                        int count = 1;
                        for (int d = 0; d < rank; d++) if ((effective & (1 << d)) != 0) count *= shape[d];
                        int[] outShape = new int[keep ? rank : rank - Integer.bitCount(effective)];
                        for (int d = 0, o = 0; d < rank; d++) {
                            boolean r = (effective & (1 << d)) != 0;
                            if (!r || keep) outShape[o++] = r ? 1 : shape[d];
                        }
                        Tensor xt = Ref.make(dt, shape, x, lx);
                        Tensor out = Ref.make(dt, outShape, new double[Ref.size(outShape)], lo);
                        String what = op + " " + dt + " " + Shapes.str(shape) + " axes " + Arrays.toString(axes)
                                + (keep ? " keepDims " : " ") + lx + "->" + lo;
                        assertSame(out, M.reduce(op, xt, keep, axes, out));
                        Tol.assertClose(what, expected, out, count);
                        Tensor alloc = M.reduce(op, xt, keep, axes);
                        assertArrayEquals(outShape, alloc.shape(), what);
                        Tol.assertClose(what + " allocating", expected, alloc, count);
                        if (op == ReduceOp.SUM) {
                            double[] mean = expected.clone();
                            for (int i = 0; i < mean.length; i++) mean[i] /= count;
                            Tol.assertClose("mean " + what, mean, M.mean(xt, keep, axes, out), count);
                        }
                    }
                }
            }
        }
    }

    @Test
    void conveniencesAndEmptyReductions() {
        Tensor x = Tensor.fromNested(new double[][] {{1, -5, 3}, {4, 2, -6}});
        assertArrayEquals(new double[] {5, -3, -3}, Ref.values(M.sum(x, 0)));
        assertArrayEquals(new double[] {-1, 0}, Ref.values(M.sum(x, -1)));
        assertArrayEquals(new double[] {4, 2, 3}, Ref.values(M.max(x, 0)));
        assertArrayEquals(new double[] {-5, -6}, Ref.values(M.min(x, 1)));
        assertEquals(-1.0 / 6, M.mean(x).item(), 1e-15);
        assertEquals(Math.sqrt(1 + 25 + 9 + 16 + 4 + 36), M.norm(x).item(), 1e-14);
        assertEquals(0, M.norm(x).rank());
        Tensor normOut = Tensor.zeros(DType.F64);
        assertSame(normOut, M.norm(x.transpose(), normOut));
        assertEquals(Math.sqrt(91), normOut.item(), 1e-14);
        Tensor empty = Tensor.zeros(DType.F64, 0, 3);
        assertArrayEquals(new double[] {0, 0, 0}, Ref.values(M.sum(empty, 0)));
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY},
                Ref.values(M.max(empty, 0)));
        assertTrue(Double.isNaN(M.mean(empty).item()));
        // NaN propagates through MAX and MIN
        Tensor withNan = Tensor.vector(1, Double.NaN, 3);
        assertTrue(Double.isNaN(M.max(withNan).item()));
        assertTrue(Double.isNaN(M.min(withNan).item()));
    }

    @Test
    void argmaxFirstMaximumAndNaN() {
        for (DType dt : DType.FLOATING) {
            for (int[] shape : new int[][] {{17}, {3, 17}, {17, 3}, {2, 3, 4}, {3, 17, 2, 2}, {67, 1}}) {
                double[] x = Ref.random(dt, 31, Ref.size(shape), -3, 3);
                for (int i = 0; i < x.length; i += 5) x[i] = 2.5; // ties: the first one wins
                for (Layout lx : LAYOUTS) {
                    Tensor xt = Ref.make(dt, shape, x, lx);
                    for (int axis = 0; axis < shape.length; axis++) {
                        int ax = axis;
                        int[] outShape = Arrays.stream(range(shape.length)).filter(d -> d != ax).map(d -> shape[d]).toArray();
                        double[] expected = new double[Ref.size(outShape)];
                        double[] best = new double[expected.length];
                        Arrays.fill(best, Double.NEGATIVE_INFINITY);
                        for (int i = 0; i < x.length; i++) {
                            int[] idx = Ref.unflatten(shape, i);
                            int o = 0;
                            for (int d = 0; d < shape.length; d++) if (d != ax) o = o * shape[d] + idx[d];
                            if (x[i] > best[o]) { best[o] = x[i]; expected[o] = idx[ax]; }
                        }
                        Tensor got = M.argmax(xt, axis);
                        assertEquals(DType.F64, got.dtype());
                        assertArrayEquals(outShape, got.shape());
                        assertArrayEquals(expected, Ref.values(got), dt + " " + Shapes.str(shape) + " axis " + axis + " " + lx);
                        Tensor out = Ref.make(DType.F64, outShape, new double[expected.length], LAYOUTS[(lx.ordinal() + 1) % 4]);
                        assertSame(out, M.argmax(xt, axis, out));
                        assertArrayEquals(expected, Ref.values(out), "out form " + dt + " " + Shapes.str(shape) + " axis " + axis + " " + lx);
                    }
                }
            }
        }
        assertEquals(1, M.argmax(Tensor.vector(1, Double.NaN, 5, Double.NaN), 0).item());
    }

    @Test
    void sumToSameShapeIsACopyEvenInPlace() {
        Tensor x = Tensor.fromNested(new double[][] {{1, 2}, {3, 4}});
        assertSame(x, M.sumTo(x, x));
        assertArrayEquals(new double[] {1, 2, 3, 4}, Ref.values(x));
        Tensor out = Tensor.zeros(DType.F64, 2, 2);
        M.sumTo(x.transpose(), out);
        assertArrayEquals(new double[] {1, 3, 2, 4}, Ref.values(out));
    }

    @Test
    void sumToReversesBroadcasting() {
        int variant = 0;
        for (DType dt : DType.FLOATING) {
            for (int[][] pair : Ref.broadcastPairs()) {
                int[] small = pair[0], big = Ref.broadcast(pair[0], pair[1]);
                double[] x = Ref.random(dt, 41 + variant, Ref.size(big), -3, 3);
                double[] expected = new double[Ref.size(small)];
                for (int i = 0; i < x.length; i++) expected[Ref.broadcastFlat(small, Ref.unflatten(big, i))] += x[i];
                int terms = Math.max(1, Ref.size(big) / Math.max(1, Ref.size(small)));
                Layout lx = LAYOUTS[variant % 4], lo = LAYOUTS[(variant + 1) % 4];
                variant++;
                Tensor out = Ref.make(dt, small, new double[expected.length], lo);
                assertSame(out, M.sumTo(Ref.make(dt, big, x, lx), out));
                Tol.assertClose("sumTo " + Shapes.str(big) + " -> " + Shapes.str(small) + " " + lx + "->" + lo, expected, out, terms);
            }
        }
    }
}
