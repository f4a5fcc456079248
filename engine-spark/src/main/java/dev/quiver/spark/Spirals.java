package dev.quiver.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The demo's data: {@code classes} interleaved noisy spirals in 2-D (as the examples module's), deterministic for a seed. */
public final class Spirals {
    private Spirals() {}

    public static List<LabeledVector> make(int perClass, int classes, double noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<LabeledVector> out = new ArrayList<>(perClass * classes);
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                double r = (double) (i + 1) / perClass;
                double gauss = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
                double theta = 2 * Math.PI * c / classes + 4.0 * r + noise * gauss;
                out.add(new LabeledVector(new float[] {(float) (r * Math.sin(theta)), (float) (r * Math.cos(theta))}, c));
            }
        }
        return out;
    }
}
