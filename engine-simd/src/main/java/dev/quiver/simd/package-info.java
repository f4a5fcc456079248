/**
 * The Vector API backend: {@link dev.quiver.simd.SimdProvider} (the service, safe to load on any
 * JVM), {@link dev.quiver.simd.SimdBackend}, and the elementwise, reduction and fill kernels
 * ({@code SimdKernelsF64}, generated {@code SimdKernelsF32}); GEMM lives in {@code gemm}.
 * May depend on {@code dev.quiver.core} (the kernel contract, Workers) and
 * {@code jdk.incubator.vector}; only the provider and {@code SimdSettings} must stay free of
 * Vector API classes. The vector width comes from {@code -Dquiver.simd.bits=128|256|512}
 * (tests) or else the preferred species.
 */
package dev.quiver.simd;
