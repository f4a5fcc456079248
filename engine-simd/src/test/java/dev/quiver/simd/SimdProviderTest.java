package dev.quiver.simd;

import dev.quiver.backend.Backend;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider in child JVMs (class path, as a plain user would run it): it must load and give a
 * reason, never throw, when the Vector API cannot be used, and be supported with the module added.
 */
class SimdProviderTest {
    static String probe(String... jvmArgs) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = String.join(File.pathSeparator, location(SimdProvider.class), location(Backend.class),
                location(ProviderProbe.class));
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", classPath, ProviderProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe hung");
        assertEquals(0, process.exitValue(), "probe failed: " + output);
        return output;
    }

    static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void withoutTheModuleTheReasonSaysHowToFixIt() throws Exception {
        String out = probe();
        assertTrue(out.contains("reason=the Vector API module is not readable; add --add-modules jdk.incubator.vector"), out);
        assertTrue(out.contains("available=[scalar]"), out);
    }

    @Test
    void withTheModuleItIsSupported() throws Exception {
        String out = probe("--add-modules", "jdk.incubator.vector");
        assertTrue(out.contains("reason=none"), out);
        assertTrue(out.contains("simd"), out);
    }

    @Test
    void withoutC2ItSaysSo() throws Exception {
        String interpreted = probe("--add-modules", "jdk.incubator.vector", "-Xint");
        assertTrue(interpreted.contains("reason=the JVM runs interpreted (-Xint)"), interpreted);
        String c1Only = probe("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
        assertTrue(c1Only.contains("reason=C2 is disabled (-XX:TieredStopAtLevel=1)"), c1Only);
    }

    @Test
    void aMalformedWidthIsAReasonNotACrash() throws Exception {
        String out = probe("--add-modules", "jdk.incubator.vector", "-Dquiver.simd.bits=100");
        assertTrue(out.contains("reason=-Dquiver.simd.bits=100 is not one of 128, 256, 512"), out);
    }
}
