package dev.quiver.ops;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.kernel.Algebra;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;

/**
 * The op definitions' primitives over graph nodes: a derivative rule written in {@link Algebra}
 * becomes ordinary graph nodes (maps, broadcasting binary ops, ops with a constant, fused
 * kernels), so a backward graph is planned like any other and can be differentiated again.
 * Builds exactly the nodes the graph API would (x * c is one node with a constant, not a
 * constant node and a broadcast).
 */
final class NodeAlgebra implements Algebra<Node> {
    static final NodeAlgebra INSTANCE = new NodeAlgebra();

    private NodeAlgebra() {}

    @Override public Node unary(UnaryOp op, Node x) { return x.graph().map(op, x); }

    @Override public Node binary(BinaryOp op, Node a, Node b) {
        Graph g = a.graph();
        return switch (op) {
            case ADD -> g.add(a, b);
            case SUB -> g.sub(a, b);
            case MUL -> g.mul(a, b);
            case DIV -> g.div(a, b);
            case MIN -> g.min(a, b);
            case MAX -> g.max(a, b);
            case POW -> g.apply(Elementwise.binary(op), a, b);
            default -> g.apply(Elementwise.fused(op), a, b);
        };
    }

    @Override public Node binary(BinaryOp op, Node a, double c) {
        Graph g = a.graph();
        return switch (op) {
            case ADD -> g.add(a, c);
            case MUL -> g.mul(a, c);
            case SUB, DIV, POW -> g.apply(new Elementwise.WithScalar(op, c), a);
            default -> binary(op, a, g.scalar(a.dtype(), c));
        };
    }

    @Override public Node binary(BinaryOp op, double c, Node b) {
        return binary(op, b.graph().scalar(b.dtype(), c), b);
    }
}
