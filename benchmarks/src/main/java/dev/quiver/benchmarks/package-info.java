/** The JMH suite: kernels and training steps, per backend, with peers measured in the same run. */
package dev.quiver.benchmarks;
