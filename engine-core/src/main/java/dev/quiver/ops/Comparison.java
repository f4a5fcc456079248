package dev.quiver.ops;

/**
 * The elementwise comparisons of {@code Graph.compare} (a BOOL result), IEEE semantics: NaN
 * compares false, except NE. Public on its own because the graph's API takes it while the op
 * that runs it is internal.
 */
public enum Comparison { LT, LE, GT, GE, EQ, NE }
