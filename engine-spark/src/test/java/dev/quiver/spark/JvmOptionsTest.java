package dev.quiver.spark;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** engine-spark/jvm.options (what ./quiver spark-demo passes) and the pom's surefire argLine list the same options. */
class JvmOptionsTest {
    @Test
    void theTestJvmRunsWithEveryOptionOfJvmOptions() throws IOException {
        List<String> running = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String line : Files.readAllLines(Path.of("jvm.options"))) {
            if (line.isBlank() || line.startsWith("--add-modules")) continue;    // the parent pom adds the Vector API module its own way
            assertTrue(running.contains(line.strip()), "jvm.options has " + line + " but the test JVM was started without it: " + running);
        }
    }
}
