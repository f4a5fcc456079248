import dev.quiver.io.Checkpoint;
import dev.quiver.io.Npy;
import dev.quiver.io.SafeTensors;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every one of the 2^32 float32 bit patterns through every reader and writer (the exhaustive form
 * of Float32BitsTest, too slow for CI): .npy C and Fortran order, safetensors, checkpoint files and
 * Checkpoint.copyInto, contiguous and through a transposed view. Run by tools/float32-sweep.
 */
public class Float32Sweep {
    static final int CHUNK = 1 << 22, COLS = 64;

    public static void main(String[] args) throws Exception {
        long first = args.length > 0 ? Long.parseLong(args[0]) : 0;
        long chunks = args.length > 1 ? Long.parseLong(args[1]) : (1L << 32) / CHUNK - first;
        Path dir = Files.createTempDirectory("float32-sweep");
        long start = System.nanoTime();
        int[] bits = new int[CHUNK];
        for (long c = first; c < first + chunks; c++) {
            for (int i = 0; i < CHUNK; i++) bits[i] = (int) (c * CHUNK + i);
            float[] f = new float[CHUNK];
            for (int i = 0; i < CHUNK; i++) f[i] = Float.intBitsToFloat(bits[i]);
            Tensor t = Tensor.of(f, CHUNK / COLS, COLS);
            float[] tf = new float[CHUNK];
            for (int r = 0; r < CHUNK / COLS; r++) for (int k = 0; k < COLS; k++) tf[k * (CHUNK / COLS) + r] = f[r * COLS + k];
            Tensor view = Tensor.of(tf, COLS, CHUNK / COLS).transpose();
            for (Tensor source : new Tensor[] {t, view}) {
                for (Npy.Order order : Npy.Order.values()) check(".npy " + order, bits, Npy.fromBytes(Npy.toBytes(source, order), "s.npy"));
                check("safetensors", bits, SafeTensors.fromBytes(SafeTensors.toBytes(Map.of("t", source), Map.of()), "s").tensors().get("t"));
                Path ck = dir.resolve("s.ckpt");
                Checkpoint.builder().tensor("t", source).build().save(ck);
                Checkpoint loaded = Checkpoint.load(ck);
                check("checkpoint", bits, loaded.tensor("t"));
                Tensor target = Tensor.zeros(DType.F32, CHUNK / COLS, COLS);
                loaded.copyInto("t", target);
                check("copyInto", bits, target);
            }
            System.out.printf("chunk %d of 1024 (patterns 0x%08x-0x%08x) ok, %.0f s%n", c, (int) (c * CHUNK), (int) ((c + 1) * CHUNK - 1),
                    (System.nanoTime() - start) / 1e9);
        }
        System.out.println(chunks * CHUNK + " patterns round-trip bit-exactly");
    }

    static void check(String how, int[] bits, Tensor back) {
        for (int i = 0; i < bits.length; i++) {
            int got = back.getFloatBitsFlat(i);
            if (got != bits[i]) {
                throw new AssertionError(how + ": 0x" + Integer.toHexString(bits[i]) + " came back 0x" + Integer.toHexString(got));
            }
        }
    }
}
