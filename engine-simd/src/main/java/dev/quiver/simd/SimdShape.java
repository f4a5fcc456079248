package dev.quiver.simd;

import jdk.incubator.vector.VectorShape;

/**
 * The one vector shape of the SIMD backend, fixed once per process: the preferred shape, or the
 * one forced with {@code -Dquiver.simd.bits} (see {@link SimdSettings}). Every kernel (maps,
 * binary ops, reductions, conversions, the libm, every GEMM path) builds its float, double and
 * int species from it in {@code static final} fields, so C2 sees constants; the conversions'
 * shorts, widened to as many int lanes, are the only other shape (half of it), and the only
 * shape of {@code ShortVector} used.
 *
 * <p>Why one: with two shapes of one element type in a process (512-bit kernels beside 256-bit
 * binary kernels and a 256-bit GEMM dot path, as before), the JDK's shared {@code FloatVector}
 * and {@code DoubleVector} methods see two receiver classes, their type profiles are polluted,
 * and a kernel C2 recompiles can inline the wrong class's methods and leave the vector store
 * intrinsic out of line: it then boxes a vector per store, for the rest of the JVM's life (seen
 * as 50 KB per call of a packed GEMM, and as the intermittent allocation of SimdNoAllocationTest).
 * With one shape the profiles hold one class, whatever C2 compiles in whatever order.
 *
 * <p>Public only so that the GEMM package reads the same constant; not part of the API.
 */
public final class SimdShape {
    /** The shape of every vector in the backend (shorts: see the class comment). */
    public static final VectorShape SHAPE = shapeFor(SimdSettings.requestedBits());

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
