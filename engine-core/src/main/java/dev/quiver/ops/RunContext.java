package dev.quiver.ops;

/**
 * What a compiled step tells the ops bound into it beyond their buffers ({@link Op#bind(dev.quiver.tensor.TensorMath,
 * dev.quiver.tensor.Tensor[], dev.quiver.tensor.Tensor, dev.quiver.tensor.Tensor[], RunContext)}): whether the step
 * trains (fixed at compile time), and its random draw, the counter that random ops (dropout) mix into
 * their streams. The step that owns the context takes the next draw at each forward pass; the backward
 * pass that follows sees the same draw, so a random op can regenerate its forward mask instead of
 * storing it. Read by instructions at run time, allocation-free.
 */
public class RunContext {
    private final boolean training;
    private long draw;

    protected RunContext(boolean training) {
        this.training = training;
    }

    /** A context for binding ops outside a step (tests, eager helpers): training or not, draw 0. */
    public static RunContext of(boolean training) {
        return new RunContext(training);
    }

    /** True in a training step (batch statistics, random masks), false in an evaluation step. */
    public final boolean training() { return training; }

    /** The draw of the current forward pass (and of the backward pass after it). */
    public final long draw() { return draw; }

    /** Sets the current draw (the owning step does, at each forward pass). */
    protected final void setDraw(long value) { draw = value; }
}
