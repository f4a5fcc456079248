package dev.quiver.examples.dynamic;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CI's share of {@code tools/repro-matrix}: the same short training ({@link Repro}: a static-graph
 * MLP and a dynamic tree RNN) in four fresh JVMs, three on the SIMD backend, which between them
 * change every knob that used to change the bits - JIT tier (C2 / C1 only / interpreter only),
 * vector width (the preferred one / 128 / 512 bits) and thread count (2 / 1 / 1) - and one on the
 * scalar backend (whose GEMM used to round differently), must end with bitwise-identical
 * parameters (the same hashes). The full matrix is in the README.
 */
class ReproMatrixTest {
    @Test
    void sameParametersInFreshJvmsAcrossJitTiersWidthsAndThreads() throws Exception {
        String c2 = run("simd", "-Dquiver.threads=2");
        String c1 = run("simd", "-XX:TieredStopAtLevel=1", "-Dquiver.simd.bits=128", "-Dquiver.threads=1");
        String interpreted = run("simd", "-Xint", "-Dquiver.simd.bits=512", "-Dquiver.threads=1");
        String scalar = run("scalar", "-Dquiver.threads=2");
        assertEquals(c2, c1, "C2 at the preferred width with 2 threads vs C1 at 128 bits with 1 thread");
        assertEquals(c2, interpreted, "C2 at the preferred width with 2 threads vs the interpreter at 512 bits with 1 thread");
        assertEquals(c2, scalar, "the SIMD backend vs the scalar backend (C2, 2 threads each)");
    }

    /** The "static=... dynamic=..." part of Repro's line, from a fresh JVM on the given backend. */
    private static String run(String backend, String... jvmOptions) throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> path = new ArrayList<>();
        for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) path.add(value);
        }
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-Dquiver.backend=" + backend, "-Dquiver.simd.withoutC2=true", "-XX:+UseSerialGC", "-Xmx256m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", String.join(File.pathSeparator, path), Repro.class.getName(), "30", "30"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not end");
        assertEquals(0, p.exitValue(), String.join(" ", jvmOptions) + ":\n" + out);
        for (String line : out.split("\n")) {
            if (line.startsWith("repro: ")) {
                String hashes = line.substring("repro: ".length(), line.indexOf(" backend="));
                assertTrue(line.contains("backend=" + backend), line);
                return hashes;
            }
        }
        return fail(String.join(" ", jvmOptions) + ": no result line:\n" + out);
    }
}
