package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable snapshot of a node taken at compile time (the shape array is shared: node shapes are never mutated). A {@link Step} keeps these instead of
 * the nodes, because a graph that is {@link Graph#reset() reset} recycles its node objects.
 */
record NodeInfo(int index, Node.Kind kind, DType dtype, int[] shape, String name, Op op, Parameter parameter,
                Tensor constant, int[] inputs) {
    static NodeInfo of(Node n) {
        int[] ins = new int[n.arity()];
        for (int k = 0; k < ins.length; k++) ins[k] = n.input(k).index();
        // A data constant's value is not part of the structure: keep no reference to it.
        Tensor constant = Graph.isData(n.constant()) ? null : n.constant();
        return new NodeInfo(n.index(), n.kind(), n.dtype(), n.shapeRef(), n.name(), n.op(), n.parameter(), constant, ins);
    }

    /** As {@link Node#describe()} of the node this snapshot was taken from (built only for messages). */
    String describe() {
        String label = name != null ? "'" + name + "'" : (op != null ? op.name() : kind.name().toLowerCase()) + "#" + index;
        return label + " " + Shapes.str(shape);
    }

    int rank() { return shape.length; }

    int size() { return Shapes.size(shape); }

    /** Same structure as a live node (allocates nothing). */
    boolean sameAs(Node n) {
        boolean sameConstant = constant != null ? n.constant() == constant : n.constant() == null || Graph.isData(n.constant());
        if (n.kind() != kind || n.dtype() != dtype || n.parameter() != parameter || !sameConstant
                || n.arity() != inputs.length || !Arrays.equals(n.shapeRef(), shape) || !Objects.equals(n.name(), name)
                || !Objects.equals(n.op(), op)) {
            return false;
        }
        for (int k = 0; k < inputs.length; k++) if (n.input(k).index() != inputs[k]) return false;
        return true;
    }
}
