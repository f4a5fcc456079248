package dev.quiver.simd;

import jdk.incubator.vector.VectorShape;

/**
 * The vector shape every SIMD kernel uses, fixed once per process: the preferred shape, or the
 * one forced with {@code -Dquiver.simd.bits} (see {@link SimdSettings}). Kernels build their
 * species from it in {@code static final} fields, so C2 sees constants.
 */
final class SimdShape {
    static final VectorShape SHAPE = shapeFor(SimdSettings.requestedBits());

    private SimdShape() {}

    /** Width of the JVM's preferred vectors on this CPU, in bits. */
    static int preferredBits() {
        return VectorShape.preferredShape().vectorBitSize();
    }

    private static VectorShape shapeFor(int bits) {
        if (bits < 0) {
            throw new IllegalStateException("-D" + SimdSettings.BITS_PROPERTY + "="
                    + System.getProperty(SimdSettings.BITS_PROPERTY) + " is not one of 128, 256, 512");
        }
        return bits == 0 ? VectorShape.preferredShape() : VectorShape.forBitSize(bits);
    }
}
