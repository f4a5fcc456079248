package dev.quiver.simd;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Workers;
import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;

/**
 * The Vector API backend: {@link SimdKernelsF64} and {@link SimdKernelsF32} sharing one pool of
 * {@link Workers}. Immutable and thread-safe. Build it through {@link SimdProvider} (or
 * {@code Backends.create("simd", threads)}), which first checks that the Vector API can run.
 */
public final class SimdBackend implements Backend {
    private final Workers workers;
    private final SimdKernelsF64 f64;
    private final SimdKernelsF32 f32;

    SimdBackend(int threads) {
        this.workers = new Workers(threads);
        this.f64 = new SimdKernelsF64(workers);
        this.f32 = new SimdKernelsF32(workers);
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int threads() {
        return workers.threads();
    }

    @Override
    public KernelsF64 f64() {
        return f64;
    }

    @Override
    public KernelsF32 f32() {
        return f32;
    }

    /** The Vector API conversions ({@link SimdConversions}), bit for bit the scalar ones. */
    @Override
    public ConversionKernels conversions() {
        return SimdConversions.INSTANCE;
    }

    /** Vector width in bits used by every kernel of this process. */
    public static int vectorBits() {
        return SimdShape.SHAPE.vectorBitSize();
    }

    @Override
    public String description() {
        return "simd (" + vectorBits() + "-bit vectors"
                + (SimdSettings.requestedBits() > 0 ? " forced by -D" + SimdSettings.BITS_PROPERTY : "")
                + ", " + threads() + (threads() == 1 ? " thread)" : " threads)");
    }
}
