/**
 * Layers: reusable pieces of models that own named parameters and build graph nodes when called
 * ({@link dev.quiver.layers.Linear}, {@link dev.quiver.layers.Embedding},
 * {@link dev.quiver.layers.LstmCell}, {@link dev.quiver.layers.GruCell}, the sequence runners
 * {@link dev.quiver.layers.Recurrent} and {@link dev.quiver.layers.Bidirectional},
 * {@link dev.quiver.layers.MultiHeadAttention}, {@link dev.quiver.layers.LayerNorm},
 * {@link dev.quiver.layers.Dropout}, convolution and pooling, and {@link dev.quiver.layers.Sequential}).
 *
 * <p>A layer's parameters are {@link dev.quiver.graph.Parameter}s created once, in a
 * {@link dev.quiver.layers.Scope} that gives them hierarchical names ({@code encoder.lstm.Wx}),
 * seeds their initialisers from the model's seed and the name, refuses a name used twice, and saves
 * and loads them by name. Calling a layer on a node adds ordinary nodes to that node's graph, so
 * layers work the same in a static graph compiled once and in a graph rebuilt per example (a
 * rebuild with the structure of an earlier one reuses its plan, and autobatching groups the nodes
 * of many examples' layer calls as it groups hand-written ones). There is no global state: the
 * scope is passed to every layer explicitly.
 *
 * <p>Depends on {@code dev.quiver.graph} (nodes and parameters), {@code dev.quiver.tensor},
 * {@code dev.quiver.optim} (initialisers) and {@code dev.quiver.io} (saving by name); nothing
 * below depends on this package.
 */
package dev.quiver.layers;
