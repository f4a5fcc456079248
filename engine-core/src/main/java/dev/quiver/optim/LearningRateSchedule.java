package dev.quiver.optim;

/**
 * The learning rate for a step: called once per {@link Optimizer#step()} with the number of steps
 * taken so far (0 for the first) and the base rate. Must not allocate.
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double rate(long step, double baseRate);

    /** The base rate, unchanged. */
    static LearningRateSchedule constant() { return (step, base) -> base; }

    /** {@code base * factor^(step / every)}: step decay. */
    static LearningRateSchedule stepDecay(long every, double factor) {
        if (every <= 0) throw new IllegalArgumentException("stepDecay: every must be positive, got " + every);
        if (!(factor >= 0) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("stepDecay: factor must be >= 0 and finite, got " + factor);
        }
        return (step, base) -> base * Math.pow(factor, (double) (step / every));
    }

    /** {@code base / (1 + decay * step)}. */
    static LearningRateSchedule inverseTime(double decay) {
        if (!(decay >= 0) || !Double.isFinite(decay)) {
            throw new IllegalArgumentException("inverseTime: decay must be >= 0 and finite, got " + decay);
        }
        return (step, base) -> base / (1 + decay * step);
    }
}
