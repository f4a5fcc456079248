package dev.quiver.spark;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.io.Serializable;
import java.util.List;

/**
 * What one task returns and what {@code treeAggregate} sums: per slot (a parameter's gradient in
 * synchronous mode; a parameter's value or an optimiser state tensor in local-SGD mode) a
 * {@code float[]} or {@code double[]}, plus the loss sum, counts, the slowest task's timings and
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

    Object[] slots;            // float[] or double[] per slot; null in the zero value and in error results
    double lossSum;
    int partitions;
    long examples;
    long maxDecodeNanos, maxComputeNanos, maxComputeCpuNanos;
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
