package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * The structure of the nodes a {@link Step} was compiled from, kept in parallel arrays instead of
 * one record per node: a step of a 10^5-node dynamic graph lives until the next structure replaces
 * it, and every object per node is one more for the collector to copy. The step keeps this instead
 * of the nodes because a graph that is {@link Graph#reset() reset} recycles its node objects.
 *
 * <p>Per node: kind and dtype (ordinals), op, shape (the graph's interned arrays, never mutated),
 * inputs (compressed rows: node i reads {@code inputs[inputStart[i] .. inputStart[i+1]-1]}).
 * Names, parameters and the constants that are structure (not {@link Graph#isData data}) belong to
 * few nodes, so they sit in sorted sparse tables; {@link #matches} walks those with cursors.
 */
final class StructureTape {
    private static final Node.Kind[] KINDS = Node.Kind.values();
    private static final DType[] DTYPES = DType.values();
    private static final int[] NONE = new int[0];

    private final int count;
    private final byte[] kind, dtype;
    private final Op[] op;
    private final int[][] shape;
    private final int[] inputStart, inputs;
    private final int[] namedAt, parameterAt, constantAt;
    private final String[] names;
    private final Parameter[] parameters;
    private final Tensor[] constants;

    /**
     * The first {@code count} nodes of the build in {@code t} (the graph's current node pool), whose
     * inputs are already in compressed rows ({@code inputStart}, {@code inputs}: the compiler's tape,
     * copied here because its arrays are reused). Read from the pool's parallel arrays in order, not
     * node by node: kind, op and shape are block copies, and a 10^5-node graph's handles (one cache
     * miss each) are not touched.
     */
    StructureTape(NodeTape t, int count, int[] inputStart, int[] inputs) {
        this.count = count;
        kind = Arrays.copyOf(t.kind, count);   // Node.Kind ordinals, as here
        dtype = new byte[count];
        op = Arrays.copyOf(t.op, count);
        shape = Arrays.copyOf(t.shape, count);
        this.inputStart = Arrays.copyOf(inputStart, count + 1);
        this.inputs = Arrays.copyOf(inputs, inputStart[count]);
        DType[] dtypes = t.dtype;
        String[] name = t.name;
        Parameter[] parameter = t.parameter;
        Tensor[] constant = t.constant;
        int named = 0, params = 0, consts = 0;
        for (int i = 0; i < count; i++) {
            dtype[i] = (byte) dtypes[i].ordinal();
            if (name[i] != null) named++;
            if (parameter[i] != null) params++;
            if (structural(constant[i])) consts++;
        }
        namedAt = named == 0 ? NONE : new int[named];
        names = new String[named];
        parameterAt = params == 0 ? NONE : new int[params];
        parameters = new Parameter[params];
        constantAt = consts == 0 ? NONE : new int[consts];
        constants = new Tensor[consts];
        if (named + params + consts == 0) return;
        named = params = consts = 0;
        for (int i = 0; i < count; i++) {
            if (name[i] != null) {
                namedAt[named] = i;
                names[named++] = name[i];
            }
            if (parameter[i] != null) {
                parameterAt[params] = i;
                parameters[params++] = parameter[i];
            }
            if (structural(constant[i])) {
                constantAt[consts] = i;
                constants[consts++] = constant[i];
            }
        }
    }

    /** A constant bound by reference (its identity is structure); a data constant's value is not kept. */
    private static boolean structural(Tensor constant) {
        return constant != null && !Graph.isData(constant);
    }

    int count() { return count; }

    Node.Kind kind(int i) { return KINDS[kind[i]]; }

    DType dtype(int i) { return DTYPES[dtype[i]]; }

    /** The op, or null for a leaf. */
    Op op(int i) { return op[i]; }

    int[] shape(int i) { return shape[i]; }

    int arity(int i) { return inputStart[i + 1] - inputStart[i]; }

    int input(int i, int k) { return inputs[inputStart[i] + k]; }

    String name(int i) {
        int at = Arrays.binarySearch(namedAt, i);
        return at >= 0 ? names[at] : null;
    }

    Parameter parameter(int i) {
        int at = Arrays.binarySearch(parameterAt, i);
        return at >= 0 ? parameters[at] : null;
    }

    /** True for a constant whose value is data, copied into the step's buffer at each forward. */
    boolean isDataConstant(int i) {
        return kind(i) == Node.Kind.CONSTANT && Arrays.binarySearch(constantAt, i) < 0;
    }

    /** As {@link Node#describe()} of node i when the step was compiled (built only for messages). */
    String describe(int i) {
        String name = name(i);
        String label = name != null ? "'" + name + "'" : (op[i] != null ? op[i].name() : kind(i).name().toLowerCase()) + "#" + i;
        return label + " " + Shapes.str(shape[i]);
    }

    /**
     * True when the first {@code count} nodes of {@code now} have the structure recorded for them
     * (allocates nothing). {@code count} is at most {@link #count()}.
     */
    boolean matches(java.util.List<Node> now, int count) {
        int name = 0, param = 0, constant = 0;
        for (int i = 0; i < count; i++) {
            Node n = now.get(i);
            int from = inputStart[i], arity = inputStart[i + 1] - from;
            int[] s = n.shapeRef();
            if (n.kind().ordinal() != kind[i] || n.dtype().ordinal() != dtype[i] || n.arity() != arity
                    || s != shape[i] && !Arrays.equals(s, shape[i])) {
                return false;
            }
            Op o = n.op();
            if (o != op[i] && !Objects.equals(o, op[i])) return false;
            for (int k = 0; k < arity; k++) if (n.input(k).index() != inputs[from + k]) return false;
            String nm = n.name();
            if (name < namedAt.length && namedAt[name] == i) {
                if (!names[name++].equals(nm)) return false;
            } else if (nm != null) {
                return false;
            }
            Parameter p = n.parameter();
            if (param < parameterAt.length && parameterAt[param] == i) {
                if (parameters[param++] != p) return false;
            } else if (p != null) {
                return false;
            }
            Tensor c = n.constant();
            if (constant < constantAt.length && constantAt[constant] == i) {
                if (constants[constant++] != c) return false;
            } else if (structural(c)) {
                return false;
            }
        }
        return true;
    }
}
