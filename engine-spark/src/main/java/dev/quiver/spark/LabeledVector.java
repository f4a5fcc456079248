package dev.quiver.spark;

import java.io.Serializable;

/** One example for {@link Mlp}: a feature vector and a class. */
public record LabeledVector(float[] features, int label) implements Serializable {}
