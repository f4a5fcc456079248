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
        return (step, base) -> base * Math.pow(factor, (double) (step / every));
    }

    /** {@code base / (1 + decay * step)}. */
    static LearningRateSchedule inverseTime(double decay) {
        return (step, base) -> base / (1 + decay * step);
    }
}
