package dev.quiver.examples;

import java.nio.file.Path;

/**
 * Opens a {@link TrainingPlot} for {@code --plot FILE} without loading it otherwise: JFreeChart is
 * an optional dependency, and merely linking TrainingPlot needs it, so this class (which refers to
 * no JFreeChart type) is what the examples call.
 */
public final class Plots {
    private Plots() {}

    /**
     * A plot for {@code --plot file}, or null when {@code file} is null.
     *
     * @throws IllegalStateException when JFreeChart is not on the class or module path
     */
    public static TrainingPlot open(Path file, String title, String lossName) {
        if (file == null) return null;
        try {
            return new TrainingPlot(title, lossName);
        } catch (LinkageError e) {
            throw new IllegalStateException("--plot needs JFreeChart (org.jfree:jfreechart, org.jfree:org.jfree.svg) on the "
                    + "class or module path; ./quiver puts them there (" + e + ")");
        }
    }
}
