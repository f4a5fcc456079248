/**
 * Training pieces: optimisers updating {@link dev.quiver.graph.Parameter}s in place with
 * preallocated state ({@link dev.quiver.optim.Sgd}, {@link dev.quiver.optim.Adam}), a
 * learning-rate schedule hook, and seeded initialisers ({@link dev.quiver.optim.Init}).
 * {@code step()} allocates nothing. Optimiser state is exposed as named tensors plus a step
 * counter so checkpoints can save and restore it bit-exactly. The update kernels of a
 * parameter's dtype ({@code Updates}: {@code UpdatesF64} or its generated twin, scalars erased to
 * double) are picked once per parameter when the optimiser is built, with {@code DType.pick}.
 *
 * <p>Depends on {@code dev.quiver.graph} (Parameter only), {@code dev.quiver.tensor} and
 * {@code dev.quiver.kernel}; never on a backend.
 */
package dev.quiver.optim;
