/**
 * The backend SPI ({@link dev.quiver.backend.BackendProvider}, {@link dev.quiver.backend.Backend}),
 * run-time selection ({@link dev.quiver.backend.Backends}) and the worker pool backends split
 * large kernels on. Depends only on {@code dev.quiver.kernel} (and its internal half for the default
 * scalar conversions).
 */
package dev.quiver.backend;
