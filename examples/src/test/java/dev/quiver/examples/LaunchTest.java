package dev.quiver.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The library modules work as named JPMS modules and on the plain class path: the demo runs in a
 * child JVM both ways, finds the SIMD backend through the service loader, and a forced backend
 * that cannot load is a clear error.
 */
class LaunchTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String PATH = String.join(java.io.File.pathSeparator,
            ROOT.resolve("engine-core/target/classes").toString(),
            ROOT.resolve("engine-simd/target/classes").toString(),
            ROOT.resolve("examples/target/classes").toString());

    private record Result(int exit, String out) {}

    private static Result java(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void demoRunsOnTheModulePath() throws Exception {
        assertTrue(Files.isDirectory(ROOT.resolve("engine-simd/target/classes")), "build engine-simd first");
        Result r = java("--module-path", PATH, "-m", "dev.quiver.examples/dev.quiver.examples.Demo",
                "--epochs", "2", "--hidden", "8");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("backend:  simd"), r.out());
        assertTrue(r.out().contains("done:"), r.out());
    }

    @Test
    void demoRunsOnTheClassPath() throws Exception {
        Result r = java("--add-modules", "jdk.incubator.vector", "-cp", PATH, "dev.quiver.examples.Demo",
                "--epochs", "2", "--hidden", "8");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("backend:  simd"), r.out());
    }

    @Test
    void withoutTheVectorModuleTheScalarBackendIsChosenWithAReason() throws Exception {
        Result r = java("-cp", PATH, "dev.quiver.examples.Demo", "--epochs", "1", "--hidden", "4");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("backend:  scalar"), r.out());
        assertTrue(r.out().contains("--add-modules jdk.incubator.vector"), r.out());
    }

    @Test
    void aForcedBackendThatCannotLoadIsAClearError() throws Exception {
        Result r = java("-cp", PATH, "-Dquiver.backend=simd", "dev.quiver.examples.Demo", "--epochs", "1");
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.out().startsWith("quiver demo: backend 'simd' cannot load:"), r.out());
        assertTrue(r.out().contains("add --add-modules jdk.incubator.vector"), r.out());
        assertFalse(r.out().contains("Exception"), r.out());
    }

    @Test
    void badOptionsAreOneLineAndExitNonZero() throws Exception {
        Result r = java("-cp", PATH, "dev.quiver.examples.Demo", "--epochs", "zero");
        assertEquals(2, r.exit(), r.out());
        assertEquals("quiver demo: --epochs must be a positive integer, got 'zero'", r.out().strip());
    }

    /** Issue 18: JFreeChart is optional: without it the demo runs, and --plot says what is missing. */
    @Test
    void plotWithoutJFreeChartIsAClearError() throws Exception {
        Result r = java("--module-path", PATH, "-m", "dev.quiver.examples/dev.quiver.examples.Demo",
                "--epochs", "1", "--hidden", "4", "--plot", "never-written.png");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("quiver demo: --plot needs JFreeChart"), r.out());
        assertFalse(Files.exists(Path.of("never-written.png")));
    }

    /**
     * Issue 18: {@code ./quiver demo} rebuilds only when a source changed since its last build (a
     * file's modification time after the stamp), never for files under target/. Run on a copy of
     * the launcher in a fake tree, with the times set explicitly (no clock, no Maven).
     */
    @Test
    void theLauncherRebuildsOnlyWhenASourceChanged(@org.junit.jupiter.api.io.TempDir Path tree) throws Exception {
        Path launcher = tree.resolve("quiver");
        Files.copy(ROOT.resolve("quiver"), launcher);
        for (String dir : new String[] {".mvn", "engine-core/src/main/java", "engine-simd/src", "examples/src", "examples/target",
                "engine-core/target"}) {
            Files.createDirectories(tree.resolve(dir));
        }
        Path source = Files.writeString(tree.resolve("engine-core/src/main/java/A.java"), "class A {}");
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        Path output = Files.writeString(tree.resolve("engine-core/target/A.class"), "");
        var t0 = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        var t1 = java.nio.file.attribute.FileTime.fromMillis(1_000_000_100_000L);
        var t2 = java.nio.file.attribute.FileTime.fromMillis(1_000_000_200_000L);
        Files.setLastModifiedTime(source, t0);
        Files.setLastModifiedTime(tree.resolve("pom.xml"), t0);
        assertEquals("stale", stale(launcher), "never built");
        Path stamp = Files.writeString(tree.resolve("examples/target/.quiver-built"), "");
        Files.setLastModifiedTime(stamp, t1);
        assertEquals("fresh", stale(launcher), "built after the last change");
        Files.setLastModifiedTime(output, t2);
        assertEquals("fresh", stale(launcher), "a newer build output is no change");
        Files.setLastModifiedTime(source, t2);
        assertEquals("stale", stale(launcher), "an engine source changed");
    }

    private static String stale(Path launcher) throws Exception {
        Process p = new ProcessBuilder("sh", launcher.toString(), "stale", "examples").redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
