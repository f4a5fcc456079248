/**
 * What a user would pick instead, measured in the same run: the two-layer step written by hand
 * against OpenBLAS (JavaCPP); PyTorch through DJL lives in {@code src/pytorch} behind
 * {@code -Ppytorch} so the default build stays light.
 */
package dev.quiver.benchmarks.peers;
