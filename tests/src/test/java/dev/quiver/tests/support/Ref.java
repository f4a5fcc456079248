package dev.quiver.tests.support;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;

import java.util.ArrayList;
import java.util.List;

/** Plain-loop reference helpers shared by the properties: index arithmetic written out, no engine code. */
public final class Ref {
    private Ref() {}

    /** Row-major multi-index of flat position i in shape. */
    public static int[] unravel(int i, int[] shape) {
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return index;
    }

    /** The index into an operand of this shape that NumPy broadcasting reads for result index idx. */
    public static int[] broadcastIndex(int[] idx, int[] operandShape) {
        int lead = idx.length - operandShape.length;
        int[] out = new int[operandShape.length];
        for (int d = 0; d < operandShape.length; d++) out[d] = operandShape[d] == 1 ? 0 : idx[lead + d];
        return out;
    }

    /** Every available backend, each with 1 and 2 threads (thread counts must not change results). */
    public static List<Backend> backends() {
        List<Backend> out = new ArrayList<>();
        for (String name : Backends.available()) {
            out.add(Backends.create(name, 1));
            out.add(Backends.create(name, 2));
        }
        return out;
    }

    public static String label(Backend b) {
        return b.name() + "x" + b.threads();
    }
}
