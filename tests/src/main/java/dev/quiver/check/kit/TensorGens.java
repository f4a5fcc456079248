package dev.quiver.check.kit;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Generators for shapes, broadcast-compatible shapes, axes, tensors and tensor layouts, in the
 * spirit of Hypothesis's numpy strategies. All shrink towards lower rank, smaller dimensions,
 * contiguous layouts and the domain's simplest values.
 */
public final class TensorGens {
    private TensorGens() {}

    /** Shapes of rank 0..4 with dimensions 1..5, some dimensions 1 (for broadcasting). */
    public static Gen<int[]> shapes() {
        return shapes(0, 4, 5);
    }

    /**
     * Shapes of rank minRank..maxRank with dimensions 1..maxDim; each dimension is 1 with
     * probability 1/4 (so broadcasting and degenerate axes show up). Shrinks to lower rank, then
     * to dimensions of 1.
     */
    public static Gen<int[]> shapes(int minRank, int maxRank, int maxDim) {
        return shapes(minRank, maxRank, 1, maxDim, 0);
    }

    /**
     * Shapes with dimensions minDim..maxDim, each dimension 0 (an empty tensor) with probability
     * zeroProbability on top.
     */
    public static Gen<int[]> shapes(int minRank, int maxRank, int minDim, int maxDim, double zeroProbability) {
        if (minRank < 0 || maxRank > Shapes.MAX_RANK || minRank > maxRank) {
            throw new IllegalArgumentException("shapes: bad rank range " + minRank + ".." + maxRank);
        }
        Gen<Integer> rank = Gens.ints(minRank, maxRank);
        Gen<Integer> dim = Gens.ints(minDim, maxDim);
        return s -> {
            int[] shape = new int[rank.generate(s)];
            for (int i = 0; i < shape.length; i++) {
                if (zeroProbability > 0 && s.weighted(zeroProbability)) shape[i] = 0;
                else shape[i] = s.weighted(0.75) ? dim.generate(s) : Math.max(minDim, Math.min(1, maxDim));
            }
            return shape;
        };
    }

    /**
     * n operand shapes that broadcast together to a shape drawn from {@code result}: each
     * operand drops some leading dimensions and turns some dimensions into 1. Shrinks towards
     * all operands having the full result shape.
     */
    public static Gen<int[][]> broadcastable(int n, Gen<int[]> result) {
        return s -> {
            int[] target = result.generate(s);
            int[][] out = new int[n][];
            for (int k = 0; k < n; k++) {
                int drop = s.weighted(0.3) ? (int) s.choice(target.length + 1) : 0;
                int[] shape = new int[target.length - drop];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.weighted(0.3) ? 1 : target[drop + i];
                }
                out[k] = shape;
            }
            return out;
        };
    }

    /** F64 or F32, shrinking to F64. */
    public static Gen<DType> dtypes() {
        return Gens.elements(DType.F64, DType.F32);
    }

    /** One axis of a tensor of this rank (at least 1), sometimes written negatively. */
    public static Gen<Integer> axis(int rank) {
        if (rank < 1) throw new IllegalArgumentException("axis: a rank-0 tensor has no axes");
        return s -> {
            int a = (int) s.choice(rank);
            return s.weighted(0.3) ? a - rank : a;
        };
    }

    /**
     * A set of distinct axes of a tensor of this rank (possibly empty), in increasing order,
     * each sometimes written negatively; shrinks towards fewer, earlier axes.
     */
    public static Gen<int[]> axes(int rank) {
        return s -> {
            List<Integer> picked = new ArrayList<>();
            for (int a = 0; a < rank; a++) {
                if (s.weighted(0.5)) picked.add(s.weighted(0.3) ? a - rank : a);
            }
            return picked.stream().mapToInt(Integer::intValue).toArray();
        };
    }

    /** Tensors of the dtype and shape with every element drawn from the domain. */
    public static Gen<Tensor> tensors(DType dtype, int[] shape, Domain domain) {
        int[] fixed = shape.clone();
        return s -> {
            Tensor t = Tensor.zeros(dtype, fixed);
            for (int i = 0; i < t.size(); i++) t.setFlat(i, domain.draw(s));
            return t;
        };
    }

    /** Tensors of a dtype with shapes from the shape generator and elements from the domain. */
    public static Gen<Tensor> tensors(DType dtype, Gen<int[]> shapes, Domain domain) {
        return shapes.flatMap(shape -> tensors(dtype, shape, domain));
    }

    /** Tensors of either dtype, any shape from {@link #shapes()}, elements in the domain. */
    public static Gen<Tensor> tensors(Domain domain) {
        return dtypes().flatMap(d -> tensors(d, shapes(), domain));
    }

    /**
     * The same logical values as the given tensor in a random storage layout: dimensions laid out
     * in a random memory order, some with a step of 2 or reversed (negative strides), at a random
     * offset, with NaN in every storage slot the view does not cover (so a kernel that reads
     * outside the view shows up as NaN). Shrinks towards a contiguous copy.
     */
    public static Gen<Tensor> layoutOf(Tensor values) {
        return s -> {
            int rank = values.rank();
            int[] shape = values.shape();
            List<Integer> remaining = new ArrayList<>();
            for (int a = 0; a < rank; a++) remaining.add(a);
            int[] order = new int[rank]; // outermost first
            for (int i = 0; i < rank; i++) order[i] = remaining.remove((int) s.choice(remaining.size()));
            int[] step = new int[rank];
            boolean[] reversed = new boolean[rank];
            for (int a = 0; a < rank; a++) {
                step[a] = s.weighted(0.3) ? 2 : 1;
                reversed[a] = s.weighted(0.2);
            }
            int offset = s.weighted(0.3) ? 1 + (int) s.choice(3) : 0;
            int[] strides = new int[rank];
            long extent = 1;
            for (int i = rank - 1; i >= 0; i--) {
                int a = order[i];
                strides[a] = (int) extent * step[a];
                extent *= Math.max(1, (long) shape[a] * step[a]);
            }
            int start = offset;
            for (int a = 0; a < rank; a++) {
                if (reversed[a] && shape[a] > 0) {
                    start += (shape[a] - 1) * strides[a];
                    strides[a] = -strides[a];
                }
            }
            int length = (int) (offset + extent + 1);
            Object storage = values.dtype().newArray(length);
            if (storage instanceof double[] d) java.util.Arrays.fill(d, Double.NaN);
            else java.util.Arrays.fill((float[]) storage, Float.NaN);
            Tensor view = new Tensor(storage, start, shape, strides);
            for (int i = 0; i < values.size(); i++) view.setFlat(i, values.getFlat(i));
            return view;
        };
    }

    /** Tensors from the generator, each presented in a random layout ({@link #layoutOf}). */
    public static Gen<Tensor> anyLayout(Gen<Tensor> tensors) {
        return tensors.flatMap(TensorGens::layoutOf);
    }
}
