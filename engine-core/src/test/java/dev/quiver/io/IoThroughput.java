package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Not a test: a rough throughput figure for checkpoint save/load and safetensors read/write.
 * {@code ./quiver java -cp engine-core/target/classes:engine-core/target/test-classes dev.quiver.io.IoThroughput [dir] [MiB]}
 */
public final class IoThroughput {
    private IoThroughput() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir")), "quiver-io");
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int n = mib * (1 << 20) / 8;
        Tensor w = Tensor.randn(DType.F64, Seed.of(1), n / 2);
        Tensor m = Tensor.randn(DType.F32, Seed.of(2), n);
        Path ckpt = dir.resolve("c.ckpt"), st = dir.resolve("s.safetensors");
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            Checkpoint.builder().tensor("w", w).tensor("m", m).put("step", rep).build().save(ckpt);
            long t1 = System.nanoTime();
            Checkpoint c = Checkpoint.load(ckpt);
            long t2 = System.nanoTime();
            SafeTensors.write(st, Map.of("w", w, "m", m));
            long t3 = System.nanoTime();
            SafeTensors.read(st);
            long t4 = System.nanoTime();
            if (c.tensor("w").size() != w.size()) throw new AssertionError();
            double bytes = Files.size(ckpt) / 1e6;
            System.out.printf("%.0f MB: checkpoint save %.0f MB/s (fsync incl.), load+verify %.0f MB/s; safetensors write %.0f MB/s, read %.0f MB/s%n",
                    bytes, bytes / ((t1 - t0) / 1e9), bytes / ((t2 - t1) / 1e9), bytes / ((t3 - t2) / 1e9), bytes / ((t4 - t3) / 1e9));
        }
        Files.deleteIfExists(ckpt);
        Files.deleteIfExists(st);
        Files.deleteIfExists(dir);
    }
}
