/**
 * Tensors (storage, shape, strides, views), shape arithmetic, slicing expressions, and eager
 * math ({@link dev.quiver.tensor.TensorMath}) that maps broadcasting ops, reductions, matrix and
 * mode-n products onto a backend's primitive kernels. Depends on {@code dev.quiver.kernel} and
 * {@code dev.quiver.backend}, never on the graph layer.
 */
package dev.quiver.tensor;
