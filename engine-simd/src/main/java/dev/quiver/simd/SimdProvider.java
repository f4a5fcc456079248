package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.BackendProvider;

import java.util.Optional;

/**
 * Provides the Vector API backend. Cheap to construct and safe to load on any JVM: it touches no
 * {@code jdk.incubator.vector} class until {@link #create(int)}.
 */
public final class SimdProvider implements BackendProvider {
    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Optional<String> unsupportedReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.of("the Vector API module is not loaded; add --add-modules jdk.incubator.vector");
        }
        return Optional.of("not yet implemented");
    }

    @Override
    public Backend create(int threads) {
        throw new UnsupportedOperationException("the simd backend is not implemented yet");
    }
}
