package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The {@code out} forms allocate nothing once warmed up, on views of any layout: measured with
 * the JVM's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}) around a loop of calls.
 * The bean is reached reflectively because engine-core's module does not read jdk.management,
 * through a method handle so that reading the counter boxes nothing.
 */
class NoAllocationTest {
    static final MethodHandle ALLOCATED = allocatedBytesHandle();

    static MethodHandle allocatedBytesHandle() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Class<?> sunBean = Class.forName("com.sun.management.ThreadMXBean");
            return MethodHandles.publicLookup()
                    .findVirtual(sunBean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                    .bindTo(bean);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("per-thread allocation counter unavailable", e);
        }
    }

    static long allocated() {
        try {
            return (long) ALLOCATED.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Bytes allocated by {@code iterations} calls, the least over a few rounds: while C2 is still
     * recompiling (deoptimisation, OSR) a round can see a few hundred bytes of JVM-internal
     * noise, but an allocation on the call path shows up in every round, iterations times.
     */
    static long allocatedBy(Runnable body, int iterations) {
        for (int i = 0; i < Math.max(200, iterations); i++) body.run(); // let C2 compile the path (escape analysis included)
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 5 && least > 0; round++) {
            long before = allocated();
            for (int i = 0; i < iterations; i++) body.run();
            least = Math.min(least, allocated() - before);
        }
        return least;
    }

    @Test
    void counterSeesAllocation() {
        Object[] sink = new Object[1];
        long bytes = allocatedBy(() -> sink[0] = new double[100], 100);
        assertTrue(bytes >= 100 * 800, "counter saw only " + bytes + " bytes");
        assertTrue(allocatedBy(() -> {}, 1000) == 0);
    }

    @Test
    void outFormsAllocateNothing() {
        for (int threads : new int[] {1, 2}) {
            TensorMath m = TensorMath.of(Backends.create("scalar", threads));
            for (DType dt : DType.FLOATING) {
                Tensor a = Ref.make(dt, new int[] {17, 3}, Ref.random(dt, 1, 51, -1, 1), Ref.Layout.TRANSPOSED);
                Tensor b = Ref.make(dt, new int[] {3}, Ref.random(dt, 2, 3, -1, 1), Ref.Layout.REVERSED);
                Tensor c = Ref.make(dt, new int[] {17, 3}, new double[51], Ref.Layout.PADDED);
                Tensor sq = Ref.make(dt, new int[] {3, 3}, Ref.random(dt, 3, 9, -1, 1), Ref.Layout.CONTIGUOUS);
                Tensor t3 = Ref.make(dt, new int[] {4, 3, 5}, Ref.random(dt, 4, 60, -1, 1), Ref.Layout.PADDED);
                Tensor t3out = Tensor.zeros(dt, 4, 2, 5), t3last = Tensor.zeros(dt, 4, 5, 2);
                Tensor mat32 = Tensor.rand(dt, Seed.of(5), 3, 2);
                Tensor batch = Tensor.rand(dt, Seed.of(6), 4, 17, 3), batchOut = Tensor.zeros(dt, 4, 17, 3);
                Tensor row = Tensor.zeros(dt, 3), col = Tensor.zeros(dt, 17), scalar = Tensor.zeros(dt), keep = Tensor.zeros(dt, 1, 3);
                Tensor v17 = Tensor.rand(dt, Seed.of(7), 17), outer = Tensor.zeros(dt, 17, 3);
                int[] axis0 = {0}, axis1 = {1};
                Tensor sqT = sq.transpose();
                Tensor argmaxOut = Tensor.zeros(DType.F64, 3).transpose();
                DoubleUnaryOperator cube = v -> v * v * v;
                // Large enough for the scalar GEMM to split tiles over the workers.
                Tensor big = Tensor.rand(dt, Seed.of(8), 256, 256), bigOut = Tensor.zeros(dt, 256, 256);
                Runnable[] calls = {
                        () -> m.matmul(big, big, bigOut),
                        () -> m.unary(UnaryOp.TANH, a, c),
                        () -> m.unaryAccumulate(UnaryOp.EXP, a, c),
                        () -> m.binary(BinaryOp.ADD, a, b, c),
                        () -> m.binaryAccumulate(BinaryOp.TANH_GRAD, a, b, c),
                        () -> m.binary(BinaryOp.POW, a, 2, c),
                        () -> m.map(a, cube, c),
                        () -> m.axpby(0.5, b, 0.9, c),
                        () -> m.copy(a, c),
                        () -> m.fill(c, 1.5),
                        () -> m.reduce(ReduceOp.SUM, a, false, axis0, row),
                        () -> m.reduce(ReduceOp.MAX, a, false, axis1, col),
                        () -> m.reduce(ReduceOp.SUM_SQUARES, a, true, axis0, keep),
                        () -> m.mean(a, false, axis0, row),
                        () -> m.sumTo(a, row),
                        () -> m.norm(a, scalar),
                        () -> m.argmax(a, 0, argmaxOut),
                        () -> m.dot(v17, v17, scalar),
                        () -> m.outer(v17, b, outer),
                        () -> m.matmul(a, sq, c),
                        () -> m.matmul(a, b, col),
                        () -> m.matmul(batch, sq, batchOut),
                        () -> m.gemm(0.5, a, sqT, 1, c),
                        () -> m.modeN(t3, mat32, 1, t3out),
                        () -> m.modeNLast(t3, mat32, 1, t3last),
                };
                for (int i = 0; i < calls.length; i++) {
                    long bytes = allocatedBy(calls[i], i == 0 ? 20 : 2000);
                    assertEquals(0, bytes, "call #" + i + " (" + dt + ", " + threads + " threads) allocated " + bytes + " bytes");
                }
            }
        }
    }

    /** Copy and fill of index and mask tensors (how the graph feeds int inputs) allocate nothing either. */
    @Test
    void integerAndBoolCopyAndFillAllocateNothing() {
        for (TensorMath m : new TensorMath[] {TensorMath.of(Backends.create("scalar", 1)), TensorMath.get()}) {
            for (DType dt : new DType[] {DType.I32, DType.I64, DType.BOOL}) {
                Tensor src = Tensor.ones(dt, 17, 3), dst = Tensor.zeros(dt, 17, 3);
                Tensor strided = Tensor.zeros(dt, 3, 17).transpose(), row = Tensor.ones(dt, 3);
                Runnable[] calls = {
                        () -> m.copy(src, dst),
                        () -> m.copy(src, strided),
                        () -> m.copy(row, dst),
                        () -> m.fill(strided, 1),
                        () -> m.fill(dst, 0),
                };
                for (int i = 0; i < calls.length; i++) {
                    long bytes = allocatedBy(calls[i], 2000);
                    assertEquals(0, bytes, "call #" + i + " (" + dt + ") allocated " + bytes + " bytes");
                }
            }
        }
    }
}
