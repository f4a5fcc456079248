package dev.quiver.ops;

import dev.quiver.ops.internal.ClassCrossEntropy;
import dev.quiver.ops.internal.Rows;

/**
 * Options of softmax cross-entropy with integer class targets ({@link ClassCrossEntropy}):
 * immutable, built from {@link #defaults()} with the {@code with...} methods.
 *
 * <pre>{@code
 * var loss = g.softmaxCrossEntropy(logits, classes,
 *         CrossEntropy.defaults().withIgnoreIndex(0).withLabelSmoothing(0.1));
 * }</pre>
 *
 * @param reduction      {@link Reduction#MEAN} over the counted rows (the default), {@link Reduction#SUM},
 *                       or {@link Reduction#NONE} for one loss per row
 * @param ignoring       whether rows whose class equals {@code ignoreIndex} are ignored
 * @param ignoreIndex    the class of rows that contribute 0 and are not counted in the mean (when
 *                       {@code ignoring}); it may lie outside {@code [0, C)}, e.g. -100 or a padding id
 * @param labelSmoothing eps in [0, 1): the target is {@code (1 - eps) onehot(class) + eps / C}
 */
public record CrossEntropy(Reduction reduction, boolean ignoring, long ignoreIndex, double labelSmoothing) {
    /** How per-row losses are combined. */
    public enum Reduction { MEAN, SUM, NONE }

    private static final CrossEntropy DEFAULTS = new CrossEntropy(Reduction.MEAN, false, 0, 0);

    public CrossEntropy {
        if (reduction == null) throw new IllegalArgumentException("CrossEntropy: reduction must not be null");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("CrossEntropy: label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (!ignoring) ignoreIndex = 0;   // one value per meaning: options compare equal when they act alike
    }

    /** Mean over rows, no ignored class, no smoothing. */
    public static CrossEntropy defaults() { return DEFAULTS; }

    public CrossEntropy withReduction(Reduction r) { return new CrossEntropy(r, ignoring, ignoreIndex, labelSmoothing); }

    /** Rows whose class is {@code index} contribute 0 and are not counted in the mean. */
    public CrossEntropy withIgnoreIndex(long index) { return new CrossEntropy(reduction, true, index, labelSmoothing); }

    public CrossEntropy withoutIgnoreIndex() { return new CrossEntropy(reduction, false, 0, labelSmoothing); }

    public CrossEntropy withLabelSmoothing(double eps) { return new CrossEntropy(reduction, ignoring, ignoreIndex, eps); }

    /** Whether a row with this class is ignored. */
    public boolean ignores(long cls) { return ignoring && cls == ignoreIndex; }

    @Override public String toString() {
        return reduction.name().toLowerCase() + (ignoring ? " ignore=" + ignoreIndex : "")
                + (labelSmoothing != 0 ? " smoothing=" + labelSmoothing : "");
    }
}
