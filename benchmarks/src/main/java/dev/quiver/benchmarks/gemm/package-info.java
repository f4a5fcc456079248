/**
 * JMH benchmarks of the SIMD backend's GEMM and mode-n product, with OpenBLAS (through JavaCPP,
 * from native buffers and from Java arrays) and EJML measured as peers in the same run. Every
 * benchmark reports a {@code flop} counter in flop/ns, i.e. GFLOP/s. Depends on engine-core,
 * engine-simd and the peers (benchmark-only dependencies).
 */
package dev.quiver.benchmarks.gemm;
