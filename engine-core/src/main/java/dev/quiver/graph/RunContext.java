package dev.quiver.graph;

/**
 * What a compiled step tells the ops bound into it beyond their buffers ({@link Op#bind(dev.quiver.tensor.TensorMath,
 * dev.quiver.tensor.Tensor[], dev.quiver.tensor.Tensor, dev.quiver.tensor.Tensor[], RunContext)}): the step's
 * {@link Mode}, fixed at compile time, and its random draw, the counter that random ops (dropout) mix
 * into their streams. Each {@link Step#forward()} takes the next draw; the backward pass that follows
 * sees the same draw, so a random op can regenerate its forward mask instead of storing it.
 * One per step; read by instructions at run time, allocation-free.
 */
public final class RunContext {
    private final Mode mode;
    private long draw;
    private long next;

    RunContext(Mode mode) {
        this.mode = mode;
    }

    /** A context for binding ops outside a step (tests, eager helpers): the given mode, draw 0. */
    public static RunContext of(Mode mode) {
        return new RunContext(mode);
    }

    public Mode mode() { return mode; }

    /** The draw of the current forward pass (and of the backward pass after it). */
    public long draw() { return draw; }

    /** Starts a forward pass: the next draw becomes the current one. */
    void advance() {
        draw = next++;
    }

    long nextDraw() { return next; }

    void setNextDraw(long value) { next = value; }
}
