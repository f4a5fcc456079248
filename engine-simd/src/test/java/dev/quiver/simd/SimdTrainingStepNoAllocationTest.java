package dev.quiver.simd;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A training step with Adam on the SIMD backend, float32 and float64 (forward, backward, the
 * update's fused kernel per parameter), must reach zero bytes per step once C2 has
 * compiled it. engine-core's AllocationTest runs the same kind of step on the scalar backend only
 * (engine-simd is not on its class path), so without this class nothing checked the SIMD kernels
 * as Adam calls them: issue 14's Adam update (UpdatesF32.adam -> SimdKernelsF32.mul) settled at
 * 321 B/step in some JMH forks and MBs in others, while its binary kernels ran 256-bit vectors
 * beside everything else's 512-bit ones (README, "One vector shape per process"). The update has
 * since become one kernel ({@code SimdKernelsF32.adam}); this still checks it.
 *
 * <p>Runs in executions of its own (a JVM per width that ran no other tests; engine-simd/pom.xml)
 * and requires zero in that JVM, with one retry in a second fresh JVM: {@code quiver.noalloc.attempt}
 * is {@code first} (whose failure the build reports but ignores; a pass leaves the marker file
 * {@code quiver.noalloc.marker}) or {@code retry} (skipped when the marker exists, a failure
 * otherwise). A kernel that boxes in every JVM fails both; one that boxes in a fraction f of JVMs
 * fails a build in f². Two more executions run it with {@code -XX:PerMethodTrapLimit=0
 * -XX:PerBytecodeTrapLimit=0}, the regime those JVMs were in (a loop-carried vector and masked
 * tails boxed there in every JVM; SimdKernelsF64, "Tails and loop-carried vectors"), so that a
 * kernel boxing there fails every build.
 */
class SimdTrainingStepNoAllocationTest {
    /**
     * MlpStepBench's 784-256-10 network at batch 64, where the Adam fault showed: W has 200,704
     * elements, a has 10 (shorter than a vector at every width: the kernel's scalar tail).
     */
    static final int IN = 784, HIDDEN = 256, OUT = 10, BATCH = 64;
    static final int WINDOW = 200;
    /** Long enough for C2 on a loaded 2-core machine (the Adam step took up to ~20 s there to stop allocating). */
    static final long BUDGET_NANOS = 90_000_000_000L;

    record Net(Step step, Optimizer optimizer, Tensor x, Tensor t) {
        void train() {
            step.feed("x", x).feed("t", t).forward().backward();
            optimizer.step();
        }
    }

    static Net net(TensorMath math, DType dt) {
        Graph g = new Graph();
        Node x = g.input("x", dt, BATCH, IN), t = g.input("t", dt, BATCH, OUT);
        Node w = g.param(new Parameter("W", Init.xavierUniform(dt, Seed.of(1), IN, HIDDEN)));
        Node b = g.param(new Parameter("b", Tensor.zeros(dt, HIDDEN)));
        Node v = g.param(new Parameter("V", Init.xavierUniform(dt, Seed.of(2), HIDDEN, OUT)));
        Node a = g.param(new Parameter("a", Tensor.zeros(dt, OUT)));
        Node y = x.matmul(w).add(b).tanh().matmul(v).add(a);
        Step step = g.compile(Losses.softmaxCrossEntropy(y, t), CompileOptions.training().withMath(math));
        Tensor target = Tensor.zeros(dt, BATCH, OUT);
        for (int i = 0; i < BATCH; i++) target.set(1, i, i % OUT);
        return new Net(step, new Adam(step.parameters(), 0.001, 0.9, 0.999, 1e-8, math),
                Tensor.randn(dt, Seed.of(3), BATCH, IN), target);
    }

    @Test
    void adamTrainingStepReachesZeroBytes() throws IOException {
        String attempt = System.getProperty("quiver.noalloc.attempt", "only");
        Path marker = System.getProperty("quiver.noalloc.marker") == null ? null : Path.of(System.getProperty("quiver.noalloc.marker"));
        if (marker != null && attempt.equals("first")) Files.deleteIfExists(marker);
        Assumptions.assumeFalse(marker != null && attempt.equals("retry") && Files.exists(marker),
                "reached zero bytes per step in the first fresh JVM");
        com.sun.management.ThreadMXBean threads = SimdNoAllocationTest.allocationCounters();
        TensorMath math = TensorMath.of(Backends.create("simd", 1));
        Net f32 = net(math, DType.F32), f64 = net(math, DType.F64);
        long start = System.nanoTime();
        long last = -1;
        int windows = 0;
        while (System.nanoTime() - start < BUDGET_NANOS) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int s = 0; s < WINDOW; s++) {
                f32.train();
                f64.train();
            }
            long after = threads.getCurrentThreadAllocatedBytes();
            last = after - before - (threads.getCurrentThreadAllocatedBytes() - after);
            windows++;
            // A few windows first: the first steps allocate while classes load and C2 compiles.
            if (last <= 0 && windows >= 3) {
                if (marker != null) Files.writeString(marker, windows * WINDOW + " steps\n");
                return;
            }
        }
        fail("(" + attempt + " attempt) an Adam training step (float32 and float64, simd, " + SimdBackend.vectorBits() + "-bit vectors) still allocates "
                + last / WINDOW + " bytes per step after " + windows * WINDOW + " steps ("
                + (System.nanoTime() - start) / 1_000_000 + " ms): a kernel boxes vectors or runs per-lane fallback code");
    }
}
