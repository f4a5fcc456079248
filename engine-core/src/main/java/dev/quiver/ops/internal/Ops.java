package dev.quiver.ops.internal;

import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;

import java.util.Arrays;

/** Helpers shared by op units. */
final class Ops {
    private Ops() {}

    /** The gradient of a broadcast: g summed back to {@code like}'s shape (g itself when shapes match). */
    static <V extends Value<V>> V unbroadcast(V g, Operand like) {
        if (g == null) return null;
        if (g.sameShape(like)) return g;   // the common case, without copying either shape
        return g.graph().apply(new Shaping.SumTo(like.shape()), g);
    }

    static int[] axes(String op, int[] axes, int rank) {
        int[] out = new int[axes.length];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank) throw new IllegalArgumentException(op + ": axis " + axes[i] + " out of range for rank " + rank);
            if (seen[a]) throw new IllegalArgumentException(op + ": axis " + axes[i] + " repeated in " + Arrays.toString(axes));
            seen[a] = true;
            out[i] = a;
        }
        Arrays.sort(out);
        return out;
    }
}
