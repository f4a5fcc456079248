package dev.quiver.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Independent reference machinery for tests: builds tensors in chosen memory layouts by its own
 * position arithmetic, reads them back the same way, and enumerates multi-indices. None of it
 * goes through the view or math code under test.
 */
final class Ref {
    private Ref() {}

    /** Memory layouts a logical tensor can be stored in. */
    enum Layout {
        /** Row-major, offset 0. */
        CONTIGUOUS,
        /** Row-major over a padded box (every stride larger than needed), at an offset. */
        PADDED,
        /** Column-major: the transpose of a contiguous tensor. */
        TRANSPOSED,
        /** Every stride negative (a reversal in every dimension). */
        REVERSED
    }

    static final Layout[] LAYOUTS = Layout.values();

    /** Shapes of rank 0 to 4 with sizes 1, 3, 17, 67 and zero-size dimensions. */
    static final int[][] SHAPES = {
            {}, {1}, {3}, {17}, {67}, {0}, {3, 17}, {17, 3}, {67, 1}, {1, 67}, {0, 3}, {3, 0},
            {3, 1, 17}, {2, 3, 4}, {3, 17, 2, 2}, {2, 0, 3, 1}, {1, 1, 1, 1}, {2, 3, 1, 4}
    };

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Random values in [lo, hi), rounded to the dtype so the reference sees the stored inputs. */
    static double[] random(DType dtype, long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = lo + (hi - lo) * r.nextDouble();
            v[i] = dtype == DType.F32 ? (float) x : x;
        }
        return v;
    }

    /** A tensor of the given logical shape and row-major values, stored in the given layout. */
    static Tensor make(DType dtype, int[] shape, double[] values, Layout layout) {
        int rank = shape.length;
        int[] strides = new int[rank];
        int offset = 0;
        int span;
        switch (layout) {
            case CONTIGUOUS -> {
                int s = 1;
                for (int d = rank - 1; d >= 0; d--) { strides[d] = s; s *= Math.max(1, shape[d]); }
                span = s;
            }
            case PADDED -> {
                int s = 2;
                for (int d = rank - 1; d >= 0; d--) { strides[d] = s; s *= Math.max(1, shape[d]) + 1; }
                offset = 3;
                span = s + 3;
            }
            case TRANSPOSED -> {
                int s = 1;
                for (int d = 0; d < rank; d++) { strides[d] = s; s *= Math.max(1, shape[d]); }
                span = s;
            }
            case REVERSED -> {
                int s = 1;
                for (int d = rank - 1; d >= 0; d--) { strides[d] = -s; offset += s * Math.max(0, shape[d] - 1); s *= Math.max(1, shape[d]); }
                span = s;
            }
            default -> throw new AssertionError(layout);
        }
        Object data = dtype.newArray(Math.max(span, 1) + 4);
        // Poison the gaps so that a kernel reading outside the view shows up as NaN.
        if (data instanceof double[] d) java.util.Arrays.fill(d, Double.NaN);
        else java.util.Arrays.fill((float[]) data, Float.NaN);
        int n = size(shape);
        for (int i = 0; i < n; i++) {
            int pos = position(offset, shape, strides, i);
            if (data instanceof double[] d) d[pos] = values[i];
            else ((float[]) data)[pos] = (float) values[i];
        }
        return new Tensor(data, offset, shape, strides);
    }

    static int position(int offset, int[] shape, int[] strides, int flat) {
        int pos = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            pos += (flat % shape[d]) * strides[d];
            flat /= shape[d];
        }
        return pos;
    }

    /** The elements of t in row-major order, read by position arithmetic from its public layout. */
    static double[] values(Tensor t) {
        int[] shape = t.shape(), strides = t.strides();
        int n = size(shape);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int pos = position(t.offset(), shape, strides, i);
            out[i] = t.data() instanceof double[] d ? d[pos] : ((float[]) t.data())[pos];
        }
        return out;
    }

    /** The multi-index of row-major position flat. */
    static int[] unflatten(int[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /** Row-major flat position of an index into shape, with broadcasting: trailing alignment, size-1 dims read index 0. */
    static int broadcastFlat(int[] shape, int[] outIndex) {
        int lead = outIndex.length - shape.length;
        int flat = 0;
        for (int d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] == 1 ? 0 : outIndex[lead + d]);
        return flat;
    }

    /** NumPy broadcast of two shapes (reference implementation). */
    static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Pairs of shapes that broadcast, built from SHAPES: equal, suffix, scalar, and stretched ones. */
    static List<int[][]> broadcastPairs() {
        List<int[][]> pairs = new ArrayList<>();
        for (int[] s : SHAPES) {
            pairs.add(new int[][] {s, s});
            pairs.add(new int[][] {s, new int[0]});
            pairs.add(new int[][] {new int[0], s});
            if (s.length >= 2) {
                pairs.add(new int[][] {s, java.util.Arrays.copyOfRange(s, 1, s.length)});
                int[] ones = s.clone();
                ones[0] = 1;
                ones[s.length - 1] = 1;
                pairs.add(new int[][] {ones, s});
                pairs.add(new int[][] {s, ones});
            }
        }
        pairs.add(new int[][] {{3, 1}, {1, 17}});
        pairs.add(new int[][] {{67, 1, 3}, {1, 2, 1}});
        return pairs;
    }
}
