package dev.quiver.spark;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one task returns and what {@code treeAggregate} (or, in persistent tasks, the driver) sums:
 * per slot (a parameter's gradient in synchronous mode; a parameter's value or an optimiser state
 * tensor in local-SGD mode) a {@code float[]} or {@code double[]} (serialised as raw little-endian
 * bytes), plus the loss, counts, the slowest task's timings and the first error (lowest
 * partition). {@link #add} adds into this object and returns it, as Spark's aggregate allows.
 *
 * <p><b>Order of additions: a fixed pairwise tree over the partition indices</b>, whatever order
 * the results arrive and are merged in. Partition p's result is the leaf (level 0, index p); the
 * node (level l, index i) covers partitions {@code [i·2^l, (i+1)·2^l)} and its value is its two
 * children's sum. A node is formed only once both children are there (a child covering no
 * partition, past P, is passed up unchanged), so each node's value is the same bits however Spark
 * interleaves task completions and merges ({@code treeAggregate}'s levels included): IEEE addition
 * is commutative, and which two values meet is fixed by the tree, not by the arrival order.
 * P = 4 gives {@code (p0 + p1) + (p2 + p3)}; P = 3 gives {@code (p0 + p1) + p2}, as a loop in
 * partition order would. Why a tree rather than the loop: Spark's merge order varies with task
 * finishing times, so a loop could only be kept by holding every partition's result until all
 * arrived; the tree combines pairs as soon as both exist, and its rounding error grows with
 * log₂ P rather than P. {@link LocalDataParallel} sums with this same code.
 */
public final class PartialSum implements Serializable {
    private static final long serialVersionUID = 2L;

    /** A finished subtree: partitions {@code [index·2^level, (index+1)·2^level)} ∩ [0, of). */
    private record Block(int level, long index, Object[] slots, double loss) {}

    /** The partitions the reduction is over (the tree's width); 0 in the zero value until a result arrives. */
    int of;
    /** Subtrees not yet combined with their sibling; when complete, only the root. */
    private transient List<Block> blocks = new ArrayList<>();
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

    /** Partition {@code partition}'s result (of {@code of}): the flat contents of {@code tensors} (copied) and its loss. */
    static PartialSum of(int partition, int of, List<Tensor> tensors, double loss) {
        if (partition < 0 || partition >= of) throw new IllegalArgumentException("partition " + partition + " of " + of);
        PartialSum s = new PartialSum();
        Object[] slots = new Object[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            slots[i] = t.dtype() == DType.F32 ? t.f32().clone() : t.f64().clone();
        }
        s.of = of;
        s.partitions = 1;
        s.insert(new Block(0, partition, slots, loss));
        return s;
    }

    static PartialSum failure(int partition, String message) {
        PartialSum s = new PartialSum();
        s.errorPartition = partition;
        s.error = message;
        s.partitions = 1;
        return s;
    }

    /** The sum over all {@link #of} partitions, or null while partitions are missing (or reported errors). */
    Object[] slots() {
        return blocks.size() == 1 && isRoot(blocks.getFirst().level, blocks.getFirst().index) ? blocks.getFirst().slots : null;
    }

    /** The partitions' losses added in the same tree (NaN while incomplete). */
    double lossSum() {
        return slots() == null ? Double.NaN : blocks.getFirst().loss;
    }

    private boolean isRoot(int level, long index) { return index == 0 && (1L << level) >= of; }

    /**
     * The slots travel as one little-endian byte image each (a bulk copy each way, as the
     * broadcast's safetensors bytes do) rather than through ObjectOutputStream's per-element
     * float and double writes.
     */
    @java.io.Serial
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        out.writeInt(blocks.size());
        for (Block block : blocks) {
            out.writeInt(block.level);
            out.writeLong(block.index);
            out.writeDouble(block.loss);
            out.writeInt(block.slots.length);
            for (Object slot : block.slots) {
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
    }

    @java.io.Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        int count = in.readInt();
        blocks = new ArrayList<>(Math.max(0, count));
        for (int k = 0; k < count; k++) {
            int level = in.readInt();
            long index = in.readLong();
            double loss = in.readDouble();
            Object[] slots = new Object[in.readInt()];
            for (int i = 0; i < slots.length; i++) {
                boolean f32 = in.readBoolean();
                int n = in.readInt();
                byte[] bytes = new byte[n * (f32 ? 4 : 8)];
                in.readFully(bytes);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                if (f32) b.asFloatBuffer().get((float[]) (slots[i] = new float[n]));
                else b.asDoubleBuffer().get((double[]) (slots[i] = new double[n]));
            }
            blocks.add(new Block(level, index, slots, loss));
        }
    }

    /**
     * Adds {@code o} into this; returns this. Takes over {@code o}'s arrays (Spark's aggregate
     * discards the merged-in value; so do the session and {@link LocalDataParallel}).
     */
    public PartialSum add(PartialSum o) {
        if (o.error != null && o.errorPartition < errorPartition) {
            errorPartition = o.errorPartition;
            error = o.error;
        }
        partitions += o.partitions;
        examples += o.examples;
        maxDecodeNanos = Math.max(maxDecodeNanos, o.maxDecodeNanos);
        maxComputeNanos = Math.max(maxComputeNanos, o.maxComputeNanos);
        maxComputeCpuNanos = Math.max(maxComputeCpuNanos, o.maxComputeCpuNanos);
        for (int i = 0; i < phaseNanos.length; i++) phaseNanos[i] = Math.max(phaseNanos[i], o.phaseNanos[i]);
        firstStartMicros = Math.min(firstStartMicros, o.firstStartMicros);
        lastEndMicros = Math.max(lastEndMicros, o.lastEndMicros);
        if (o.of != 0) {
            if (of == 0) of = o.of;
            else if (of != o.of) throw new IllegalStateException("aggregate: a result of " + o.of + " partitions merged into one of " + of);
        }
        for (Block b : o.blocks) insert(b);
        return this;
    }

    /** Adds a subtree: combined with its sibling when that is here (and upwards), else kept until it arrives. */
    private void insert(Block b) {
        while (!isRoot(b.level, b.index)) {
            long sibling = b.index ^ 1;
            if (sibling << b.level >= of) {   // the sibling covers no partition: b is its parent's value
                b = new Block(b.level + 1, b.index >> 1, b.slots, b.loss);
                continue;
            }
            Block s = null;
            for (Block c : blocks) if (c.level == b.level && c.index == sibling) s = c;
            if (s == null) break;
            blocks.remove(s);
            addInto(b.slots, s.slots);
            b = new Block(b.level + 1, b.index >> 1, b.slots, b.loss + s.loss);
        }
        for (Block c : blocks) {
            if (c.level == b.level && c.index == b.index) {
                throw new IllegalStateException("aggregate: partitions [" + (b.index << b.level) + ", " + Math.min(of, (b.index + 1) << b.level) + ") reported twice");
            }
        }
        blocks.add(b);
    }

    private static void addInto(Object[] into, Object[] from) {
        if (into.length != from.length) throw new IllegalStateException("aggregate: " + into.length + " slots against " + from.length);
        for (int i = 0; i < into.length; i++) {
            if (into[i] instanceof float[] a) {
                float[] b = (float[]) from[i];
                if (a.length != b.length) throw new IllegalStateException("aggregate: slot " + i + " has " + a.length + " elements against " + b.length);
                for (int k = 0; k < a.length; k++) a[k] += b[k];
            } else {
                double[] a = (double[]) into[i], b = (double[]) from[i];
                if (a.length != b.length) throw new IllegalStateException("aggregate: slot " + i + " has " + a.length + " elements against " + b.length);
                for (int k = 0; k < a.length; k++) a[k] += b[k];
            }
        }
    }

    /** Writes slot {@code i} times {@code scale} into {@code target} (rounded to the target's dtype). */
    void scaleInto(int i, double scale, Tensor target) {
        scaleInto(slots()[i], scale, target);
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
