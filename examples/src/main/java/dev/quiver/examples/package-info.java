/**
 * The runnable demo ({@code ./quiver demo}): {@link dev.quiver.examples.Demo} trains the lecture's
 * two-layer network or the SVM; {@link dev.quiver.examples.Dataset} makes or reads the data
 * (spirals, blobs, CSV, MNIST IDX); {@link dev.quiver.examples.Options} is its command line.
 * Depends only on engine-core's public API (the SIMD backend is found at run time).
 */
package dev.quiver.examples;
