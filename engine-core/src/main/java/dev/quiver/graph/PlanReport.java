package dev.quiver.graph;

/**
 * Memory figures of a compiled plan, in bytes, for the arena buffers (intermediate values,
 * gradients, inputs and workspaces; parameters, their gradients and constants live outside).
 *
 * @param plannedBytes    arena size actually allocated (sum over dtypes)
 * @param naiveBytes      the sum of all buffer sizes (one buffer per value, no sharing)
 * @param lowerBoundBytes the largest set of buffers live at one time: no plan can use less
 * @param buffers         number of planned buffers
 */
public record PlanReport(long plannedBytes, long naiveBytes, long lowerBoundBytes, int buffers) {
    /** plannedBytes / lowerBoundBytes (1.0 is optimal). */
    public double ratioToLowerBound() {
        return lowerBoundBytes == 0 ? 1.0 : (double) plannedBytes / lowerBoundBytes;
    }

    /** The figures without a label: {@code 1024 B planned, 4096 B naive, 1024 B lower bound (1.000x), 3 buffers}. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "%d B planned, %d B naive, %d B lower bound (%.3fx), %d buffers",
                plannedBytes, naiveBytes, lowerBoundBytes, ratioToLowerBound(), buffers);
    }

    /** {@code plan: } and the {@link #summary()}. */
    @Override
    public String toString() {
        return "plan: " + summary();
    }
}
