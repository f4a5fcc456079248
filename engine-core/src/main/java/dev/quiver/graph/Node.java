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
 * name can change. {@link Graph#reset()} recycles node objects for the next build, so a node must
 * not be used after the graph that built it is reset. The fluent methods ({@code x.t().matmul(A)}) build new nodes in
 * the same graph, exactly like the corresponding {@link Graph} methods; they are the {@link Value}
 * interface the ops' derivative rules are written against.
 */
public final class Node implements Value<Node> {
    /** What kind of value a node holds. */
    public enum Kind { INPUT, PARAM, CONSTANT, OP }

    private final Graph graph;
    // Not final: a graph that is reset recycles its node objects for the next build (see Graph#reset).
    private int index;
    private Kind kind;
    private Op op;
    /**
     * The inputs: up to two (nearly every node) in fields, more in an array. An array per node was
     * one object in four of what a compiled large graph keeps alive, all of it copied by each young
     * collection while the graph is built and compiled.
     */
    private Node in0, in1;
    private Node[] more;
    private int[] shape;
    private int size;
    private DType dtype;
    private Parameter parameter;
    private Tensor constant;
    private boolean view;
    private boolean contiguous;
    private String name;
    /**
     * Shape, dtype and layout (view, contiguous) are those of this object's previous build, so a
     * consumer recycled with the same op on it needs neither its shape rule nor {@link Op#isView} rerun.
     */
    boolean stable;
    /** The graph's name map sends this node's current name to this node (so a rebuild that keeps the name needs no lookup). */
    boolean ownsName;
    /** The name this node had when its graph last compiled (null past the compiled node count). */
    String compiledName;
    /** The last view built from this node while the graph shares views (see {@code Graph#shareViews}), or a stale one. */
    Node sharedView;
    /** Counted in the graph's {@code namesDiffering}: below the compiled count, the name differs from {@link #compiledName}. */
    boolean nameDiffers;

    Node(Graph graph, int index, Kind kind, Op op, Node[] inputs, int[] shape, DType dtype,
         Parameter parameter, Tensor constant, String name) {
        this.graph = graph;
        init(index, kind, op, inputs, shape, dtype, parameter, constant, name);
    }

    void init(int index, Kind kind, Op op, Node[] inputs, int[] shape, DType dtype, Parameter parameter, Tensor constant,
              String name) {
        this.index = index;
        // Recycled nodes mostly get their own values back: skip those reference stores (and their GC write barriers).
        if (this.kind != kind) this.kind = kind;
        if (this.op != op) this.op = op;
        setInputs(inputs);
        if (this.shape != shape) {
            this.shape = shape;
            this.size = Shapes.size(shape);
        }
        if (this.dtype != dtype) this.dtype = dtype;
        if (this.parameter != parameter) this.parameter = parameter;
        if (this.constant != constant) this.constant = constant;
        if (this.name != name) rename(name);
        this.view = op != null && op.isView(inputs);
        // Planned buffers and leaves are contiguous; a view is contiguous only if it is a reshape of a contiguous value.
        this.contiguous = constant != null ? Graph.isData(constant) || constant.isContiguous()
                : !view || op.isContiguousView(inputs);
    }

    private void setInputs(Node[] inputs) {
        int n = inputs.length;
        Node a = n > 0 && n <= 2 ? inputs[0] : null, b = n == 2 ? inputs[1] : null;
        Node[] m = n > 2 ? inputs : null;
        // Recycled nodes mostly get their own inputs back: skip those stores (and their GC write barriers).
        if (in0 != a) in0 = a;
        if (in1 != b) in1 = b;
        if (more != m) more = m;
    }

    /**
     * Re-activates this node at {@code index} exactly as its previous build made it (same op on
     * the same, {@link #stable} inputs), unnamed: its shape, dtype and layout carry over.
     */
    void recycle(int index) {
        this.index = index;
        if (name != null) rename(null);
    }

    /** Sets the name and keeps the graph's count of names that differ from the last compile up to date. */
    private void rename(String newName) {
        name = newName;
        boolean differs = index < graph.compiledCount && !java.util.Objects.equals(newName, compiledName);
        if (differs != nameDiffers) {
            nameDiffers = differs;
            graph.namesDiffering += differs ? 1 : -1;
        }
    }

    /** Re-initialises like {@link #init} and records whether shape, dtype and layout stayed those of the previous build. */
    void reinit(int index, Kind kind, Op op, Node[] inputs, int[] shape, DType dtype, Parameter parameter, Tensor constant,
                String name, boolean sameShapeAndType) {
        boolean wasView = view, wasContiguous = contiguous;
        init(index, kind, op, inputs, shape, dtype, parameter, constant, name);
        stable = sameShapeAndType && view == wasView && contiguous == wasContiguous;
    }

    /** The inputs as an array: for up to two inputs a new one, else this node's own (not to be modified). */
    Node[] inputsRef() {
        return more != null ? more : in0 == null ? NO_INPUTS : in1 == null ? new Node[] {in0} : new Node[] {in0, in1};
    }

    private static final Node[] NO_INPUTS = new Node[0];

    public Graph graph() { return graph; }

    /** Position in the graph's build order (the same for every rebuild of the same structure). */
    public int index() { return index; }

    public Kind kind() { return kind; }

    /** The op, or null for inputs, parameters and constants. */
    public Op op() { return op; }

    /** The argument nodes (a copy). */
    public Node[] inputs() { return more != null ? more.clone() : inputsRef(); }

    Node input(int i) {
        // Callers in this package loop below arity(): no range check on this hot path.
        return more != null ? more[i] : i == 0 ? in0 : in1;
    }

    /** Inputs are never null (Graph refuses them), so the fields in use give the count. */
    int arity() { return more != null ? more.length : in1 != null ? 2 : in0 != null ? 1 : 0; }

    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }

    int[] shapeRef() { return shape; }

    public int rank() { return shape.length; }

    /** True when this node has the same shape as {@code other} (no copies, unlike comparing {@link #shape()}s). */
    @Override public boolean sameShape(dev.quiver.ops.Operand other) {
        return java.util.Arrays.equals(shape, other instanceof Node n ? n.shape : other.shape());
    }

    public int dim(int axis) { return shape[Shapes.axis("dim", axis, shape.length)]; }

    public int size() { return size; }

    public DType dtype() { return dtype; }

    /** The parameter of a PARAM node, else null. */
    public Parameter parameter() { return parameter; }

    /** The value of a CONSTANT node, else null. */
    public Tensor constant() { return constant; }

    /** The name, or null. */
    public String name() { return name; }

    void setName(String name) { rename(name); }

    /** True when this node's value is a strided view of its first input (no buffer, no instruction). */
    public boolean isView() { return view; }

    /** True when this node's value is laid out contiguously in row-major order. */
    public boolean contiguous() { return contiguous; }

    /** The name if any, else op and index, e.g. {@code matmul#4}. */
    public String label() {
        if (name != null) return name;
        return (op != null ? op.name() : kind.name().toLowerCase()) + "#" + index;
    }

    /** Label and shape, e.g. {@code 'x' [3]}, for error messages. */
    public String describe() {
        return (name != null ? "'" + name + "'" : label()) + " " + Shapes.str(shape);
    }

    @Override
    public String toString() {
        return "Node(" + label() + ", " + (op != null ? op.name() : kind) + ", " + dtype + " " + Shapes.str(shape) + ")";
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
