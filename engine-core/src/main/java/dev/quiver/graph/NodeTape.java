package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.util.Arrays;

/**
 * One of a graph's two node pools: what each node of a build is (kind, op, inputs, shape, dtype,
 * leaf value, name and the rebuild bookkeeping) in parallel arrays, and one {@link Node} handle per
 * index, made once for the graph's life. A node object used to carry all of this itself; in a
 * 10^5-node graph rebuilt with a new structure each time, those 80-byte objects (five and more per
 * forward node, both pools) were the largest count the collector copied, and past a few thousand
 * nodes each changed node was a new one. Now a rebuild, whatever its structure, allocates no node
 * objects: it overwrites array slots, and the primitive ones (inputs, sizes, flags) cost no GC
 * barrier to store. The two pools still alternate between builds (see {@link Graph#reset()}), so a
 * node kept across a reset is the other pool's handle and is detected as stale.
 */
final class NodeTape {
    static final byte VIEW = 1, CONTIGUOUS = 2, STABLE = 4, OWNS_NAME = 8, NAME_DIFFERS = 16;

    final Graph graph;
    /** Handle {@code i} has index {@code i}; {@code count} of them exist. */
    Node[] handles = new Node[16];
    int count;

    byte[] kind = new byte[16];
    byte[] flags = new byte[16];
    Op[] op = new Op[16];
    /** Input indices, -1 when absent; nodes with three or more inputs keep their array in {@link #more}. */
    int[] in0 = new int[16], in1 = new int[16];
    Node[][] more = new Node[16][];
    int[][] shape = new int[16][];
    int[] size = new int[16];
    DType[] dtype = new DType[16];
    Parameter[] parameter = new Parameter[16];
    Tensor[] constant = new Tensor[16];
    String[] name = new String[16], compiledName = new String[16];
    /** The last view built from each node while the graph shares views (see {@code Graph#shareViews}), or a stale one. */
    Node[] sharedView = new Node[16];

    NodeTape(Graph graph) {
        this.graph = graph;
    }

    /** The handle of a new slot at index {@link #count}, its arrays zeroed (no flags, no inputs). */
    Node grow() {
        int i = count;
        if (i == handles.length) {
            int n = 2 * i;
            handles = Arrays.copyOf(handles, n);
            kind = Arrays.copyOf(kind, n);
            flags = Arrays.copyOf(flags, n);
            op = Arrays.copyOf(op, n);
            in0 = Arrays.copyOf(in0, n);
            in1 = Arrays.copyOf(in1, n);
            more = Arrays.copyOf(more, n);
            shape = Arrays.copyOf(shape, n);
            size = Arrays.copyOf(size, n);
            dtype = Arrays.copyOf(dtype, n);
            parameter = Arrays.copyOf(parameter, n);
            constant = Arrays.copyOf(constant, n);
            name = Arrays.copyOf(name, n);
            compiledName = Arrays.copyOf(compiledName, n);
            sharedView = Arrays.copyOf(sharedView, n);
        }
        in0[i] = -1;
        in1[i] = -1;
        kind[i] = -1;
        Node h = new Node(graph, this, i);
        handles[i] = h;
        count = i + 1;
        return h;
    }

    /** Node i's number of inputs, read from the arrays (a compile's passes over every node use these, not the handles). */
    int arity(int i) {
        Node[] m = more[i];
        return m != null ? m.length : in1[i] >= 0 ? 2 : in0[i] >= 0 ? 1 : 0;
    }

    /** The index of node i's input k (below {@link #arity}). */
    int input(int i, int k) {
        Node[] m = more[i];
        return m != null ? m[k].index() : k == 0 ? in0[i] : in1[i];
    }

    boolean flag(int i, byte f) { return (flags[i] & f) != 0; }

    void flag(int i, byte f, boolean on) {
        flags[i] = (byte) (on ? flags[i] | f : flags[i] & ~f);
    }
}
