/**
 * Gradient checking: {@link dev.quiver.check.GradCheck} compares the gradients a compiled graph's
 * backward pass computes with central finite differences in float64, element by element or along
 * a random direction, and names the op whose derivative rule is wrong.
 *
 * <p>Depends on {@code dev.quiver.graph} (it compiles and runs graphs like any user) and
 * {@code dev.quiver.tensor}; nothing in the engine depends on it.
 */
package dev.quiver.check;
