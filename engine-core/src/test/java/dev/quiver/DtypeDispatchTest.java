package dev.quiver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dtype dispatch happens in one place, read from the sources: a floating dtype selects its twin
 * kernels through {@code DType.pick} (for the primitive kernels, {@code TensorMath.kernels}), so
 * no file of engine-core calls {@code DType.floating} or names {@code Floating.F64}/{@code F32} to
 * branch into hand-written typed arms, except DType itself. A family of typed loops (an F64 file
 * and its generated twin) exposes an erased view both implement ({@code VIEW}); the op picks one
 * with {@code DType.pick} at binding.
 */
class DtypeDispatchTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/quiver");
    private static final Pattern BRANCH = Pattern.compile("\\.floating\\(|\\bFloating\\.F(64|32)\\b");

    /** Where the dispatch is defined. */
    private static final Set<String> DISPATCH = Set.of("tensor/DType.java");

    static Set<String> branching() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(files.size() > 100, "the scan found the sources: " + files.size());
        Set<String> out = new TreeSet<>();
        for (Path f : files) {
            String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            if (BRANCH.matcher(code).find()) out.add(SOURCES.relativize(f).toString().replace('\\', '/'));
        }
        return out;
    }

    @Test
    void noDtypeBranchOutsideTheDispatch() throws IOException {
        Set<String> found = branching();
        assertTrue(found.containsAll(DISPATCH), "the dispatch itself is found: " + found);
        List<String> unexpected = new ArrayList<>();
        for (String f : found) if (!DISPATCH.contains(f)) unexpected.add(f);
        assertEquals(List.of(), unexpected, "files branching on DType.floating by hand: pick a twin view with DType.pick "
                + "(primitive kernels: TensorMath.kernels) instead");
    }
}
