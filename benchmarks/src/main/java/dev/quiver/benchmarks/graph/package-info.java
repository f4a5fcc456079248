/**
 * Graph-level JMH benchmarks: per-op overhead on the lecture's tiny exercises and full training
 * steps of the two-layer network (static and dynamic graphs), per backend; peers in
 * {@code dev.quiver.benchmarks.peers}. Run with {@code -prof gc} to see bytes per step.
 */
package dev.quiver.benchmarks.graph;
