package dev.quiver.graph;

import dev.quiver.ops.RunContext;

/**
 * The {@link RunContext} of a compiled step: its {@link Mode}, and the counter of random draws,
 * advanced at each forward pass.
 */
final class StepContext extends RunContext {
    private final Mode mode;
    private long next;

    StepContext(Mode mode) {
        super(mode == Mode.TRAIN);
        this.mode = mode;
    }

    Mode mode() { return mode; }

    /** Starts a forward pass: the next draw becomes the current one. */
    void advance() {
        setDraw(next++);
    }

    long nextDraw() { return next; }

    void setNextDraw(long value) { next = value; }
}
