/**
 * The property kit: seeded generators with integrated shrinking ({@link dev.quiver.check.kit.Gen},
 * {@link dev.quiver.check.kit.Gens}, {@link dev.quiver.check.kit.TensorGens},
 * {@link dev.quiver.check.kit.GraphGens}), the JUnit 5 runner ({@link dev.quiver.check.kit.Property}:
 * tries, shrinking, seeds, coverage), run settings ({@code -Dquiver.tries}, {@code -Pdeep},
 * {@code -Dquiver.seed}) and per-dtype error bounds ({@link dev.quiver.check.kit.Tolerance}).
 *
 * <p>Published as the {@code tests} module's main jar. Depends on JUnit 5 (for dynamic tests) and
 * on engine-core's public API (tensors, and the graph builder for random graphs); nothing in the
 * engine depends on it.
 */
package dev.quiver.check.kit;
