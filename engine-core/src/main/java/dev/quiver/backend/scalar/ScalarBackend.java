package dev.quiver.backend.scalar;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Workers;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;

/**
 * The portable backend: plain Java loops that run on any JVM, and the reference every other
 * backend is tested against. Immutable and thread-safe; large GEMMs are split over output tiles
 * on its own {@link Workers}, so results do not depend on the thread count.
 */
public final class ScalarBackend implements Backend {
    private final int threads;
    private final KernelsF64 f64;
    private final KernelsF32 f32;

    public ScalarBackend(int threads) {
        Workers workers = new Workers(threads);
        this.threads = threads;
        this.f64 = new ScalarKernelsF64(workers);
        this.f32 = new ScalarKernelsF32(workers);
    }

    @Override
    public String name() {
        return ScalarProvider.NAME;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public KernelsF64 f64() {
        return f64;
    }

    @Override
    public KernelsF32 f32() {
        return f32;
    }
}
