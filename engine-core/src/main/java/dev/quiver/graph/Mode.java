package dev.quiver.graph;

/**
 * Whether a compiled step trains or evaluates, for the ops that behave differently
 * (batch normalisation: batch statistics and running-statistic updates in {@link #TRAIN}, the
 * running statistics in {@link #EVAL}; dropout: a random mask in {@link #TRAIN}, the identity in
 * {@link #EVAL}). The mode belongs to the compiled step, chosen by {@link CompileOptions#mode()}:
 * {@code CompileOptions.training()} trains, {@code CompileOptions.inferenceOnly()} evaluates, and
 * {@link CompileOptions#withMode} overrides either (an evaluation step with gradients, say). One
 * graph compiled twice gives a training step and an evaluation step side by side; there is no
 * global switch.
 */
public enum Mode { TRAIN, EVAL }
