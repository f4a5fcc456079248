package dev.quiver.ops;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * One primitive operation: everything the graph layer knows about an op lives in its
 * implementation (one class or record in this package), written against {@link Operand}s and
 * {@link Value}s rather than graph nodes, so this package does not depend on the graph:
 * <ul>
 *   <li>{@link #shape}: the output shape, from the inputs' shapes, dtypes and layouts, checked when
 *       the node is built; errors name the op, the input names and the shapes (use {@link #fail});</li>
 *   <li>{@link #dtype}: the output dtype, checked when the node is built (by default: every input
 *       is of one floating dtype, which the output has; index ops override it);</li>
 *   <li>{@link #bind}: the forward rule, bound once at compile time to the planned buffers and
 *       returning an {@link Instruction} whose {@code run} allocates nothing;</li>
 *   <li>{@link #vjp}: the vector-Jacobian product for each input, written with the fluent
 *       methods of {@link Value} and its {@link Builder} (the graph implements both), so the
 *       backward pass is itself a planned graph, differentiable again.</li>
 * </ul>
 * View ops ({@link #isView}) produce their output as a strided view of their first input and run
 * no instruction at all.
 *
 * <p>Ops are values: {@code equals} and {@code hashCode} must compare the op's kind and attributes
 * (records do this, except for array fields, which must be compared with {@code Arrays.equals}),
 * because the graph's plan cache matches graph structures by op equality.
 */
public interface Op {
    /** Short name used in errors, DOT labels and plan keys, e.g. "matmul". */
    String name();

    /** Attributes that distinguish two ops of the same name (axes, exponent, ...); "" if none. */
    default String attributes() { return ""; }

    /** The op as a reader writes it, for graph pictures: {@code slice [:, 2]}, {@code modeN(1)}, {@code tanh}. */
    default String shortForm() {
        String a = attributes();
        return a.isEmpty() ? name() : name() + " " + a;
    }

    /**
     * The output shape for these inputs.
     *
     * @throws IllegalArgumentException naming the op, the inputs and their shapes
     */
    int[] shape(Operand[] inputs);

    /**
     * The output dtype for these inputs, checked before {@link #shape} when the node is built. The
     * default is the rule of arithmetic: every input has one floating dtype (F32 or F64), which
     * the output has. Integer and boolean tensors are data for index ops (lookup, take, class
     * targets), which override this method.
     *
     * @throws IllegalArgumentException naming the op, the inputs and their shapes, and the
     *         offending input's dtype
     */
    default DType dtype(Operand[] inputs) {
        DType dtype = null;
        for (Operand in : inputs) {
            DType d = in.dtype();
            if (!d.isFloating()) {
                throw fail(this, inputs, "input " + in.describe() + " is " + d
                        + "; arithmetic ops take F32 or F64 (use lookup/take to index with it)");
            }
            if (dtype == null) dtype = d;
            else if (d != dtype) throw fail(this, inputs, "dtypes differ (" + dtype + " vs " + d + ")");
        }
        if (dtype == null) throw new IllegalArgumentException(name() + ": an op needs at least one input");
        return dtype;
    }

    /**
     * True when the output is a view of {@code inputs[0]} (see {@link #view}); decided at build time
     * from the op's attributes and the inputs' shapes, dtypes and layouts ({@link Operand#isView},
     * {@link Operand#contiguous}) only: a rebuilt graph reuses the answer while those stay the same.
     */
    default boolean isView(Operand[] inputs) { return false; }

    /**
     * True when this view op's output is laid out contiguously (only asked when {@link #isView}):
     * a reshape of a contiguous value is; a transpose or a slice in general is not.
     */
    default boolean isContiguousView(Operand[] inputs) { return false; }

    /** The output as a view of the first input's value (only called when {@link #isView}). */
    default Tensor view(Tensor[] inputs) {
        throw new UnsupportedOperationException(name() + " is not a view op");
    }

    /**
     * The input whose buffer the output may take over when nothing else reads that input (an
     * accumulation such as {@code a b + c} written into c's memory), or -1. The compiler then binds
     * the op with its output as exactly that input's buffer (same storage, offset and strides); the
     * forward rule must be correct under that aliasing.
     */
    default int inPlaceInput() { return -1; }

    /** Shapes of scratch buffers the forward rule needs (planned like any other buffer). */
    default int[][] workspace(Operand[] inputs, int[] outShape) { return NO_WORKSPACE; }

    /**
     * False when {@link #bind} reads its {@code inputs} array only while it binds (it may keep the
     * tensors, not the array): the compiler then hands every such op one reused array instead of a
     * new one per instruction, which for a graph with a new structure each example is one object
     * less per op node. The default, true, is always safe.
     */
    default boolean bindKeepsInputs() { return true; }

    /** Binds the forward rule to its buffers: {@code out = op(inputs)}, using {@code work} as scratch. */
    Instruction bind(TensorMath math, Tensor[] inputs, Tensor out, Tensor[] work);

    /**
     * {@link #bind(TensorMath, Tensor[], Tensor, Tensor[])} for a step with this context: ops that
     * depend on whether the step trains, or on its random draw (batch normalisation, dropout) override this
     * form; the compiler always calls it. The default ignores the context.
     */
    default Instruction bind(TensorMath math, Tensor[] inputs, Tensor out, Tensor[] work, RunContext context) {
        return bind(math, inputs, out, work);
    }

    /**
     * Gradient values, one per input ({@code null} where {@code needed[i]} is false or the
     * gradient is identically zero), each with exactly that input's shape; the array is made by
     * {@link #grads} or {@link #noGrads} (an array of the inputs' runtime type).
     *
     * @param out  this op's value
     * @param grad the gradient flowing into {@code out} (same shape as out)
     */
    <V extends Value<V>> V[] vjp(V[] inputs, V out, V grad, boolean[] needed);

    int[][] NO_WORKSPACE = new int[0][];

    /** A bound forward step; {@code run} must not allocate. */
    @FunctionalInterface
    interface Instruction {
        void run(TensorMath math);
    }

    /**
     * The result of a {@link #vjp}: the given gradients in an array of {@code inputs}' runtime
     * type (a generic method cannot create a {@code V[]} itself).
     */
    @SafeVarargs
    static <V extends Value<V>> V[] grads(V[] inputs, V... grads) {
        V[] out = java.util.Arrays.copyOf(inputs, grads.length);
        System.arraycopy(grads, 0, out, 0, grads.length);
        return out;
    }

    /** An array of {@code n} absent gradients, of {@code inputs}' runtime type, for a {@link #vjp} to fill. */
    static <V extends Value<V>> V[] noGrads(V[] inputs, int n) {
        return java.util.Arrays.copyOf(java.util.Arrays.copyOf(inputs, 0), n);
    }

    /** A shape error naming this op, the inputs and their shapes, with a reason. */
    static IllegalArgumentException fail(Op op, Operand[] inputs, String reason) {
        StringBuilder sb = new StringBuilder(op.name());
        if (!op.attributes().isEmpty()) sb.append('[').append(op.attributes()).append(']');
        sb.append('(');
        for (int i = 0; i < inputs.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(inputs[i].describe());
        }
        return new IllegalArgumentException(sb.append("): ").append(reason).toString());
    }
}
