/**
 * The kernel layer's implementation, not part of the API: exported only to {@code dev.quiver.simd},
 * whose kernels must reproduce these bit for bit. {@code Libm} (exp, log, tanh, sigmoid from
 * operations the Vector API has lane for lane), {@code ElementwiseF64} and its twin (each
 * function in the dtype's own arithmetic, every backend's scalar path and tail),
 * {@code FormulaF64} and its twin (a composite's formula run over primitive kernels in blocks),
 * {@code CanonicalSum} and {@code CanonicalGemmF64}/{@code F32} (the summation orders that make
 * results independent of vector width and backend), {@code HalfPrecision} (F16/BF16 conversions,
 * the scalar {@code ConversionKernels}), {@code TextAlgebra} (definitions as text) and
 * {@code FloatingKernelsF64} and its twin (the dtype-erased view of a backend's typed kernels).
 *
 * <p>A subpackage rather than package-private classes because the scalar backend, tensor and the
 * op implementations in other packages of this module use them; {@code internal} next to its
 * public half (rather than one {@code dev.quiver.internal} tree) because the two are one layer:
 * the public enums' references call these kernels and the kernels switch on the enums, which
 * PackageLayersTest allows within a layer only.
 * Depends on {@code dev.quiver.kernel} and java.base only.
 */
package dev.quiver.kernel.internal;
