package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.ops.Value;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

/**
 * A value in a {@link Graph}: an input (fed each run), a parameter, a constant, or the result of
 * an {@link Op} applied to other nodes. Shape and dtype are fixed when the node is built; only the
 * name can change. A node is a handle on a slot of its graph's node tape, and {@link Graph#reset()}
 * recycles those slots for the next build, so a node must not be used after the graph that built it
 * is reset (an error says so). The fluent methods ({@code x.t().matmul(A)}) build new nodes in
 * the same graph, exactly like the corresponding {@link Graph} methods; they are the {@link Value}
 * interface the ops' derivative rules are written against.
 */
public final class Node implements Value<Node> {
    /** What kind of value a node holds. */
    public enum Kind { INPUT, PARAM, CONSTANT, OP }

    private static final Kind[] KINDS = Kind.values();

    // A handle: what the node is lives in its pool's tape (see NodeTape), at this fixed index.
    private final Graph graph;
    private final NodeTape tape;
    private final int index;

    Node(Graph graph, NodeTape tape, int index) {
        this.graph = graph;
        this.tape = tape;
        this.index = index;
    }

    void init(Kind kind, Op op, Node[] inputs, int[] shape, DType dtype, Parameter parameter, Tensor constant, String name) {
        NodeTape t = tape;
        int i = index;
        t.kind[i] = (byte) kind.ordinal();
        // Recycled slots mostly get their own values back: skip those reference stores (and their GC write barriers).
        if (t.op[i] != op) t.op[i] = op;
        setInputs(inputs);
        if (t.shape[i] != shape) {
            t.shape[i] = shape;
            t.size[i] = Shapes.size(shape);
        }
        if (t.dtype[i] != dtype) t.dtype[i] = dtype;
        if (t.parameter[i] != parameter) t.parameter[i] = parameter;
        if (t.constant[i] != constant) t.constant[i] = constant;
        if (t.name[i] != name) rename(name);
        boolean view = op != null && op.isView(inputs);
        // Planned buffers and leaves are contiguous; a view is contiguous only if it is a reshape of a contiguous value.
        boolean contiguous = constant != null ? Graph.isData(constant) || constant.isContiguous()
                : !view || op.isContiguousView(inputs);
        t.flag(i, NodeTape.VIEW, view);
        t.flag(i, NodeTape.CONTIGUOUS, contiguous);
    }

    private void setInputs(Node[] inputs) {
        NodeTape t = tape;
        int n = inputs.length, i = index;
        t.in0[i] = n > 0 && n <= 2 ? inputs[0].index : -1;
        t.in1[i] = n == 2 ? inputs[1].index : -1;
        Node[] m = n > 2 ? inputs : null;
        if (t.more[i] != m) t.more[i] = m;
    }

    /**
     * Re-activates this node exactly as its previous build made it (same op on the same,
     * {@link #stable} inputs), unnamed: its shape, dtype and layout carry over.
     */
    void recycle() {
        if (tape.name[index] != null) rename(null);
    }

    /** Sets the name and keeps the graph's count of names that differ from the last compile up to date. */
    private void rename(String newName) {
        tape.name[index] = newName;
        boolean differs = index < graph.compiledCount && !java.util.Objects.equals(newName, tape.compiledName[index]);
        if (differs != nameDiffers()) {
            tape.flag(index, NodeTape.NAME_DIFFERS, differs);
            graph.namesDiffering += differs ? 1 : -1;
        }
    }

    /** Re-initialises like {@link #init} and records whether shape, dtype and layout stayed those of the previous build. */
    void reinit(Kind kind, Op op, Node[] inputs, int[] shape, DType dtype, Parameter parameter, Tensor constant,
                String name, boolean sameShapeAndType) {
        boolean wasView = isView(), wasContiguous = contiguous();
        init(kind, op, inputs, shape, dtype, parameter, constant, name);
        stable(sameShapeAndType && isView() == wasView && contiguous() == wasContiguous);
    }

    /**
     * Shape, dtype and layout (view, contiguous) are those of this slot's previous build, so a
     * consumer recycled with the same op on it needs neither its shape rule nor {@link Op#isView} rerun.
     */
    boolean stable() { return tape.flag(index, NodeTape.STABLE); }

    void stable(boolean on) { tape.flag(index, NodeTape.STABLE, on); }

    /** The graph's name map sends this node's current name to this node (so a rebuild that keeps the name needs no lookup). */
    boolean ownsName() { return tape.flag(index, NodeTape.OWNS_NAME); }

    void ownsName(boolean on) { tape.flag(index, NodeTape.OWNS_NAME, on); }

    /** Counted in the graph's {@code namesDiffering}: below the compiled count, the name differs from the compiled name. */
    private boolean nameDiffers() { return tape.flag(index, NodeTape.NAME_DIFFERS); }

    /** The last view built from this node while the graph shares views (see {@code Graph#shareViews}), or a stale one. */
    Node sharedView() { return tape.sharedView[index]; }

    void sharedView(Node v) { tape.sharedView[index] = v; }

    /** The tape this node's handle reads (one of its graph's two pools). */
    NodeTape tape() { return tape; }

    /** The inputs as an array: for up to two inputs a new one, else this node's own (not to be modified). */
    Node[] inputsRef() {
        Node[] m = tape.more[index];
        if (m != null) return m;
        int a = tape.in0[index], b = tape.in1[index];
        Node[] h = tape.handles;
        return a < 0 ? NO_INPUTS : b < 0 ? new Node[] {h[a]} : new Node[] {h[a], h[b]};
    }

    private static final Node[] NO_INPUTS = new Node[0];

    public Graph graph() { return graph; }

    /** Position in the graph's build order (the same for every rebuild of the same structure). */
    public int index() { return index; }

    public Kind kind() { return KINDS[tape.kind[index]]; }

    /** True for an op node (no enum load). */
    boolean isOp() { return tape.kind[index] == OP_ORDINAL; }

    private static final byte OP_ORDINAL = (byte) Kind.OP.ordinal();

    /** The op, or null for inputs, parameters and constants. */
    public Op op() { return tape.op[index]; }

    /** The argument nodes (a copy). */
    public Node[] inputs() {
        Node[] m = tape.more[index];
        return m != null ? m.clone() : inputsRef();
    }

    Node input(int i) {
        // Callers in this package loop below arity(): no range check on this hot path.
        Node[] m = tape.more[index];
        return m != null ? m[i] : tape.handles[i == 0 ? tape.in0[index] : tape.in1[index]];
    }

    /** Inputs are never null (Graph refuses them), so the slots in use give the count. */
    int arity() {
        Node[] m = tape.more[index];
        return m != null ? m.length : tape.in1[index] >= 0 ? 2 : tape.in0[index] >= 0 ? 1 : 0;
    }

    /** A copy of the shape. */
    public int[] shape() { return tape.shape[index].clone(); }

    int[] shapeRef() { return tape.shape[index]; }

    public int rank() { return tape.shape[index].length; }

    /** True when this node has the same shape as {@code other} (no copies, unlike comparing {@link #shape()}s). */
    @Override public boolean sameShape(dev.quiver.ops.Operand other) {
        return java.util.Arrays.equals(shapeRef(), other instanceof Node n ? n.shapeRef() : other.shape());
    }

    public int dim(int axis) {
        int[] shape = shapeRef();
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    public int size() { return tape.size[index]; }

    public DType dtype() { return tape.dtype[index]; }

    /** The parameter of a PARAM node, else null. */
    public Parameter parameter() { return tape.parameter[index]; }

    /** The value of a CONSTANT node, else null. */
    public Tensor constant() { return tape.constant[index]; }

    /** The name, or null. */
    public String name() { return tape.name[index]; }

    void setName(String name) { rename(name); }

    /** The name this node had when its graph last compiled (null past the compiled node count). */
    String compiledName() { return tape.compiledName[index]; }

    /** True when this node's value is a strided view of its first input (no buffer, no instruction). */
    public boolean isView() { return tape.flag(index, NodeTape.VIEW); }

    /** True when this node's value is laid out contiguously in row-major order. */
    public boolean contiguous() { return tape.flag(index, NodeTape.CONTIGUOUS); }

    /** The name if any, else op and index, e.g. {@code matmul#4}. */
    public String label() {
        String name = name();
        if (name != null) return name;
        Op op = op();
        return (op != null ? op.name() : kind().name().toLowerCase()) + "#" + index;
    }

    /** Label and shape, e.g. {@code 'x' [3]}, for error messages. */
    public String describe() {
        String name = name();
        return (name != null ? "'" + name + "'" : label()) + " " + Shapes.str(shapeRef());
    }

    @Override
    public String toString() {
        Op op = op();
        return "Node(" + label() + ", " + (op != null ? op.name() : kind()) + ", " + dtype() + " " + Shapes.str(shapeRef()) + ")";
    }

    // ------------------------------------------------------------------ fluent building

    public Node add(Node other) { return graph.add(this, other); }
    public Node sub(Node other) { return graph.sub(this, other); }
    public Node mul(Node other) { return graph.mul(this, other); }
    public Node div(Node other) { return graph.div(this, other); }
    public Node add(double c) { return graph.add(this, c); }
    public Node sub(double c) { return graph.add(this, -c); }
    public Node mul(double c) { return graph.mul(this, c); }
    public Node div(double c) { return graph.mul(this, 1 / c); }
    public Node neg() { return graph.neg(this); }
    public Node exp() { return graph.exp(this); }
    public Node log() { return graph.log(this); }
    public Node tanh() { return graph.tanh(this); }
    public Node sigmoid() { return graph.sigmoid(this); }
    public Node relu() { return graph.relu(this); }
    public Node pow(double p) { return graph.pow(this, p); }
    public Node square() { return graph.square(this); }
    public Node sqrt() { return graph.sqrt(this); }
    public Node abs() { return graph.abs(this); }
    public Node hinge() { return graph.hinge(this); }
    public Node gelu() { return graph.gelu(this); }
    public Node softplus() { return graph.softplus(this); }
    public Node silu() { return graph.silu(this); }
    public Node log1p() { return graph.log1p(this); }
    public Node expm1() { return graph.expm1(this); }
    public Node max(Node other) { return graph.max(this, other); }
    public Node min(Node other) { return graph.min(this, other); }
    /** Matrix transpose, or reversal of all axes; a vector stays a vector (so {@code x.t().matmul(A)} is xᵀA). */
    public Node t() { return graph.transpose(this); }
    public Node transpose(int axis0, int axis1) { return graph.transpose(this, axis0, axis1); }
    public Node permute(int... order) { return graph.permute(this, order); }
    public Node reshape(int... shape) { return graph.reshape(this, shape); }
    public Node slice(Index... index) { return graph.slice(this, index); }
    public Node matmul(Node other) { return graph.matmul(this, other); }
    public Node dot(Node other) { return graph.dot(this, other); }
    public Node modeN(Node matrix, int mode) { return graph.modeN(this, matrix, mode); }
    /** Sum of all elements (rank 0). */
    public Node sum() { return graph.sum(this); }
    public Node sum(boolean keepDims, int... axes) { return graph.sum(this, keepDims, axes); }
    public Node mean() { return graph.mean(this); }
    public Node mean(boolean keepDims, int... axes) { return graph.mean(this, keepDims, axes); }
    public Node norm() { return graph.norm(this); }
    public Node softmax(int axis) { return graph.softmax(this, axis); }
    public Node logSoftmax(int axis) { return graph.logSoftmax(this, axis); }
    public Node named(String name) { return graph.named(name, this); }
    /** Slices along an axis picked by an index tensor ({@link Graph#take}). */
    public Node take(int axis, Node indices) { return graph.take(this, axis, indices); }
    /** Rows of this table by id ({@link Graph#lookup(Node, Node)}). */
    public Node lookup(Node indices) { return graph.lookup(this, indices); }
    /** One row of this table ({@link Graph#lookup(Node, int)}). */
    public Node lookup(int row) { return graph.lookup(this, row); }
}
