package dev.quiver.spark;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.io.Serializable;
import java.util.List;

/**
 * What one task returns and what {@code treeAggregate} sums: per slot (a parameter's gradient in
 * synchronous mode; a parameter's value or an optimiser state tensor in local-SGD mode) a
 * {@code float[]} or {@code double[]} (serialised as raw little-endian bytes), plus the loss sum, counts, the slowest task's timings and
 * the first error (lowest partition). {@link #add} adds element-wise into this object and returns
 * it, as Spark's aggregate allows.
 *
 * <p>Order of additions: the empty zero value adopts nothing; the first array added to it is added
 * to zeros ({@code 0 + a}), later ones in the order Spark combines them. Two partitions therefore
 * give {@code (0 + a) + b} or {@code (0 + b) + a}, which are the same bits (IEEE addition is
 * commutative), equal to {@link dev.quiver.graph.Parameter#sumGradients} of the two in either order.
 * With three or more the order Spark merges task results varies and sums agree to float rounding.
 */
public final class PartialSum implements Serializable {
    private static final long serialVersionUID = 1L;

    transient Object[] slots;  // float[] or double[] per slot; null in the zero value and in error results (serialised as raw bytes)
    double lossSum;
    int partitions;
    long examples;
    long maxDecodeNanos, maxComputeNanos, maxComputeCpuNanos;
    /** The slowest task's time in each of {@link #TASK_PHASES} (ns), and the first task start and last task end (epoch µs). */
    final long[] phaseNanos = new long[TASK_PHASES.size()];
    long firstStartMicros = Long.MAX_VALUE, lastEndMicros;

    static final List<String> TASK_PHASES = List.of("collect", "decode", "fill", "forward", "backward", "check", "results");
    static final int COLLECT = 0, DECODE = 1, FILL = 2, FORWARD = 3, BACKWARD = 4, CHECK = 5, RESULTS = 6;
    int errorPartition = Integer.MAX_VALUE;
    String error;

    public PartialSum() {}

    /** A result carrying the flat contents of {@code tensors} (copied). */
    static PartialSum of(List<Tensor> tensors) {
        PartialSum s = new PartialSum();
        s.slots = new Object[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            s.slots[i] = t.dtype() == DType.F32 ? t.f32().clone() : t.f64().clone();
        }
        return s;
    }

    static PartialSum failure(int partition, String message) {
        PartialSum s = new PartialSum();
        s.errorPartition = partition;
        s.error = message;
        s.partitions = 1;
        return s;
    }

    /**
     * The slots travel as one little-endian byte image each (a bulk copy each way, as the
     * broadcast's safetensors bytes do) rather than through ObjectOutputStream's per-element
     * float and double writes.
     */
    @java.io.Serial
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        out.writeInt(slots == null ? -1 : slots.length);
        if (slots == null) return;
        for (Object slot : slots) {
            boolean f32 = slot instanceof float[];
            int n = f32 ? ((float[]) slot).length : ((double[]) slot).length;
            byte[] bytes = new byte[n * (f32 ? 4 : 8)];
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (f32) b.asFloatBuffer().put((float[]) slot);
            else b.asDoubleBuffer().put((double[]) slot);
            out.writeBoolean(f32);
            out.writeInt(n);
            out.write(bytes);
        }
    }

    @java.io.Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        int count = in.readInt();
        if (count < 0) return;
        slots = new Object[count];
        for (int i = 0; i < count; i++) {
            boolean f32 = in.readBoolean();
            int n = in.readInt();
            byte[] bytes = new byte[n * (f32 ? 4 : 8)];
            in.readFully(bytes);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (f32) b.asFloatBuffer().get((float[]) (slots[i] = new float[n]));
            else b.asDoubleBuffer().get((double[]) (slots[i] = new double[n]));
        }
    }

    /** Adds {@code o} into this; returns this. */
    public PartialSum add(PartialSum o) {
        if (o.error != null && o.errorPartition < errorPartition) {
            errorPartition = o.errorPartition;
            error = o.error;
        }
        partitions += o.partitions;
        examples += o.examples;
        lossSum += o.lossSum;
        maxDecodeNanos = Math.max(maxDecodeNanos, o.maxDecodeNanos);
        maxComputeNanos = Math.max(maxComputeNanos, o.maxComputeNanos);
        maxComputeCpuNanos = Math.max(maxComputeCpuNanos, o.maxComputeCpuNanos);
        for (int i = 0; i < phaseNanos.length; i++) phaseNanos[i] = Math.max(phaseNanos[i], o.phaseNanos[i]);
        firstStartMicros = Math.min(firstStartMicros, o.firstStartMicros);
        lastEndMicros = Math.max(lastEndMicros, o.lastEndMicros);
        if (o.slots == null) return this;
        if (slots == null) {
            slots = new Object[o.slots.length];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = o.slots[i] instanceof float[] f ? new float[f.length] : new double[((double[]) o.slots[i]).length];
            }
        }
        if (slots.length != o.slots.length) {
            throw new IllegalStateException("aggregate: " + slots.length + " slots against " + o.slots.length);
        }
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] instanceof float[] a) {
                float[] b = (float[]) o.slots[i];
                for (int k = 0; k < a.length; k++) a[k] += b[k];
            } else {
                double[] a = (double[]) slots[i], b = (double[]) o.slots[i];
                for (int k = 0; k < a.length; k++) a[k] += b[k];
            }
        }
        return this;
    }

    /** Writes slot {@code i} times {@code scale} into {@code target} (rounded to the target's dtype). */
    void scaleInto(int i, double scale, Tensor target) {
        scaleInto(slots[i], scale, target);
    }

    /**
     * {@code target = sum * scale}, element-wise; for float32 the scale is rounded to float first
     * and the product computed in float, so the single-machine reference gets identical bits.
     */
    static void scaleInto(Object sum, double scale, Tensor target) {
        if (sum instanceof float[] a) {
            float[] t = target.f32();
            float s = (float) scale;
            for (int k = 0; k < a.length; k++) t[k] = a[k] * s;
        } else {
            double[] a = (double[]) sum, t = target.f64();
            for (int k = 0; k < a.length; k++) t[k] = a[k] * scale;
        }
    }
}
