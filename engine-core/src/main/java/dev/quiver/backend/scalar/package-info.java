/**
 * The scalar backend: plain-Java implementations of every primitive kernel for both dtypes, the
 * fallback that runs on any JVM and the oracle other backends are tested against. Depends only on
 * {@code dev.quiver.kernel} (with its internal half, the shared scalar definitions) and
 * {@code dev.quiver.backend}.
 */
package dev.quiver.backend.scalar;
