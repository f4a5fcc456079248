package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import java.util.List;

/**
 * A layer with one input and one output: {@link #apply} adds the layer's nodes to the input's
 * graph and returns the output node. Calling a layer twice, in one graph or in two, reuses the
 * same parameters. Any {@code Node -> Node} function is a layer without parameters, so
 * {@code Node::tanh} can stand between two {@link Linear}s in a {@link Sequential}.
 *
 * <p>Shapes are checked when {@code apply} runs, i.e. while the graph is built: a wrong input is
 * an {@link IllegalArgumentException} naming the layer, the node and both shapes.
 */
@FunctionalInterface
public interface Layer {
    /** The layer's nodes on {@code x}, in {@code x}'s graph. */
    Node apply(Node x);

    /** The layer's full name (its scope's), {@code ""} for a function without parameters. */
    default String name() { return ""; }

    /** The parameters this layer (and any layer inside it) reads, each once, in creation order. */
    default List<Parameter> parameters() { return List.of(); }
}
