package dev.quiver.backend.scalar;

import dev.quiver.backend.Backend;
import dev.quiver.backend.BackendProvider;

import java.util.Optional;

/** Provides the scalar backend: always supported, lowest priority (0), the fallback everywhere. */
public final class ScalarProvider implements BackendProvider {
    static final String NAME = "scalar";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Optional<String> unsupportedReason() {
        return Optional.empty();
    }

    @Override
    public Backend create(int threads) {
        return new ScalarBackend(threads);
    }
}
