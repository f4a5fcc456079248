package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reverse-mode differentiation as graph building: the gradients of an output are returned as
 * ordinary nodes of the same graph, built from the ops' VJPs ({@link Op#vjp}) in reverse build
 * order, with a value's gradient terms summed by add_n. Being nodes, they can be compiled,
 * combined and differentiated again: Hessian-vector products, gradient penalties, second-order
 * gradient checks. (Training steps do not come through here: {@code Compiler} builds its backward
 * graph with the same VJPs plus its planning extras, row-sparse sinks and stacked products.)
 */
final class Gradients {
    private Gradients() {}

    /**
     * d⟨cotangent, output⟩ / d wrt[i] for each i (a zero constant where the output does not
     * depend on wrt[i]); cotangent has output's shape.
     */
    static Node[] of(Graph g, Node output, Node cotangent, Node[] wrt) {
        g.own("grad", output);
        g.own("grad", cotangent);
        if (!Arrays.equals(cotangent.shapeRef(), output.shapeRef())) {
            throw new IllegalArgumentException("grad: cotangent " + cotangent.describe() + " must have the output's shape "
                    + Shapes.str(output.shapeRef()));
        }
        int end = output.index() + 1;
        List<Node> nodes = g.nodes();
        boolean[] needs = new boolean[end];
        for (Node w : wrt) {
            g.own("grad", w);
            if (w.index() < end) needs[w.index()] = true;
        }
        for (int i = 0; i < end; i++) {
            Node n = nodes.get(i);
            for (int k = 0; k < n.arity(); k++) if (needs[n.input(k).index()]) needs[i] = true;
        }
        @SuppressWarnings("unchecked")
        List<Node>[] terms = new List[end];
        Node[] gradOf = new Node[end];
        terms[output.index()] = new ArrayList<>(List.of(cotangent));
        for (int i = end - 1; i >= 0; i--) {
            if (terms[i] == null || !needs[i]) continue;
            Node n = nodes.get(i);
            Node grad = gradOf[i] = terms[i].size() == 1 ? terms[i].getFirst() : g.addN(terms[i].toArray(new Node[0]));
            if (n.kind() != Node.Kind.OP) continue;
            boolean[] needed = new boolean[n.arity()];
            for (int k = 0; k < needed.length; k++) needed[k] = needs[n.input(k).index()];
            Node[] vjps = n.op().vjp(n.inputsRef(), n, grad, needed);
            for (int k = 0; k < needed.length; k++) {
                if (!needed[k] || vjps[k] == null) continue;
                Node in = n.input(k);
                if (!Arrays.equals(vjps[k].shapeRef(), in.shapeRef())) {
                    throw new IllegalStateException(n.op().name() + ": its VJP for input " + k + " (" + in.describe()
                            + ") has shape " + Shapes.str(vjps[k].shapeRef()) + " (a bug in the op)");
                }
                if (terms[in.index()] == null) terms[in.index()] = new ArrayList<>(2);
                terms[in.index()].add(vjps[k]);
            }
        }
        Node[] out = new Node[wrt.length];
        for (int i = 0; i < wrt.length; i++) {
            Node w = wrt[i];
            Node d = w.index() < end ? gradOf[w.index()] : null;
            out[i] = d != null ? d : g.constant(Tensor.zeros(w.dtype(), w.shape()));
        }
        return out;
    }
}
