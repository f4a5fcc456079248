/**
 * JMH benchmarks of the non-GEMM kernels (maps, fused ops, reductions) per backend, with a copy
 * loop as the bandwidth baseline. Depends on engine-core and, through ServiceLoader, engine-simd.
 */
package dev.quiver.benchmarks.kernels;
