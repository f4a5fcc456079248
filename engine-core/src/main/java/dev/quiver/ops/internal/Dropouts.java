package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.OpDoc;
import dev.quiver.ops.Operand;
import dev.quiver.ops.RunContext;
import dev.quiver.ops.Value;

/** Dropout and its counter-based random masks ({@link RandomKernelsF64}). */
public final class Dropouts {
    private Dropouts() {}

    /** The reference entry (docs/ops.md). */
    public static final java.util.List<OpDoc> DOCS = java.util.List.of(
            new OpDoc("g.dropout(x, p)", "dropout",
                    "x (F32/F64); out = x's shape. TRAIN: x * mask / (1 - p), mask from (graph seed, node, step draw, position); EVAL: x",
                    "dx = dropout(g) with the same mask (regenerated, not stored)"));

    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** Stafford's Mix13, SplitMix64's output function: a bijection of 64-bit words. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The key of one mask: the stream and the draw mixed so that neighbouring draws share no structure. */
    static long key(long stream, long draw) {
        return mix(stream ^ mix(draw * GOLDEN_GAMMA + 0x632BE59BD9B4E019L));
    }

    /** The stream of the random op at {@code node} in a graph seeded {@code seed}. */
    public static long stream(long seed, int node) {
        return mix(mix(seed) + (node + 1L) * GOLDEN_GAMMA);
    }

    /**
     * Inverted dropout: in a training step, each element is zeroed with probability
     * {@code p} and the others are scaled by {@code 1 / (1 - p)}, so the expected value is x; in
     * an evaluation step the identity. The mask of a forward pass is a function of the op's
     * {@code stream} (from the graph's seed and the node's position, {@link #stream}), the step's
     * random draw ({@link RunContext#draw()}: one per forward pass) and the element's position: the
     * same seed, graph and draw give the same bits on every backend and thread count. The op is
     * linear with a diagonal Jacobian, so its VJP is itself applied to the gradient: the backward
     * pass regenerates the forward mask from the same draw instead of keeping it.
     */
    public record Dropout(double p, long stream) implements Op {
        public Dropout {
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        }

        @Override public String name() { return "dropout"; }
        @Override public String attributes() { return "p=" + p; }
        @Override public int[] shape(Operand[] in) { return in[0].shape(); }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return bind(math, in, out, work, RunContext.of(true));
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work, RunContext context) {
            return Dropouts.bind(math, in[0], out, context, p, new long[] {stream}, new int[] {out.size()});
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, out.graph().apply(this, g));
        }
    }
    /**
     * Dropouts of several nodes run as one kernel over their stacked values (autobatching): member k
     * owns the next {@code sizes[k]} elements and masks them from its own {@code streams[k]}, counting
     * positions from its first element, so every member gets the mask its own {@link Dropout} would
     * give, whatever it is grouped with. Its VJP is itself on the stacked gradient, as for one node.
     */
    public record Stacked(double p, long[] streams, int[] sizes) implements Op {
        public Stacked {
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
            if (streams.length != sizes.length) {
                throw new IllegalArgumentException("dropout: " + streams.length + " streams for " + sizes.length + " members");
            }
            streams = streams.clone();
            sizes = sizes.clone();
        }

        @Override public String name() { return "dropout"; }
        @Override public String attributes() { return "p=" + p + " members=" + sizes.length; }

        @Override public int[] shape(Operand[] in) {
            long total = 0;
            for (int s : sizes) total += s;
            int size = 1;
            for (int d : in[0].shape()) size *= d;
            if (total != size) {
                throw Op.fail(this, in, "the members hold " + total + " elements, the stacked input " + size);
            }
            return in[0].shape();
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return bind(math, in, out, work, RunContext.of(true));
        }

        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work, RunContext context) {
            return Dropouts.bind(math, in[0], out, context, p, streams, sizes);
        }

        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, out.graph().apply(this, g));
        }

        @Override public boolean equals(Object o) {
            return o instanceof Stacked s && Double.compare(p, s.p) == 0 && java.util.Arrays.equals(streams, s.streams)
                    && java.util.Arrays.equals(sizes, s.sizes);
        }

        @Override public int hashCode() {
            return (Double.hashCode(p) * 31 + java.util.Arrays.hashCode(streams)) * 31 + java.util.Arrays.hashCode(sizes);
        }

        @Override public String toString() { return "Stacked[p=" + p + ", members=" + sizes.length + "]"; }
    }

    /** x masked into out, member k's {@code sizes[k]} elements from {@code streams[k]} in turn. */
    private static Instruction bind(TensorMath math, Tensor x, Tensor out, RunContext context, double p, long[] streams, int[] sizes) {
        if (!context.training() || p == 0) return Bound.copy(math, x, out, false);
        if (p == 1) return m -> m.fill(out, 0);
        // Read x in place when it is a plain run, else copy it to out first and mask out in place.
        Instruction copy = x.isContiguous() ? null : Bound.copy(math, x, out, false);
        Tensor src = copy == null ? x : out;
        Instruction mask = out.dtype().pick("dropout", RandomKernelsF64.VIEW, RandomKernelsF32.VIEW)
                .dropout(src, out, context, p, streams, sizes);
        if (copy == null) return mask;
        return m -> {
            copy.run(m);
            mask.run(m);
        };
    }
}
