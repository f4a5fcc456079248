package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.tensor.Index;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/** Helpers the layers share: the names in messages, gate columns, and the checks of inputs. */
final class Cells {
    private Cells() {}

    /** The message prefix of a refused input: the layer's kind and name. */
    static String describe(String kind, String name) {
        return name.isEmpty() ? kind : kind + " '" + name + "'";
    }

    /**
     * Columns [from, to) of the last axis of a row block [B, n] or a vector [n] (a view). A cell
     * keeps one per gate block, so a step's slices reuse its index arrays instead of building
     * them again at every step of every sentence.
     */
    record Columns(Index[] ofVector, Index[] ofRows) {
        static Columns of(int from, int to) {
            return new Columns(new Index[] {range(from, to)}, new Index[] {all(), range(from, to)});
        }

        Node of(Node x) {
            return x.slice(x.rank() == 1 ? ofVector : ofRows);
        }
    }

    /** Refuses a projected step input that is not [B, gates] or [gates]. */
    static void checkProjected(String kind, String name, Node projected, int gates) {
        if (projected.rank() < 1 || projected.rank() > 2 || projected.dim(-1) != gates) {
            throw new IllegalArgumentException(Cells.describe(kind, name) + ": a step's projected input " + projected.describe()
                    + " must be [B, " + gates + "] or [" + gates + "] (the cell's project() of a step's input)");
        }
    }

    /** Refuses a previous state whose h (or c) does not match the step's rows. */
    static void checkState(String kind, String name, Node projected, Node state, String which, int hidden) {
        boolean ok = state.rank() == projected.rank() && state.dim(-1) == hidden && (state.rank() == 1 || state.dim(0) == projected.dim(0));
        if (!ok) {
            String want = projected.rank() == 1 ? "[" + hidden + "]" : "[" + projected.dim(0) + ", " + hidden + "]";
            throw new IllegalArgumentException(Cells.describe(kind, name) + ": previous state " + which + " " + state.describe()
                    + " must be " + want + " for the step input " + projected.describe());
        }
    }

    /** Refuses an input whose last dimension is not the cell's input size. */
    static void checkInput(String kind, String name, Node xs, int in) {
        if (xs.rank() == 0 || xs.dim(-1) != in) {
            throw new IllegalArgumentException(Cells.describe(kind, name) + ": input " + xs.describe() + " must have a last dimension of "
                    + in + " (shape [..., " + in + "])");
        }
    }

    /** {@code xs W + b} for xs of any rank >= 1, as one GEMM over its rows. */
    static Node project(Node xs, Node W, Node b) {
        int in = xs.dim(-1);
        Node y;
        if (xs.rank() <= 2) {
            y = xs.matmul(W);
        } else {
            int[] s = xs.shape();
            int rows = xs.size() / in;
            s[s.length - 1] = W.dim(1);
            y = xs.reshape(rows, in).matmul(W).reshape(s);
        }
        return y.add(b);
    }
}
