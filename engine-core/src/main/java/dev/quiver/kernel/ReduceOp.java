package dev.quiver.kernel;

/** Reductions of a strided run of elements to one value. The empty sum is 0; MAX and MIN of nothing are -inf and +inf. */
public enum ReduceOp {
    SUM, MAX, MIN,
    /** Sum of squares (for norms). */
    SUM_SQUARES;

    /** The value of the reduction over zero elements. */
    public double identity() {
        return switch (this) {
            case SUM, SUM_SQUARES -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
    }
}
