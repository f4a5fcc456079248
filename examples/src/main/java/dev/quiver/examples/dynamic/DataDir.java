package dev.quiver.examples.dynamic;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared data directory ({@code ../shared/data} relative to the project root): the
 * system property {@code quiver.data}, else {@code quiver.root}/../shared/data (set by
 * {@code ./quiver}), else {@code ../shared/data} relative to the working directory or one of its
 * parents (so it is found from the project root and from a module directory alike).
 */
public final class DataDir {
    private DataDir() {}

    public static Path locate() {
        String data = System.getProperty("quiver.data");
        if (data != null && !data.isBlank()) return Path.of(data);
        String root = System.getProperty("quiver.root");
        if (root != null && !root.isBlank()) return Path.of(root).resolve("../shared/data").normalize();
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("../shared/data").normalize();
            if (Files.isDirectory(candidate)) return candidate;
        }
        return dir.resolve("../shared/data").normalize();
    }
}
