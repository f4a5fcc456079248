package dev.quiver.backend;

import java.util.Optional;

/**
 * Service-provider interface for backends, found with {@link java.util.ServiceLoader}. A provider
 * is cheap to construct: it only answers whether its backend can run here and how much it is
 * preferred; the backend itself is built by {@link #create(int)} only when selected.
 */
public interface BackendProvider {
    /** The name users select with {@code -Dquiver.backend=<name>}. */
    String name();

    /** Higher wins in automatic selection (the scalar backend has 0). */
    int priority();

    /** Empty when the backend can run in this JVM, else the reason it cannot and how to fix it. */
    Optional<String> unsupportedReason();

    /** Builds the backend; only called when {@link #unsupportedReason()} is empty. */
    Backend create(int threads);
}
