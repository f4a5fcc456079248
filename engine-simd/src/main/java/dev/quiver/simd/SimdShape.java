package dev.quiver.simd;

import jdk.incubator.vector.VectorShape;

/**
 * The vector shape every SIMD kernel uses, fixed once per process: the preferred shape, or the
 * one forced with {@code -Dquiver.simd.bits} (see {@link SimdSettings}). Kernels build their
 * species from it in {@code static final} fields, so C2 sees constants.
 */
final class SimdShape {
    static final VectorShape SHAPE = shapeFor(SimdSettings.requestedBits());
    /**
     * The shape of the memory-bound binary kernels (add, sub, mul, div): at most 256 bits. Java
     * arrays are not 64-byte aligned, so a 512-bit access splits a cache line on nearly every
     * load and store, a 256-bit one on every other. Measured on Zen 4 (ElementwiseBench, float32,
     * simd backend, two runs each): add 1M 6.1 vs 5.7 elem/ns, mul 1M 6.5 vs 5.4, add 16M 2.07
     * vs 1.79, add 64K 8.5 vs 8.1; the arithmetic is far from any compute limit at either width.
     */
    static final VectorShape STREAM_SHAPE = SHAPE.vectorBitSize() > 256 ? VectorShape.S_256_BIT : SHAPE;

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
