/**
 * The kernel vocabulary, public: the closed sets of elementwise and reduction functions
 * ({@link dev.quiver.kernel.UnaryOp}, {@link dev.quiver.kernel.BinaryOp},
 * {@link dev.quiver.kernel.ReduceOp}) with their definitions written against
 * {@link dev.quiver.kernel.Algebra} and their float64 references; a composite's
 * {@link dev.quiver.kernel.Formula}; and the primitive kernel surface a backend implements
 * ({@link dev.quiver.kernel.KernelsF64}, its generated float32 twin,
 * {@link dev.quiver.kernel.ConversionKernels}), which the Backend SPI returns, and its
 * dtype-erased view {@link dev.quiver.kernel.FloatingKernels}, the one way engine code outside a
 * twin runs a kernel for a dtype it does not branch on (TensorMath.kernels picks it; binding code
 * in an F64 file takes the typed kernels from it once, {@code typed()}).
 * The code every backend shares to agree bit for bit (Libm, the per-dtype scalar definitions,
 * the canonical sum and GEMM orders, the formula interpreters, the 16-bit conversions) is in
 * {@code dev.quiver.kernel.internal}, the unexported half of this layer.
 * Depends on nothing but java.base and its internal half (the references' float64 arithmetic is
 * the internal {@code ElementwiseF64}; {@code TextAlgebra} prints the definitions).
 */
package dev.quiver.kernel;
