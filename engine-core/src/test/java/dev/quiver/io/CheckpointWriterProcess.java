package dev.quiver.io;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Rng;
import dev.quiver.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The victim of {@link CheckpointKillTest}: a separate JVM that resumes from the checkpoint at
 * {@code args[0]} (if any) and then saves checkpoint after checkpoint until it is killed,
 * printing "saved N" after each save has returned.
 */
public final class CheckpointWriterProcess {
    /** ~2 MB per checkpoint, so that a kill often lands inside a save. */
    static final int BIG = 250_000;

    private CheckpointWriterProcess() {}

    /** The content of checkpoint number {@code step}, a pure function of the step. */
    static Checkpoint state(long step) {
        Rng rng = new Rng(step * 0x9E3779B97F4A7C15L + 1);
        double[] big = new double[BIG];
        for (int i = 0; i < big.length; i++) big[i] = rng.nextDouble();
        float[] small = new float[7];
        for (int i = 0; i < small.length; i++) small[i] = (float) rng.nextGaussian();
        return Checkpoint.builder()
                .tensor("big", Tensor.of(big, 500, 500))
                .tensor("small", Tensor.of(small, 7))
                .put("step", step)
                .rng("rng", rng)
                .build();
    }

    /** True when {@code c} is exactly checkpoint number {@code step}. */
    static boolean isState(Checkpoint c, long step) {
        Checkpoint expected = state(step);
        return c.tensor("big").bitwiseEquals(expected.tensor("big"))
                && c.tensor("small").bitwiseEquals(expected.tensor("small"))
                && c.metadata().equals(expected.metadata());
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long step = Files.exists(file) ? Checkpoint.load(file).getLong("step") : 0;
        System.out.println("ready " + step);
        System.out.flush();
        while (true) {
            step++;
            state(step).save(file);
            System.out.println("saved " + step);
            System.out.flush();
        }
    }
}
