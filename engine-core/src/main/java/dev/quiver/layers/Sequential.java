package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Layers applied one after another: {@code apply(x) = last(...(first(x)))}. Functions such as
 * {@code Node::tanh} are layers without parameters.
 *
 * <pre>{@code
 * var mlp = Sequential.of(new Linear(model.child("l1"), 784, 256), Node::relu, new Linear(model.child("l2"), 256, 10));
 * Node logits = mlp.apply(x);
 * }</pre>
 */
public final class Sequential implements Layer {
    private final String name;
    private final List<Layer> layers;
    private final List<Parameter> parameters;

    private Sequential(String name, List<Layer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException(Cells.describe("Sequential", name) + ": no layers");
        this.name = name;
        this.layers = List.copyOf(layers);
        List<Parameter> all = new ArrayList<>();
        for (Layer l : layers) for (Parameter p : l.parameters()) if (!all.contains(p)) all.add(p);   // a layer used twice counts once
        this.parameters = Collections.unmodifiableList(all);
    }

    public static Sequential of(Layer... layers) {
        return new Sequential("", List.of(layers));
    }

    /** A named sequence (the name appears in messages; parameters keep the names their layers gave them). */
    public static Sequential of(String name, Layer... layers) {
        return new Sequential(name, List.of(layers));
    }

    @Override public Node apply(Node x) {
        Node y = x;
        for (Layer l : layers) y = l.apply(y);
        return y;
    }

    public List<Layer> layers() { return layers; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "Sequential" + layers; }
}
