/**
 * The primitive kernel surface every backend implements ({@link dev.quiver.kernel.KernelsF64},
 * its generated float32 twin) and the closed sets of elementwise and reduction functions with
 * their float64 reference definitions, plus {@code ElementwiseF64} (and its float32 twin): the
 * same functions in each dtype's own arithmetic, shared by every backend's scalar paths.
 * Depends on nothing but java.base.
 */
package dev.quiver.kernel;
