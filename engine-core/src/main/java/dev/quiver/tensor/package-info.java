/**
 * Tensors (storage, shape, strides, views), shape arithmetic, slicing expressions, and eager
 * math ({@link dev.quiver.tensor.TensorMath}) that maps broadcasting ops, reductions, matrix and
 * mode-n products onto a backend's primitive kernels. Depends on {@code dev.quiver.kernel} (with its
 * internal half: the 16-bit storage conversions, the canonical sum) and {@code dev.quiver.backend}, never on the graph layer.
 */
package dev.quiver.tensor;
