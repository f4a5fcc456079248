package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;

import java.util.List;

/**
 * One step of a recurrent network, split so that a sequence costs one GEMM for its inputs: the
 * input part of every step, {@link #project} ({@code x W_x + b} for all steps' rows at once), and
 * then per step {@link #advance}, which adds the recurrent part and applies the gates. The
 * {@link Recurrent} and {@link Bidirectional} runners drive a cell over a sequence; {@link #step}
 * is one step from a raw input. States are rows: {@code [B, hidden]} for inputs {@code [B, in]}
 * ({@code B = 1} per example in a dynamic graph), or vectors {@code [hidden]} for inputs {@code [in]}.
 */
public interface RecurrentCell {
    /**
     * A cell's state after a step: the output {@code h} and, for an LSTM, the memory {@code c}
     * (null for a GRU). A null state stands for zeros (the usual start), and costs no nodes.
     */
    record State(Node h, Node c) {}

    /** The cell's full name (its scope's). */
    String name();

    /** The cell's parameters, in creation order. */
    List<Parameter> parameters();

    int inputSize();

    int hiddenSize();

    /** The input part of the gates for every row of {@code xs} ({@code [..., in] -> [..., gates]}). */
    Node project(Node xs);

    /** One step from the projected input {@code [B, gates]} (or {@code [gates]}) and the previous state, null for zeros. */
    State advance(Node projected, State previous);

    /** One step from the input {@code x} ({@code [B, in]} or {@code [in]}) and the previous state, null for zeros. */
    default State step(Node x, State previous) {
        return advance(project(x), previous);
    }
}
