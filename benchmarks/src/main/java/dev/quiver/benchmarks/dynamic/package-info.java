/**
 * Dynamic graphs, a new structure every step (issue 12): {@link dev.quiver.benchmarks.dynamic.TreeLstmBench}
 * and {@link dev.quiver.benchmarks.dynamic.RnnLmBench} run one training step of the examples' models
 * on real data (PyTorch through DJL runs the same models in {@code PyTorchTreeLstmBench} and
 * {@code PyTorchRnnLmBench} under -Ppytorch); {@link dev.quiver.benchmarks.dynamic.DynamicGraphBench}
 * measures build + compile + forward + backward per node over graph sizes.
 */
package dev.quiver.benchmarks.dynamic;
