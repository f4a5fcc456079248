/**
 * BLIS-style GEMM on the Vector API ({@code GemmF64}, and {@code GemmF32} generated from it by
 * tools/twins): packing, cache blocking, a register-blocked micro-kernel, a small-matrix path, a
 * dot-product path for narrow outputs (n below a vector, as in a 10-class layer), shared-operand batches (mode-n products) and a static multi-thread partition. Depends only on
 * jdk.incubator.vector and dev.quiver.backend (Workers); the SIMD backend calls into it.
 */
package dev.quiver.simd.gemm;
