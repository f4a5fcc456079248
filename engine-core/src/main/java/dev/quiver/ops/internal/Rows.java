package dev.quiver.ops.internal;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whole rows (slices along axis 0) moved between tensors by a pattern fixed at build time: the
 * plumbing of autobatching, which stacks the rows of many small values into one operand and hands
 * each member its rows back, and of the compiler, which sums the gradients of many row slices of
 * one value in one pass. Both ops copy maximal runs of consecutive rows as blocks.
 */
public final class Rows {
    private Rows() {}

    /**
     * {@code out[r] = sources[source[r]][row[r]]}, or a zero row where {@code row[r] < 0}: inputs are
     * the sources (one dtype, rank >= 1, equal trailing dimensions), the result has
     * {@code source.length} rows. VJP for source s: {@link Scatter} of the rows taken from s.
     */
    public record Gather(int[] source, int[] row) implements Op, Codable {
        public Gather {
            if (source.length != row.length) throw new IllegalArgumentException("rows: source and row patterns differ in length");
        }

        @Override public boolean equals(Object o) { return o instanceof Gather g && Arrays.equals(source, g.source) && Arrays.equals(row, g.row); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(source) + Arrays.hashCode(row); }
        @Override public String name() { return "gather_rows"; }
        @Override public String attributes() { return row.length + " rows"; }

        @Override public DType dtype(Operand[] in) {
            for (Operand n : in) if (n.dtype() != in[0].dtype()) throw Op.fail(this, in, "sources have different dtypes");
            return in[0].dtype();
        }

        @Override public int[] shape(Operand[] in) {
            int[] first = trailing(this, in);
            for (int r = 0; r < row.length; r++) {
                if (row[r] < 0) continue;
                if (source[r] < 0 || source[r] >= in.length || row[r] >= in[source[r]].dim(0)) {
                    throw Op.fail(this, in, "row " + r + " reads row " + row[r] + " of source " + source[r]);
                }
            }
            int[] out = first.clone();
            out[0] = row.length;
            return out;
        }

        @Override public boolean bindKeepsInputs() { return false; }

        /** The block moves of {@code direct}, coded. */
        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return direct(null, code, in, out) == Code.CODED; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Instruction direct = direct(math, null, in, out);
            if (direct != null) return direct;
            List<Instruction> parts = new ArrayList<>();
            for (int r = 0; r < row.length; ) {
                int end = r + 1;
                while (end < row.length && (row[r] < 0 ? row[end] < 0
                        : source[end] == source[r] && row[end] == row[r] + (end - r))) end++;
                Tensor dst = out.rows(r, end);
                if (row[r] < 0) {
                    parts.add(m -> m.fill(dst, 0));
                } else {
                    Tensor src = in[source[r]].rows(row[r], row[r] + end - r);
                    parts.add(m -> m.copy(src, dst));
                }
                r = end;
            }
            return Bound.sequence(parts);
        }

        /** The same runs as block moves over the storage arrays (no row views), when every tensor is contiguous. */
        private Instruction direct(TensorMath math, Code code, Tensor[] in, Tensor out) {
            int rowSize = rowSize(out), blocks = 0;
            for (int r = 0; r < row.length; r = runEnd(r)) blocks++;
            Tensor[] src = new Tensor[blocks];
            int[] at = new int[3 * blocks];
            for (int r = 0, b = 0; r < row.length; b++) {
                int end = runEnd(r);
                if (row[r] >= 0) {
                    src[b] = in[source[r]];
                    at[3 * b] = src[b].offset() + row[r] * rowSize;
                }
                at[3 * b + 1] = out.offset() + r * rowSize;
                at[3 * b + 2] = (end - r) * rowSize;
                r = end;
            }
            return code != null ? Code.blocks(code, out, false, src, at, false) : Bound.blocks(math, out, false, src, at, false);
        }

        /** The end of the maximal run of rows from r that one block moves (consecutive rows of one source, or zero rows). */
        private int runEnd(int r) {
            int end = r + 1;
            while (end < row.length && (row[r] < 0 ? row[end] < 0 : source[end] == source[r] && row[end] == row[r] + (end - r))) end++;
            return end;
        }

        /**
         * Per source, a scatter of only the span of g's rows that read it (a source that none read
         * gets no gradient): an autobatched group's gather reads from every earlier group, and a
         * pattern over all of g's rows per source made building and binding the backward pass
         * O(sources x rows) per gather.
         */
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V[] grads = Op.noGrads(in, in.length);
            int[] first = new int[in.length], end = new int[in.length];
            Arrays.fill(first, -1);
            for (int r = 0; r < row.length; r++) {
                int s = source[r];
                if (row[r] < 0) continue;
                if (first[s] < 0) first[s] = r;
                end[s] = r + 1;
            }
            for (int s = 0; s < in.length; s++) {
                if (!needed[s] || first[s] < 0) continue;
                int a = first[s], b = end[s];
                int[] to = new int[b - a];
                for (int r = a; r < b; r++) to[r - a] = source[r] == s ? row[r] : -1;
                V part = a == 0 && b == row.length ? g : g.slice(Index.range(a, b));
                grads[s] = out.graph().apply(new Scatter(new int[][] {to}, in[s].dim(0)), part);
            }
            return grads;
        }
    }

    /**
     * {@code out = 0}, then {@code out[rows[j][r]] += inputs[j][r]} for every input j and row r with
     * {@code rows[j][r] >= 0}, in that order (repeated rows accumulate deterministically): the sum
     * of many row-slice gradients of one value, written in one pass instead of one full-size
     * buffer per slice. Floating inputs with equal trailing dimensions; the result has
     * {@code outRows} rows. VJP for input j: {@link Gather} of its rows.
     */
    public record Scatter(int[][] rows, int outRows) implements Op, Codable {
        @Override public boolean equals(Object o) { return o instanceof Scatter s && outRows == s.outRows && Arrays.deepEquals(rows, s.rows); }
        @Override public int hashCode() { return 31 * Arrays.deepHashCode(rows) + outRows; }
        @Override public String name() { return "scatter_rows"; }
        @Override public String attributes() { return rows.length + " parts into " + outRows + " rows"; }

        @Override public int[] shape(Operand[] in) {
            if (in.length != rows.length) throw Op.fail(this, in, rows.length + " row patterns for " + in.length + " inputs");
            int[] first = trailing(this, in);
            for (int j = 0; j < in.length; j++) {
                if (rows[j].length != in[j].dim(0)) throw Op.fail(this, in, "input " + j + " has " + in[j].dim(0) + " rows, its pattern " + rows[j].length);
                for (int r : rows[j]) if (r >= outRows) throw Op.fail(this, in, "row " + r + " outside " + outRows + " rows");
            }
            int[] out = first.clone();
            out[0] = outRows;
            return out;
        }

        @Override public boolean bindKeepsInputs() { return false; }

        /** The block moves of {@code direct}, coded. */
        @Override public boolean code(Code code, Tensor[] in, Tensor out) { return direct(null, code, in, out) == Code.CODED; }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Instruction direct = direct(math, null, in, out);
            if (direct != null) return direct;
            List<Instruction> parts = new ArrayList<>();
            parts.add(m -> m.fill(out, 0));
            for (int j = 0; j < in.length; j++) {
                int[] to = rows[j];
                for (int r = 0; r < to.length; ) {
                    int end = r + 1;
                    if (to[r] < 0) {
                        r = end;
                        continue;
                    }
                    while (end < to.length && to[end] == to[r] + (end - r)) end++;
                    parts.add(Bound.copy(math, in[j].rows(r, end), out.rows(to[r], to[r] + end - r), true));
                    r = end;
                }
            }
            return Bound.sequence(parts);
        }

        /**
         * The same accumulation as block moves over the storage arrays, when every tensor is
         * contiguous: a compiler's sum of many row-slice gradients (one part per slice of a
         * dynamic graph's embedding table) would otherwise bind a closure and two row views per part.
         */
        private Instruction direct(TensorMath math, Code code, Tensor[] in, Tensor out) {
            int rowSize = rowSize(out), blocks = 0;
            for (int[] to : rows) for (int r = 0; r < to.length; r = runEnd(to, r)) if (to[r] >= 0) blocks++;
            Tensor[] src = new Tensor[blocks];
            int[] at = new int[3 * blocks];
            int b = 0;
            for (int j = 0; j < in.length; j++) {
                int[] to = rows[j];
                for (int r = 0; r < to.length; ) {
                    int end = runEnd(to, r);
                    if (to[r] >= 0) {
                        src[b] = in[j];
                        at[3 * b] = in[j].offset() + r * rowSize;
                        at[3 * b + 1] = out.offset() + to[r] * rowSize;
                        at[3 * b + 2] = (end - r) * rowSize;
                        b++;
                    }
                    r = end;
                }
            }
            return code != null ? Code.blocks(code, out, true, src, at, true) : Bound.blocks(math, out, true, src, at, true);
        }

        /** The end of the run of rows from r that go to consecutive rows of out (a negative row is a run of one). */
        private static int runEnd(int[] to, int r) {
            int end = r + 1;
            if (to[r] < 0) return end;
            while (end < to.length && to[end] == to[r] + (end - r)) end++;
            return end;
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V[] grads = Op.noGrads(in, in.length);
            for (int j = 0; j < in.length; j++) {
                if (needed[j]) grads[j] = out.graph().apply(new Gather(new int[rows[j].length], rows[j]), g);
            }
            return grads;
        }
    }

    /** Elements per row of a tensor whose rows the ops move (the product of its trailing dimensions). */
    private static int rowSize(Tensor t) {
        int n = 1;
        for (int d = 1; d < t.rank(); d++) n *= t.dim(d);
        return n;
    }

    /** The inputs' common shape with dimension 0 left as the first input's; refused unless rank >= 1 and the rest agree. */
    private static int[] trailing(Op op, Operand[] in) {
        if (in.length == 0) throw new IllegalArgumentException(op.name() + ": no inputs");
        int[] first = in[0].shape();
        if (first.length == 0) throw Op.fail(op, in, "rows need rank >= 1");
        for (Operand n : in) {
            int[] s = n.shape();
            if (s.length != first.length || !Arrays.equals(s, 1, s.length, first, 1, first.length)) {
                throw Op.fail(op, in, "inputs differ outside axis 0 (" + Shapes.str(s) + " vs " + Shapes.str(first) + ")");
            }
        }
        return first;
    }
}
