package dev.quiver.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Crash safety with real crashes: a separate JVM writes checkpoints in a loop and is killed
 * (SIGKILL via destroyForcibly) at random moments, many times. After every kill the checkpoint
 * on disk must load (checksum verified), must be exactly one of the states the writer produced,
 * must not be older than the last save the writer reported complete, and never goes backwards.
 */
class CheckpointKillTest {
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(12);
    private static final int MAX_KILLS = 60, MIN_KILLS = 8;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void killedWritersNeverLeaveATornOrStaleCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("train.ckpt");
        Random random = new Random(20261127);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        long previous = 0;
        int kills = 0, killedMidSave = 0, killedBeforeReady = 0;
        List<String> log = new ArrayList<>();
        // Past the budget, go on (up to MAX_KILLS) until a kill has landed inside a save: on a loaded
        // machine the first kills tend to land before the writer's first save.
        while (kills < MAX_KILLS && (System.nanoTime() < deadline || kills < MIN_KILLS || previous <= 0 || killedMidSave == 0)) {
            Process child = writer(file).redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("writer-stderr.log").toFile())).start();
            AtomicLong lastSaved = new AtomicLong(-1);
            CountDownLatch ready = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        if (line.startsWith("saved ")) lastSaved.set(Long.parseLong(line.substring(6)));
                        else if (line.startsWith("ready ")) ready.countDown();
                    }
                } catch (Exception ignored) {
                    // the pipe breaks when the child dies
                }
            });
            try {
                boolean early = random.nextInt(8) == 0; // sometimes kill during start-up or the initial load
                if (early) {
                    Thread.sleep(random.nextInt(400));
                } else {
                    assertTrue(ready.await(30, TimeUnit.SECONDS), "writer did not start: " + stderr(dir));
                    // On a loaded machine the first save may take longer than any random delay: once past
                    // the deadline without a completed checkpoint, let one save finish before the kill.
                    long wait = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() > deadline && previous <= 0 && lastSaved.get() < 0 && System.nanoTime() < wait) Thread.sleep(10);
                    Thread.sleep(random.nextInt(250));
                }
                if (ready.getCount() > 0) killedBeforeReady++;
            } finally {
                child.destroyForcibly(); // also when an assertion fails: never leave a writer running
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "killed writer did not exit");
            reader.join(5_000);
            kills++;

            try (var listing = Files.list(dir)) {
                if (listing.anyMatch(p -> p.getFileName().toString().startsWith(".train.ckpt.tmp-"))) killedMidSave++;
            }
            if (!Files.exists(file)) {
                assertEquals(-1, lastSaved.get(), "a save was reported but no checkpoint exists");
                assertEquals(0, previous, "the checkpoint disappeared");
                continue;
            }
            Checkpoint c = Checkpoint.load(file); // throws if torn or corrupt
            long step = c.getLong("step");
            log.add("kill " + kills + ": reported " + lastSaved.get() + ", on disk " + step);
            assertTrue(CheckpointWriterProcess.isState(c, step), "checkpoint " + step + " is not the state the writer wrote");
            assertTrue(step >= lastSaved.get(), "lost a completed save: reported " + lastSaved.get() + ", found " + step);
            assertTrue(step <= lastSaved.get() + 1 || lastSaved.get() < 0 && step <= previous + 1,
                    "found " + step + " beyond what the writer could have written");
            assertTrue(step >= previous, "went backwards from " + previous + " to " + step);
            previous = step;
        }
        System.out.printf("kill test: %d kills, %d inside a save (temporary file present), %d before the writer was ready, final step %d%n",
                kills, killedMidSave, killedBeforeReady, previous);
        assertTrue(kills >= MIN_KILLS);
        assertTrue(previous > 0, "the writer never completed a checkpoint: " + log);
        assertTrue(killedMidSave > 0, "no kill landed inside a save, the test did not exercise the crash window: " + log);
    }

    private static ProcessBuilder writer(Path file) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Surefire may put our classes on the module path; the child runs them all from the class path.
        List<String> path = new ArrayList<>();
        for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) path.add(value);
        }
        return new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", String.join(File.pathSeparator, path),
                CheckpointWriterProcess.class.getName(), file.toString());
    }

    private static String stderr(Path dir) throws java.io.IOException {
        Path log = dir.resolve("writer-stderr.log");
        return Files.exists(log) ? Files.readString(log) : "(no stderr)";
    }
}
