package dev.quiver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's package layering, read from the sources: every reference from one package of
 * engine-core to another (imports and qualified names) must be one the table below allows, and
 * the table has no cycle. ops sits below graph: an op's rules are written against ops' own
 * Operand (shape rules) and Value/Builder (derivative rules), which graph's Node and Graph
 * implement, and Op, its Instruction and RunContext live in ops; graph names the ops in its
 * fluent API and compiler rewrites. A new edge fails here, naming the file: allow it in the table
 * and in the package's package-info (without closing a cycle), or remove it.
 *
 * <p>A package {@code p.internal} is the unexported half of layer {@code p} (the split is for the
 * module's exports, not for layering: the public enums' reference definitions call the internal
 * kernels and the kernels switch on the enums), so the cycle check runs on layers, the two halves
 * as one; which other layers may reach an internal half is still listed edge by edge.
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.quiver\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]");

    /** Package (below dev.quiver) -> the packages it may use. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("kernel", Set.of("kernel.internal")),
            Map.entry("kernel.internal", Set.of("kernel")),
            Map.entry("backend", Set.of("kernel", "kernel.internal")),
            Map.entry("backend.scalar", Set.of("backend", "kernel", "kernel.internal")),
            Map.entry("tensor", Set.of("backend", "kernel", "kernel.internal")),
            Map.entry("io", Set.of("tensor")),
            Map.entry("ops", Set.of("ops.internal", "kernel", "tensor")),
            Map.entry("ops.internal", Set.of("ops", "kernel", "kernel.internal", "tensor")),
            Map.entry("graph", Set.of("ops", "ops.internal", "kernel", "tensor")),
            Map.entry("optim", Set.of("graph", "kernel", "tensor")),
            Map.entry("check", Set.of("graph", "tensor")),
            Map.entry("layers", Set.of("graph", "io", "ops", "optim", "tensor")));

    /** Package -> (used package -> one file that uses it). */
    static Map<String, Map<String, String>> dependencies() throws IOException {
        Map<String, Map<String, String>> deps = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES.resolve("dev/quiver"))) {
            files = walk.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).toList();
        }
        for (Path f : files) {
            String pkg = SOURCES.resolve("dev/quiver").relativize(f.getParent()).toString().replace('/', '.');
            Matcher m = REFERENCE.matcher(Files.readString(f));
            Map<String, String> uses = deps.computeIfAbsent(pkg, k -> new TreeMap<>());
            while (m.find()) if (!m.group(1).equals(pkg)) uses.putIfAbsent(m.group(1), f.getFileName().toString());
        }
        return deps;
    }

    @Test
    void everyReferenceBetweenPackagesIsAllowed() throws IOException {
        Map<String, Map<String, String>> deps = dependencies();
        assertTrue(deps.size() >= ALLOWED.size(), "the scan found the packages: " + deps.keySet());
        List<String> unexpected = new ArrayList<>();
        for (var e : deps.entrySet()) {
            Set<String> allowed = ALLOWED.get(e.getKey());
            if (allowed == null) {
                unexpected.add("package dev.quiver." + e.getKey() + " is not in the layering table");
                continue;
            }
            for (var use : e.getValue().entrySet()) {
                if (!allowed.contains(use.getKey())) {
                    unexpected.add(e.getKey() + " -> " + use.getKey() + " (in " + use.getValue() + ")");
                }
            }
        }
        assertEquals(List.of(), unexpected, "package references outside the layering");
    }

    @Test
    void noPackageCycle() {
        // Cycles of the allowed table itself (so the table cannot quietly admit one); the sources'
        // references are a subset of the table (the test above), so they have none either.
        Map<String, Set<String>> layers = new TreeMap<>();
        for (var e : ALLOWED.entrySet()) {
            Set<String> uses = layers.computeIfAbsent(layer(e.getKey()), k -> new TreeSet<>());
            for (String used : e.getValue()) if (!layer(used).equals(layer(e.getKey()))) uses.add(layer(used));
        }
        Set<String> inCycles = new TreeSet<>();
        for (String p : layers.keySet()) if (reaches(layers, p, p, new TreeSet<>())) inCycles.add(p);
        assertEquals(Set.of(), inCycles, "layers on a dependency cycle");
    }

    /** The layer of a package: itself, its internal half folded into it. */
    static String layer(String pkg) {
        return pkg.endsWith(".internal") ? pkg.substring(0, pkg.length() - ".internal".length()) : pkg;
    }

    private static boolean reaches(Map<String, Set<String>> graph, String from, String target, Set<String> seen) {
        for (String next : graph.getOrDefault(from, Set.of())) {
            if (next.equals(target)) return true;
            if (seen.add(next) && reaches(graph, next, target, seen)) return true;
        }
        return false;
    }
}
