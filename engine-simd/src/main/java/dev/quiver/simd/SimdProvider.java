package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.BackendProvider;

import java.util.Optional;

/**
 * Provides the Vector API backend ("simd"). Cheap to construct and safe to load on any JVM: it
 * touches no {@code jdk.incubator.vector} class until the module is known to be readable.
 *
 * <p>Unsupported, with the reason, when: the module is not readable (fix: {@code --add-modules
 * jdk.incubator.vector}); the JVM runs without C2 ({@code -Xint}, {@code TieredStopAtLevel < 4},
 * {@code -XX:-UseCompiler}, {@code -XX:-EnableVectorSupport}); the preferred vector is narrower
 * than 128 bits; or {@code -Dquiver.simd.bits} is malformed.
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
        String problem = SimdSettings.environmentProblem();
        if (problem != null) return Optional.of(problem);
        int preferred;
        try {
            preferred = SimdShape.preferredBits();
        } catch (LinkageError e) {
            return Optional.of("the Vector API failed to initialise: " + e);
        }
        if (preferred < 128) {
            return Optional.of("the preferred vector on this CPU is only " + preferred
                    + " bits; SIMD kernels would be slower than scalar ones");
        }
        return Optional.empty();
    }

    @Override
    public Backend create(int threads) {
        String problem = unsupportedReason().orElse(null);
        if (problem != null) throw new IllegalStateException("backend 'simd' cannot load: " + problem);
        return new SimdBackend(threads);
    }
}
