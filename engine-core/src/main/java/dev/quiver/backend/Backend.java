package dev.quiver.backend;

import dev.quiver.kernel.ConversionKernels;
import dev.quiver.kernel.internal.HalfPrecision;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;

/**
 * A set of primitive kernels for both dtypes. Backends are immutable and thread-safe; a backend
 * with more threads splits large kernels over outputs, never changing a result bit.
 */
public interface Backend {
    /** Short name used by {@code -Dquiver.backend}, e.g. "scalar" or "simd". */
    String name();

    /** Worker threads this backend may use for one kernel call (1 = the caller's thread only). */
    int threads();

    KernelsF64 f64();

    KernelsF32 f32();

    /** Conversions between float32 and the 16-bit storage dtypes; the scalar loops unless a backend has faster ones. */
    default ConversionKernels conversions() {
        return HalfPrecision.SCALAR;
    }

    /** One line describing the backend (vector width, threads) for logs and the demo. */
    default String description() {
        return name() + " (" + threads() + (threads() == 1 ? " thread)" : " threads)");
    }
}
