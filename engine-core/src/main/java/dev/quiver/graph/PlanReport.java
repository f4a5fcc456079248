package dev.quiver.graph;

/**
 * Memory figures of a compiled plan, in bytes, for the arena buffers (intermediate values,
 * gradients, inputs and workspaces; parameters, their gradients and constants live outside).
 *
 * @param plannedBytes    arena size actually allocated (sum over dtypes)
 * @param naiveBytes      the sum of all buffer sizes (one buffer per value, no sharing)
 * @param lowerBoundBytes the largest set of buffers live at one time: no plan can use less
 * @param buffers         number of planned buffers
 * @param forwardKernels  instructions in the forward schedule (views run none)
 * @param backwardKernels instructions in the backward schedule, gradient copy-outs excluded
 * @param unbatchedKernels with autobatching, the forward instructions the graph as built would
 *                        have run; -1 without autobatching
 * @param gatheredElements with autobatching, the elements its row gathers copy per forward pass
 *                        (inputs of a group that did not already lie contiguously)
 * @param fusedNodes      backward nodes that run a fused kernel in place of a pattern of primitives
 *                        ({@link CompileOptions#withFusion}); 0 with fusion off
 */
public record PlanReport(long plannedBytes, long naiveBytes, long lowerBoundBytes, int buffers, int forwardKernels,
                         int backwardKernels, int unbatchedKernels, long gatheredElements, int fusedNodes) {
    /** A report of memory figures only. */
    public PlanReport(long plannedBytes, long naiveBytes, long lowerBoundBytes, int buffers) {
        this(plannedBytes, naiveBytes, lowerBoundBytes, buffers, 0, 0, -1, 0, 0);
    }

    /** plannedBytes / lowerBoundBytes (1.0 is optimal). */
    public double ratioToLowerBound() {
        return lowerBoundBytes == 0 ? 1.0 : (double) plannedBytes / lowerBoundBytes;
    }

    /** The figures without a label: {@code 1024 B planned, 4096 B naive, 1024 B lower bound (1.000x), 3 buffers}. */
    public String summary() {
        String memory = String.format(java.util.Locale.ROOT, "%d B planned, %d B naive, %d B lower bound (%.3fx), %d buffers",
                plannedBytes, naiveBytes, lowerBoundBytes, ratioToLowerBound(), buffers);
        String kernels = String.format(java.util.Locale.ROOT, "; %d forward + %d backward kernels", forwardKernels, backwardKernels);
        if (fusedNodes > 0) kernels += String.format(java.util.Locale.ROOT, " (%d fused)", fusedNodes);
        if (unbatchedKernels >= 0) {
            kernels += String.format(java.util.Locale.ROOT, " (autobatched: %d forward kernels as built, %d elements gathered)",
                    unbatchedKernels, gatheredElements);
        }
        return memory + kernels;
    }

    /** {@code plan: } and the {@link #summary()}. */
    @Override
    public String toString() {
        return "plan: " + summary();
    }
}
