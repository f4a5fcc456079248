package dev.quiver.graph;

import dev.quiver.ops.internal.Shaping;
import dev.quiver.tensor.Index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gradient terms of a value read as slices of one axis ({@code gates[:, 0:H]}, {@code gates[:, H:2H]},
 * ..., the gates of an LSTM or TreeLSTM cell), kept aside during differentiation. When the slices
 * tile the axis (disjoint, together covering it) the value's gradient is their concatenation:
 * one pass writing each element once, where each slice's VJP (a scatter into a zeroed value-sized
 * buffer) and the sum of those buffers read and wrote the whole value once per slice. Slices that
 * do not tile the axis get the VJP they had.
 */
final class SliceTerms {
    /** Per node index: the gradients of its slices, and each slice's axis, start and stop. */
    private List<Node>[] grads;
    private List<int[]>[] spans;

    boolean has(int node) { return grads != null && node < grads.length && grads[node] != null; }

    /**
     * Keeps {@code grad} aside as the gradient of the slice of {@code value} that {@code slice}
     * selects, when that is a step-1 range of one axis with every other axis whole; {@code nodes}
     * is the number of nodes a node index may reach.
     */
    @SuppressWarnings("unchecked")
    boolean offer(Node value, Shaping.Slice slice, Node grad, int nodes) {
        int[] span = span(slice.index(), value.shapeRef());
        if (span == null) return false;
        if (grads == null) {
            grads = new List[nodes];
            spans = new List[nodes];
        }
        int node = value.index();
        if (grads[node] == null) {
            grads[node] = new ArrayList<>(4);
            spans[node] = new ArrayList<>(4);
        }
        grads[node].add(grad);
        spans[node].add(span);
        return true;
    }

    /**
     * {@code node}'s slice terms as one gradient: the concatenation when they tile their axis, else
     * the sum of their scatters; {@code rest} (the other terms' sum, or null) added.
     */
    Node sum(Graph g, int node, Node value, Node rest) {
        if (!has(node)) return rest;
        List<Node> parts = grads[node];
        List<int[]> at = spans[node];
        Integer[] order = new Integer[parts.size()];
        for (int k = 0; k < order.length; k++) order[k] = k;
        Arrays.sort(order, (x, y) -> Integer.compare(at.get(x)[1], at.get(y)[1]));
        int axis = at.get(order[0])[0], end = 0;
        boolean tiles = true;
        for (int k : order) {
            int[] s = at.get(k);
            tiles &= s[0] == axis && s[1] == end;
            end = s[2];
        }
        tiles &= end == value.shapeRef()[axis];
        Node placed;
        if (tiles) {
            Node[] sorted = new Node[order.length];
            for (int k = 0; k < order.length; k++) sorted[k] = parts.get(order[k]);
            placed = sorted.length == 1 ? sorted[0] : g.concat(axis, sorted);
        } else {
            Node[] scattered = new Node[parts.size()];
            for (int k = 0; k < scattered.length; k++) scattered[k] = g.apply(new Shaping.Scatter(index(at.get(k), value.rank()), value.shapeRef()), parts.get(k));
            placed = scattered.length == 1 ? scattered[0] : g.addN(scattered);
        }
        return rest == null ? placed : g.add(rest, placed);
    }

    /** {@code {axis, start, stop}} when {@code index} selects a step-1 range of one axis of {@code shape}, every other axis whole. */
    private static int[] span(Index[] index, int[] shape) {
        if (index.length != shape.length) return null;
        int axis = -1, start = 0, stop = 0;
        for (int d = 0; d < index.length; d++) {
            if (!(index[d] instanceof Index.Range r) || r.step() != 1) return null;
            int a = r.start() < 0 ? r.start() + shape[d] : r.start();
            int b = r.stop() < 0 ? r.stop() + shape[d] : Math.min(r.stop(), shape[d]);
            if (a == 0 && b == shape[d]) continue;
            if (axis >= 0 || a < 0 || a >= b) return null;
            axis = d;
            start = a;
            stop = b;
        }
        return axis < 0 ? null : new int[] {axis, start, stop};
    }

    /** The slice index of a span, for the scatter a span that does not tile gets. */
    private static Index[] index(int[] span, int rank) {
        Index[] ix = new Index[rank];
        Arrays.fill(ix, Index.all());
        ix[span[0]] = Index.range(span[1], span[2]);
        return ix;
    }
}
