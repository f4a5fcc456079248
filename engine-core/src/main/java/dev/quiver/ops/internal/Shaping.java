package dev.quiver.ops.internal;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/**
 * Linear ops that move, select, broadcast or combine elements. Their VJPs are their linear
 * transposes: permute by the inverse order, reshape back, expand and sumTo of each other, slice
 * and scatter of each other, concat and slices. Permute, expand, slice and detach (and reshape of a
 * contiguous value) are views: they cost no instruction and no buffer.
 */
public final class Shaping {
    private Shaping() {}

    /** Shared instances of the stateless ops. */
    public static final AddN ADD_N = new AddN();
    public static final Detach DETACH = new Detach();

    private static Tensor probe(int[] shape) {
        // A stride-0 tensor over one element: lets Tensor's own view logic compute result shapes.
        return new Tensor(new double[1], 0, shape, new int[shape.length]);
    }

    /** Dimension i of the result is dimension order[i] of the input; a view. */
    public record Permute(int[] order) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Permute other && Arrays.equals(order, other.order); }
        @Override public int hashCode() { return Arrays.hashCode(order); }
        @Override public String name() { return "permute"; }
        @Override public String attributes() { return Arrays.toString(order); }

        @Override public int[] shape(Operand[] in) {
            int[] shape = in[0].shape();
            if (order.length == 2 && shape.length == 2 && order[0] == 1 && order[1] == 0) {
                return new int[] {shape[1], shape[0]};   // a transpose (every matmul's VJP): no probe tensor
            }
            try {
                return probe(shape).permute(order).shape();
            } catch (IllegalArgumentException e) {
                throw Op.fail(this, in, e.getMessage());
            }
        }

        @Override public boolean isView(Operand[] in) { return true; }
        @Override public Tensor view(Tensor[] in) { return in[0].permute(order); }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) { throw new IllegalStateException("view"); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            int[] inverse = new int[order.length];
            for (int i = 0; i < order.length; i++) inverse[order[i] < 0 ? order[i] + order.length : order[i]] = i;
            return Op.grads(in, g.permute(inverse));
        }
    }

    /** The same elements in row-major order with a new shape; a view when the input is contiguous, else a copy. */
    public record Reshape(int[] target) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Reshape other && Arrays.equals(target, other.target); }
        @Override public int hashCode() { return Arrays.hashCode(target); }
        @Override public String name() { return "reshape"; }
        @Override public String attributes() { return Arrays.toString(target); }

        /** Any dtype: index tensors are reshaped too (autobatching stacks class and word ids). */
        @Override public DType dtype(Operand[] in) { return in[0].dtype(); }

        @Override public int[] shape(Operand[] in) {
            try {
                return Shapes.reshape(in[0].shape(), target);
            } catch (IllegalArgumentException e) {
                throw Op.fail(this, in, e.getMessage());
            }
        }

        @Override public boolean isView(Operand[] in) { return in[0].contiguous(); }
        /** A reshape is a view of a contiguous value only, and then contiguous itself. */
        @Override public boolean isContiguousView(Operand[] in) { return in[0].contiguous(); }
        @Override public Tensor view(Tensor[] in) { return in[0].reshape(target); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor x = in[0];
            Tensor outAsInput = out.reshape(x.shape()); // out is a planned contiguous buffer: this is a view
            return m -> m.copy(x, outAsInput);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, g.reshape(in[0].shape()));
        }
    }

    /** Broadcasts to a larger shape (NumPy rules); a read-only view with stride 0 on stretched dims. */
    public record Expand(int[] target) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Expand other && Arrays.equals(target, other.target); }
        @Override public int hashCode() { return Arrays.hashCode(target); }
        @Override public String name() { return "expand"; }
        @Override public String attributes() { return Arrays.toString(target); }

        @Override public int[] shape(Operand[] in) {
            try {
                probe(in[0].shape()).expand(target);
                return target.clone();
            } catch (IllegalArgumentException e) {
                throw Op.fail(this, in, e.getMessage());
            }
        }

        @Override public boolean isView(Operand[] in) { return true; }
        @Override public Tensor view(Tensor[] in) { return in[0].expand(target); }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) { throw new IllegalStateException("view"); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, Ops.unbroadcast(g, in[0]));
        }
    }

    /** Sums a tensor down to a shape it was broadcast from: the transpose of {@link Expand}. */
    public record SumTo(int[] target) implements Op, Codable {
        @Override public boolean equals(Object o) { return o instanceof SumTo other && Arrays.equals(target, other.target); }
        @Override public int hashCode() { return Arrays.hashCode(target); }
        @Override public String name() { return "sum_to"; }
        @Override public String attributes() { return Arrays.toString(target); }

        @Override public int[] shape(Operand[] in) {
            try {
                probe(target).expand(in[0].shape());
                return target.clone();
            } catch (IllegalArgumentException e) {
                throw Op.fail(this, in, "shape " + Shapes.str(target) + " does not broadcast to the input");
            }
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return Bound.sumTo(math, in[0], out);
        }

        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return code.sumRows(in[0], out); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, out.graph().apply(new Expand(in[0].shape()), g));
        }
    }

    /** NumPy basic indexing ({@link Tensor#slice}); a view. The gradient is scattered back by {@link Scatter}. */
    public record Slice(Index[] index) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Slice other && Arrays.equals(index, other.index); }
        @Override public int hashCode() { return Arrays.hashCode(index); }
        @Override public String name() { return "slice"; }
        @Override public String attributes() { return Arrays.toString(index); }   // [:, 2]

        @Override public int[] shape(Operand[] in) {
            try {
                return Tensor.sliceShape(in[0].shape(), index);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw Op.fail(this, in, e.getMessage());
            }
        }

        @Override public boolean isView(Operand[] in) { return true; }
        @Override public Tensor view(Tensor[] in) { return in[0].slice(index); }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) { throw new IllegalStateException("view"); }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, out.graph().apply(new Scatter(index, in[0].shape()), g));
        }
    }

    /** Zeros of {@code shape} with the input written into the region {@code index} selects: the transpose of {@link Slice}. */
    public record Scatter(Index[] index, int[] shape) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Scatter other && Arrays.equals(index, other.index) && Arrays.equals(shape, other.shape); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(index) + Arrays.hashCode(shape); }
        @Override public String name() { return "scatter"; }
        @Override public String attributes() { return Arrays.toString(index) + " into " + Arrays.toString(shape); }

        @Override public int[] shape(Operand[] in) {
            int[] region = Tensor.sliceShape(shape, index);
            if (!Arrays.equals(region, in[0].shape())) {
                throw Op.fail(this, in, "the region has shape " + Shapes.str(region));
            }
            return shape.clone();
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor g = in[0];
            Tensor region = out.slice(index);
            return m -> {
                m.fill(out, 0);
                m.copy(g, region);
            };
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, g.slice(index));
        }
    }

    /** Joins tensors along an existing axis (other dimensions equal). */
    public record Concat(int axis) implements Op, Codable {
        @Override public String name() { return "concat"; }
        @Override public String attributes() { return "axis=" + axis; }

        @Override public int[] shape(Operand[] in) {
            if (in.length == 0) throw new IllegalArgumentException("concat: no inputs");
            int[] first = in[0].shape();
            int a = axis < 0 ? axis + first.length : axis;
            if (a < 0 || a >= first.length) throw Op.fail(this, in, "axis out of range for rank " + first.length);
            int[] out = first.clone();
            out[a] = 0;
            for (Operand n : in) {
                boolean ok = n.rank() == first.length;
                for (int d = 0; ok && d < first.length; d++) if (d != a && n.dim(d) != first[d]) ok = false;
                if (!ok) throw Op.fail(this, in, "shapes differ outside axis " + a);
                out[a] += n.dim(a);
            }
            return out;
        }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            int a = axis < 0 ? axis + out.rank() : axis;
            Instruction direct = direct(math, null, in, out, a);
            if (direct != null) return direct;
            Tensor[] regions = new Tensor[in.length];
            int start = 0;
            for (int i = 0; i < in.length; i++) {
                regions[i] = out.narrow(a, start, in[i].dim(a));
                start += in[i].dim(a);
            }
            Tensor[] parts = in.clone();
            return m -> {
                for (int i = 0; i < parts.length; i++) m.copy(parts[i], regions[i]);
            };
        }

        /** The block moves of {@link #direct}, coded. */
        @Override public boolean code(Code code, Tensor[] in, Tensor out) {
            return direct(null, code, in, out, axis < 0 ? axis + out.rank() : axis) == Code.CODED;
        }

        /**
         * Few enough blocks (one per input and index before the axis), all contiguous: block moves
         * over the storage arrays instead of a region view per input, the concatenations of a
         * dynamic graph's tree cells being one per internal node. Appended to {@code code} when it is
         * given ({@link Code#CODED} when it took them).
         */
        private static Instruction direct(TensorMath math, Code code, Tensor[] in, Tensor out, int a) {
            int outer = 1, inner = 1;
            for (int d = 0; d < a; d++) outer *= out.dim(d);
            for (int d = a + 1; d < out.rank(); d++) inner *= out.dim(d);
            if ((long) outer * in.length > DIRECT_BLOCKS) return null;
            Tensor[] src = new Tensor[outer * in.length];
            int[] at = new int[3 * src.length];
            int outRow = out.dim(a) * inner;
            for (int o = 0, b = 0; o < outer; o++) {
                int start = 0;
                for (Tensor t : in) {
                    int len = t.dim(a) * inner;
                    src[b] = t;
                    at[3 * b] = t.offset() + o * len;
                    at[3 * b + 1] = out.offset() + o * outRow + start;
                    at[3 * b + 2] = len;
                    start += len;
                    b++;
                }
            }
            return code != null ? Code.blocks(code, out, false, src, at, false) : Bound.blocks(math, out, false, src, at, false);
        }

        /** Past this many blocks a strided copy per input is cheaper than a kernel call per block. */
        private static final int DIRECT_BLOCKS = 64;

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            int a = axis < 0 ? axis + out.rank() : axis;
            V[] grads = Op.noGrads(in, in.length);
            int start = 0;
            for (int i = 0; i < in.length; i++) {
                int n = in[i].dim(a);
                if (needed[i]) grads[i] = g.slice(region(a, start, n));
                start += n;
            }
            return grads;
        }

        private static Index[] region(int axis, int start, int length) {
            Index[] ix = new Index[axis + 1];
            for (int d = 0; d < axis; d++) ix[d] = Index.all();
            ix[axis] = Index.range(start, start + length);
            return ix;
        }
    }

    /** The sum of n nodes of one shape: {@code y = x1 + x2 + ... + xn}, accumulated in order. */
    public record AddN() implements Op, Codable {
        @Override public String name() { return "add_n"; }

        @Override public int[] shape(Operand[] in) {
            if (in.length == 0) throw new IllegalArgumentException("add_n: no terms");
            for (Operand n : in) {
                if (!n.sameShape(in[0])) throw Op.fail(this, in, "terms must have one shape");
            }
            return in[0].shape();
        }

        @Override public boolean bindKeepsInputs() { return false; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            if (in.length == 2) return Bound.binary(math, dev.quiver.kernel.BinaryOp.ADD, in[0], in[1], out); // one kernel call
            Instruction sum = Bound.sum(math, in, out);
            if (sum != null) return sum;
            Instruction[] parts = new Instruction[in.length];
            for (int i = 0; i < in.length; i++) parts[i] = Bound.copy(math, in[i], out, i > 0);
            return m -> {
                for (Instruction part : parts) part.run(m);
            };
        }

        /** Two terms: one kernel call, as bind makes; more: a copy and an accumulating copy per further term. */
        @Override public boolean code(Code code, Tensor[] in, Tensor out) {
            return in.length == 2 ? code.binary(dev.quiver.kernel.BinaryOp.ADD, in[0], in[1], out) : code.sum(in, out);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V[] grads = Op.noGrads(in, in.length);
            for (int i = 0; i < in.length; i++) if (needed[i]) grads[i] = g;
            return grads;
        }
    }

    /** The input's value, treated as a constant by differentiation (a view; its gradient is zero). */
    public record Detach() implements Op {
        @Override public String name() { return "detach"; }
        @Override public int[] shape(Operand[] in) { return in[0].shape(); }
        @Override public boolean isView(Operand[] in) { return true; }
        @Override public Tensor view(Tensor[] in) { return in[0]; }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) { throw new IllegalStateException("view"); }
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) { return Op.noGrads(in, 1); }
    }
}
