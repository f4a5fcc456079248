package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of optimisers: updates parameters in place from their {@link Parameter#grad() gradients},
 * with all state preallocated at construction so that {@link #step()} allocates nothing.
 *
 * <p>State for checkpoints: {@link #state()} maps stable names ("W/momentum", "W/m", ...) to the
 * state tensors themselves (write into them to restore), and {@link #stepCount()} /
 * {@link #setStepCount(long)} give the counter; together they restore an optimiser bit-exactly.
 */
public abstract class Optimizer {
    protected final List<Parameter> parameters;
    protected final TensorMath math;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    private double learningRate;
    private LearningRateSchedule schedule = LearningRateSchedule.constant();
    private long steps;

    protected Optimizer(List<Parameter> parameters, double learningRate, TensorMath math) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be positive and finite, got " + learningRate);
        }
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.math = math;
    }

    /** Registers a zero state tensor shaped like {@code p} under "name/suffix". */
    protected final Tensor newState(Parameter p, String suffix) {
        Tensor t = Tensor.zeros(p.value().dtype(), p.value().shape());
        String key = p.name() + "/" + suffix;
        if (state.containsKey(key)) throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter name '"
                + p.name() + "' appears twice");
        state.put(key, t);
        return t;
    }

    /** One update of every parameter from its current gradient. Allocates nothing. */
    public final void step() {
        double lr = schedule.rate(steps, learningRate);
        update(lr, steps + 1);
        steps++;
    }

    /** Applies one update with this rate; {@code t} is the 1-based number of this step. */
    protected abstract void update(double lr, long t);

    public List<Parameter> parameters() { return parameters; }

    public double learningRate() { return learningRate; }

    public void setLearningRate(double lr) { this.learningRate = lr; }

    /** Sets the schedule hook consulted at every step (default: constant). */
    public Optimizer schedule(LearningRateSchedule s) {
        this.schedule = s;
        return this;
    }

    /** Steps taken so far. */
    public long stepCount() { return steps; }

    /** Restores the step counter (with {@link #state()}, a checkpoint restore). */
    public void setStepCount(long steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0");
        this.steps = steps;
    }

    /** The state tensors by name, live (not copies), in a stable order. */
    public Map<String, Tensor> state() { return Collections.unmodifiableMap(state); }
}
