package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.graph.RowSet;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of optimisers: updates parameters in place from their {@link Parameter#grad() gradients},
 * with all state preallocated at construction so that {@link #step()} allocates nothing.
 *
 * <p><b>Which parameters a step updates.</b> Only those whose gradient was written since this
 * optimiser last updated them: every backward pass (and {@link Parameter#markGradientWritten()})
 * advances a parameter's {@link Parameter#gradientVersion()}, and a step skips a parameter whose
 * version is the one it last applied. So with dynamic graphs, a parameter absent from the current
 * step's graph keeps its value and its state (momentum, Adam moments) instead of receiving its
 * stale gradient again. Code that writes {@code grad()} by hand must call
 * {@code markGradientWritten()}.
 *
 * <p><b>Row-sparse gradients.</b> When a parameter's gradient is row-sparse
 * ({@link Parameter#sparseRows()} is not null: it was read only through lookups), a step updates
 * only those rows, each with the same kernels as a dense update. Semantics are lazy, as PyTorch's
 * {@code SparseAdam} and DyNet's sparse updates: an untouched row's value and state are neither
 * decayed nor moved (see {@link Sgd} and {@link Adam} for each rule). The row set is left as it
 * is (the next backward pass resets it).
 *
 * <p>State for checkpoints: {@link #state()} maps stable names ("W/momentum", "W/m", ...) to the
 * state tensors themselves (write into them to restore), and {@link #stepCount()} /
 * {@link #setStepCount(long)} give the counter; together they restore an optimiser bit-exactly.
 */
public abstract class Optimizer {
    protected final List<Parameter> parameters;
    protected final TensorMath math;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    /** Per parameter, the gradient version the last update applied (0: none yet, as a fresh parameter's). */
    private final long[] appliedVersion;
    /** Per parameter, the update kernels of its dtype, picked once here (a parameter's dtype is fixed). */
    final Updates[] updates;
    private double learningRate;
    private LearningRateSchedule schedule = LearningRateSchedule.constant();
    private long steps;

    protected Optimizer(List<Parameter> parameters, double learningRate, TensorMath math) {
        String name = getClass().getSimpleName();
        checkRate(name, learningRate);
        if (parameters.isEmpty()) throw new IllegalArgumentException(name + ": no parameters to optimise");
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        for (Parameter p : parameters) {
            if (p == null) throw new IllegalArgumentException(name + ": null parameter");
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' is listed twice");
            }
            if (!p.value().dtype().isFloating()) {
                throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' is " + p.value().dtype()
                        + "; only F32 and F64 parameters can be optimised");
            }
        }
        this.parameters = List.copyOf(parameters);
        this.appliedVersion = new long[this.parameters.size()];
        this.learningRate = learningRate;
        this.math = math;
        Updates u64 = new UpdatesF64(math.backend().f64()), u32 = new UpdatesF32(math.backend().f32());
        this.updates = new Updates[this.parameters.size()];
        for (int i = 0; i < updates.length; i++) updates[i] = this.parameters.get(i).value().dtype().pick(name, u64, u32);
    }

    private static void checkRate(String optimizer, double lr) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException(optimizer + ": learning rate must be positive and finite, got " + lr);
        }
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

    /**
     * One update of every parameter whose gradient was written since its last update (see the
     * class comment), of only the written rows when its gradient is row-sparse. Allocates nothing.
     */
    public final void step() {
        double lr = schedule.rate(steps, learningRate);
        if (!(lr >= 0) || lr == Double.POSITIVE_INFINITY) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the learning-rate schedule gave " + lr + " for step "
                    + steps + " (base rate " + learningRate + "); a rate must be >= 0 and finite. No parameter was changed");
        }
        if (clipValue > 0 || clipNorm > 0) clip();
        long t = steps + 1;
        begin(lr, t);
        for (int i = 0, count = appliedVersion.length; i < count; i++) {
            Parameter p = parameters.get(i);
            long version = p.gradientVersion();
            if (version == appliedVersion[i]) continue;     // not written since: not in this step's graph
            appliedVersion[i] = version;
            RowSet rows = p.sparseRows();
            if (rows == null) {
                update(i, p, 0, p.value().size());
            } else {
                int rowLength = p.value().size() / p.value().dim(0);
                for (int r = 0, n = rows.size(); r < n; r++) update(i, p, rows.row(r) * rowLength, rowLength);
            }
        }
        steps++;
    }

    // ------------------------------------------------------------------ gradient clipping

    private double clipNorm, clipValue;
    private double lastNorm = Double.NaN;
    /** The factor of the current step's norm clipping. */
    private double clipScale;

    /**
     * Clips by global norm before every step (PyTorch's {@code clip_grad_norm_}): when the Euclidean
     * norm of all the gradients the step will apply (dense gradients whole, row-sparse ones over
     * their touched rows) exceeds {@code maxNorm}, every one of them is scaled in place by
     * {@code maxNorm / (norm + 1e-6)}. {@code 0} turns it off. The norm is {@link #lastGradientNorm()}.
     */
    public Optimizer clipByGlobalNorm(double maxNorm) {
        if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) throw new IllegalArgumentException(getClass().getSimpleName()
                + ": the maximum gradient norm must be >= 0 and finite, got " + maxNorm);
        this.clipNorm = maxNorm;
        return this;
    }

    /**
     * Clamps every gradient element the step will apply to {@code [-maxValue, maxValue]} in place
     * before every step (PyTorch's {@code clip_grad_value_}); with {@link #clipByGlobalNorm} too, the
     * values are clamped first. {@code 0} turns it off.
     */
    public Optimizer clipByValue(double maxValue) {
        if (!(maxValue >= 0) || !Double.isFinite(maxValue)) throw new IllegalArgumentException(getClass().getSimpleName()
                + ": the maximum gradient value must be >= 0 and finite, got " + maxValue);
        this.clipValue = maxValue;
        return this;
    }

    /** The global gradient norm the last step measured before clipping by norm (NaN before, or when not clipping by norm). */
    public double lastGradientNorm() { return lastNorm; }

    /** The gradients the next update will apply: value clamp, then norm measure and scale. Allocates nothing. */
    private void clip() {
        if (clipValue > 0) {
            clipPass(0);
        }
        if (clipNorm > 0) {
            double sq = clipPass(1);
            lastNorm = Math.sqrt(sq);
            if (lastNorm > clipNorm) {
                clipScale = clipNorm / (lastNorm + 1e-6);
                clipPass(2);
            }
        }
    }

    /** One pass over the gradient ranges the step will apply: 0 clamps, 1 sums squares (returned), 2 scales. */
    private double clipPass(int what) {
        double sum = 0;
        for (int i = 0, count = appliedVersion.length; i < count; i++) {
            Parameter p = parameters.get(i);
            if (p.gradientVersion() == appliedVersion[i]) continue;
            RowSet rows = p.sparseRows();
            if (rows == null) {
                sum += clipRange(what, updates[i], p.grad(), 0, p.value().size());
            } else {
                int rowLength = p.value().size() / p.value().dim(0);
                for (int r = 0, n = rows.size(); r < n; r++) sum += clipRange(what, updates[i], p.grad(), rows.row(r) * rowLength, rowLength);
            }
        }
        return sum;
    }

    private double clipRange(int what, Updates u, Tensor g, int from, int n) {
        switch (what) {
            case 0 -> u.clamp(g, from, n, -clipValue, clipValue);
            case 1 -> { return u.sumOfSquares(g, from, n); }
            default -> u.scale(g, from, n, clipScale);
        }
        return 0;
    }

    /**
     * Called once at the start of every step, before any {@link #update}, with the step's rate and
     * its 1-based number {@code t} (counting every step, whichever parameters it updates).
     */
    protected abstract void begin(double lr, long t);

    /**
     * Updates elements {@code [from, from + n)} (row-major) of parameter {@code i} and of its state
     * from its gradient, with the rate and step number given to {@link #begin}: the whole parameter,
     * or one touched row of a row-sparse gradient.
     */
    protected abstract void update(int i, Parameter p, int from, int n);

    public List<Parameter> parameters() { return parameters; }

    public double learningRate() { return learningRate; }

    /** Sets the base rate (positive and finite). */
    public void setLearningRate(double lr) {
        checkRate(getClass().getSimpleName(), lr);
        this.learningRate = lr;
    }

    /** Sets the schedule hook consulted at every step (default: constant). */
    public Optimizer schedule(LearningRateSchedule s) {
        if (s == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": schedule must not be null");
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
