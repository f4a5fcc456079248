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

    @Override
    public String toString() {
        return String.format("plan: %d B planned, %d B naive, %d B lower bound (%.3fx), %d buffers",
                plannedBytes, naiveBytes, lowerBoundBytes, ratioToLowerBound(), buffers);
    }
}
