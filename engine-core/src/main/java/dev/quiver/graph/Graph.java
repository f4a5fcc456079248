package dev.quiver.graph;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.internal.ClassCrossEntropy;
import dev.quiver.ops.internal.Conv;
import dev.quiver.ops.ConvSpec;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.internal.Elementwise;
import dev.quiver.ops.Builder;
import dev.quiver.ops.Op;
import dev.quiver.ops.internal.Pool;
import dev.quiver.ops.internal.Products;
import dev.quiver.ops.internal.Reductions;
import dev.quiver.ops.internal.ScatterAdd;
import dev.quiver.ops.internal.Shaping;
import dev.quiver.ops.internal.SoftmaxCrossEntropy;
import dev.quiver.ops.internal.Take;
import dev.quiver.ops.Window;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A computation graph under construction: nodes are values (inputs, parameters, constants, op
 * results), edges are arguments. Every op checks its shapes when its node is built, so a graph
 * that builds is well-typed. {@link #compile} turns a graph into a {@link Step}: a planned,
 * preallocated forward (and backward) schedule.
 *
 * <pre>{@code
 * var g = new Graph();
 * var x = g.input("x", F64, 3);
 * var A = g.param("A", Tensor.randn(F64, Seed.of(1), 3, 3));
 * var f = g.named("f", x.t().matmul(A).matmul(x));
 * var step = g.compile(f, CompileOptions.training().withInputGradients(true));
 * step.forward(Map.of("x", xValue));
 * step.backward();
 * step.grad(A);           // x x^T
 * step.grad(x);           // (A^T + A) x
 * }</pre>
 *
 * <p><b>Dynamic graphs.</b> A graph built afresh every step with a recurring structure reuses its
 * compiled plan: {@link #compile} looks the structure (ops, shapes, dtypes, names, the identity of
 * parameters and constants) up in a {@link PlanCache} and, on a hit, rebinds the existing step,
 * with its buffers, to the new nodes. Call {@link #reset()} to rebuild in the same graph, or share
 * one cache between graphs with {@link #Graph(PlanCache)}.
 *
 * <p>A graph is not thread-safe. Nodes of one graph cannot be used in another (an error says so).
 */
public final class Graph implements Builder<Node> {
    private static final Node[] NO_INPUTS = new Node[0];
    private static final SoftmaxCrossEntropy SOFTMAX_CROSS_ENTROPY = new SoftmaxCrossEntropy();

    private NodeList nodes = new NodeList();
    /** The current build's node pool: every slot this graph's builds used, by index, recycled by the next build (see {@link NodeTape}). */
    private NodeTape tape = new NodeTape(this);
    /** Names of live nodes; stale entries (of recycled nodes) are ignored, see {@link #isLive}. */
    private final Map<String, Node> names = new HashMap<>();
    private final PlanCache cache;
    /** Node shapes share canonical arrays (see {@link ShapeTable}). */
    final ShapeTable shapes = new ShapeTable();
    /** Shaping and scalar ops share canonical instances (see {@link OpTable}). */
    private final OpTable ops = new OpTable();
    /** The compiler's working arrays, reused by this graph's next compile of a new structure. */
    final Scratch scratch = new Scratch();
    /**
     * The step this graph last compiled to (planned, or found in the cache) and the node count it
     * was compiled from. While {@code unchangedSinceCompile} holds, every pooled node below that
     * count still has the op, input objects, shape, dtype, parameter and constant it had at that
     * compile (rebuilds since re-initialised them identically). Any other re-initialisation below
     * the count clears the flag until the next compile, across resets: a build that differed and
     * was then repeated must not look unchanged. When the flag holds and the graph has exactly that
     * many nodes, the step matches without the node-by-node comparison (the output and the options
     * are still checked). Names are tracked apart, because {@link #named} may rename a node after it
     * is built: {@code namesDiffering} counts the pooled nodes below that count whose name is not
     * the one they had at that compile (see {@link Node#compiledName}).
     */
    private Step compiledStep;
    int compiledCount = -1;
    int namesDiffering;
    private boolean unchangedSinceCompile;

    /**
     * Constants of at most this many elements are data, not structure: a rebuild that creates a
     * new constant of the same shape and dtype (a one-hot target, a class index, a word id) reuses
     * the compiled plan, and the step copies the constant's current value in at every forward.
     * Larger constants are bound by reference: their identity is part of the plan's key (feed
     * varying large values through an input instead).
     */
    public static final int DATA_CONSTANT_MAX = 1024;

    static boolean isData(Tensor constant) {
        return constant != null && constant.size() <= DATA_CONSTANT_MAX;
    }

    /** A graph with its own plan cache. */
    public Graph() {
        this(new PlanCache());
    }

    /** A graph sharing a plan cache (for dynamic graphs rebuilt as new Graph objects). */
    public Graph(PlanCache cache) {
        this.cache = cache;
    }

    /**
     * Forgets every node and name, keeping the plan cache, so the next build can reuse compiled
     * plans. Node objects are recycled by the next build: nodes obtained before a reset must not be
     * used after it. A rebuild with the structure of the previous one allocates no nodes and reruns
     * no shape rules.
     */
    public void reset() {
        nodes.size = 0;
        // Two node pools alternate between builds: a node kept from the previous build is never an
        // object of this one, so using it is detected (see #own) instead of aliasing a recycled node.
        NodeList n = nodes; nodes = otherNodes; otherNodes = n;
        NodeTape t = tape; tape = otherTape; otherTape = t;
        Step st = compiledStep; compiledStep = otherCompiledStep; otherCompiledStep = st;
        int c = compiledCount; compiledCount = otherCompiledCount; otherCompiledCount = c;
        c = namesDiffering; namesDiffering = otherNamesDiffering; otherNamesDiffering = c;
        boolean u = unchangedSinceCompile; unchangedSinceCompile = otherUnchanged; otherUnchanged = u;
        nodes.size = 0;
    }

    /** The other pool's state, swapped in by the next {@link #reset()}. */
    private NodeList otherNodes = new NodeList();
    private NodeTape otherTape = new NodeTape(this);
    private Step otherCompiledStep;
    private int otherCompiledCount = -1, otherNamesDiffering;
    private boolean otherUnchanged;

    /** True when {@code n} is a node of the current build (not one kept from before a reset). */
    boolean isCurrent(Node n) {
        int i = n.index();
        return n.graph() == this && i < nodes.size && nodes.items[i] == n;
    }

    /** Records the step just compiled from the current nodes (see {@link #compiledStep}). */
    void compiled(Step step) {
        if (step != compiledStep || nodes.size() != compiledCount || namesDiffering != 0) {
            // Names as of this compile (an unchanged rebuild has them already: it skips this loop).
            compiledCount = nodes.size();
            NodeTape t = tape;
            for (int i = 0; i < t.count; i++) {
                String name = i < compiledCount ? t.name[i] : null;
                if (t.compiledName[i] != name) t.compiledName[i] = name;
                t.flag(i, NodeTape.NAME_DIFFERS, false);
            }
            namesDiffering = 0;
        }
        if (compiledStep != step) compiledStep = step;
        unchangedSinceCompile = true;
    }

    /** The step last compiled from this graph if no node, name included, changed since; else null. */
    Step unchangedStep() {
        return unchangedSinceCompile && nodes.size() == compiledCount && namesDiffering == 0 ? compiledStep : null;
    }

    /** Whether the node about to be re-initialised at the next index keeps the last compile's structure there. */
    private void track(boolean unchanged) {
        if (!unchanged && nodes.size() < compiledCount) unchangedSinceCompile = false;
    }

    public PlanCache planCache() { return cache; }

    /** The nodes in build order (a topological order). */
    public List<Node> nodes() { return nodes; }

    int size() { return nodes.size(); }

    /** The current build's node pool: node i of this build is its slot i. */
    NodeTape tape() { return tape; }

    /** The live nodes in build order, copied into an array. */
    Node[] nodeArray() { return java.util.Arrays.copyOf(nodes.items, nodes.size); }

    void truncate(int size) {
        if (size < nodes.size) nodes.size = size;
    }

    private boolean isLive(Node n) {
        int i = n.index();
        return i < nodes.size() && nodes.get(i) == n && n.name() != null;
    }

    private static boolean sameShape(int[] a, int[] b) { return java.util.Arrays.equals(a, b); }

    static boolean sameShape(int[] a, Tensor t) {
        if (a.length != t.rank()) return false;
        for (int d = 0; d < a.length; d++) if (a[d] != t.dim(d)) return false;
        return true;
    }

    /** A leaf node at the next index, recycling the pooled object there when it has this shape and dtype. */
    private Node leaf(Node.Kind kind, int[] shape, Tensor shapeOf, DType dtype, Parameter p, Tensor c, String name) {
        if (dtype.isStorageOnly()) {
            // Graphs compute in F32/F64 and index with I32/I64; the storage dtypes convert on the way in.
            DType compute = dtype.computeDtype();
            throw new IllegalArgumentException(kind.name().toLowerCase(java.util.Locale.ROOT) + (name == null ? "" : " '" + name + "'")
                    + ": " + dtype + " is a storage dtype, graphs take F32, F64, I32, I64 or BOOL: "
                    + (kind == Node.Kind.INPUT ? "declare the input " + compute + " and feed " + dtype + " tensors (converted exactly on the way in)"
                                               : "convert with to(" + compute + ") (exact)"));
        }
        int i = nodes.size();
        Node r = i < tape.count ? tape.handles[i] : null;
        if (r != null) {
            // A tensor's shape never changes: the same parameter or constant tensor as last time has the same shape.
            boolean sameTensor = p != null ? r.parameter() == p : c != null && r.constant() == c;
            boolean same = r.dtype() == dtype
                    && (sameTensor || (shapeOf != null ? sameShape(r.shapeRef(), shapeOf) : sameShape(r.shapeRef(), shape)));
            boolean sameConstant = r.constant() == c || r.kind() == Node.Kind.CONSTANT && isData(c) && isData(r.constant());
            track(same && r.kind() == kind && r.parameter() == p && sameConstant);
            int[] s = same ? r.shapeRef() : shapes.intern(shapeOf != null ? shapeOf.shape() : shape.clone());
            r.reinit(kind, null, NO_INPUTS, s, dtype, p, c, name, same);
        } else {
            track(false);
            int[] s = shapes.intern(shapeOf != null ? shapeOf.shape() : shape.clone());
            r = tape.grow();   // after everything that may throw: a slot is never left uninitialised
            r.init(kind, null, NO_INPUTS, s, dtype, p, c, name);
        }
        return r;
    }

    // ------------------------------------------------------------------ leaves

    /** An input fed on each run, with a declared dtype and shape. Names must be unique. */
    public Node input(String name, DType dtype, int... shape) {
        if (shape.length > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("input '" + name + "': shape " + Shapes.str(shape) + " has rank " + shape.length
                    + ", more than the maximum " + Shapes.MAX_RANK);
        }
        try {
            Shapes.size(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input '" + name + "': " + e.getMessage(), e);
        }
        Node previous = checkName(name, nameOwnerAtNext(name));
        return register(name, leaf(Node.Kind.INPUT, shape, null, dtype, null, null, name), previous);
    }

    /** A new trainable parameter wrapping {@code value} (not copied; updated in place by optimisers). */
    public Node param(String name, Tensor value) {
        return param(new Parameter(name, value));
    }

    /**
     * The node of an existing parameter, possibly shared with other graphs. Asking twice in one
     * build returns the same node (a parameter has one value per graph); another parameter object
     * under a name already used is an error.
     */
    public Node param(Parameter parameter) {
        Tensor v = parameter.value();
        Node owner = nameOwnerAtNext(parameter.name());
        if (owner == null) {
            Node existing = names.get(parameter.name());
            if (existing != null && isLive(existing) && existing.parameter() == parameter) return existing;
        }
        Node previous = checkName(parameter.name(), owner);
        return register(parameter.name(), leaf(Node.Kind.PARAM, null, v, v.dtype(), parameter, null, parameter.name()), previous);
    }

    /**
     * A constant (not copied: changing the tensor changes later runs; its layout may be any view).
     * Small constants ({@link #DATA_CONSTANT_MAX}) are data: rebuilding with another value reuses the plan.
     */
    public Node constant(Tensor value) {
        return add(leaf(Node.Kind.CONSTANT, null, value, value.dtype(), null, value, null));
    }

    /** A named constant. */
    public Node constant(String name, Tensor value) {
        return named(name, constant(value));
    }

    /** A rank-0 constant. */
    public Node scalar(DType dtype, double value) {
        return constant(Tensor.scalar(dtype, value));
    }

    /** Node for seeding gradients; internal, unnamed. */
    Node internalInput(DType dtype, int[] shape) {
        return add(leaf(Node.Kind.INPUT, shape, null, dtype, null, null, null));
    }

    /** Adds a named leaf; {@code previous} is the name's current map entry (a rebuild usually recycles that very node). */
    private Node register(String name, Node node, Node previous) {
        add(node);
        if (previous != node) claimName(name, node);
        return node;
    }

    /** Points the name map's entry for {@code name} at {@code node}. */
    private void claimName(String name, Node node) {
        Node old = names.put(name, node);
        if (old != null && old != node) old.ownsName(false);
        node.ownsName(true);
    }

    /**
     * The pooled node the next leaf will recycle, when it carries this very name string and the
     * name map points the name at it: then no live node has the name (that node is not live yet),
     * and the name check needs no map lookup. Else null.
     */
    private Node nameOwnerAtNext(String name) {
        int i = nodes.size();
        if (i >= tape.count) return null;
        Node r = tape.handles[i];
        return r.name() == name && r.ownsName() && name != null ? r : null;
    }

    /** {@link #checkName(String)} unless {@code owner} (see {@link #nameOwnerAtNext}) already answers it. */
    private Node checkName(String name, Node owner) {
        return owner != null ? owner : checkName(name);
    }

    /** Throws if a live node has this name; returns the name's map entry (possibly a stale, recycled node) or null. */
    private Node checkName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("node names must be non-empty");
        Node existing = names.get(name);
        if (existing != null && isLive(existing) && name.equals(existing.name())) throw new IllegalArgumentException("name '" + name + "' is already used by " + existing);
        return existing;
    }

    private Node add(Node node) {
        nodes.push(node);
        return node;
    }

    /**
     * The live nodes, as a read-only list. Reset and truncation only lower the size: a rebuild
     * that recycles node i finds it already in slot i and skips the store (and its GC barrier).
     * Slots past the size hold pooled nodes, which the pool keeps reachable anyway.
     */
    private static final class NodeList extends java.util.AbstractList<Node> implements java.util.RandomAccess {
        private Node[] items = new Node[16];
        int size;

        @Override public Node get(int i) {
            java.util.Objects.checkIndex(i, size);
            return items[i];
        }

        @Override public int size() { return size; }

        void push(Node n) {
            if (size == items.length) items = java.util.Arrays.copyOf(items, 2 * size);
            if (items[size] != n) items[size] = n;
            size++;
        }
    }

    // ------------------------------------------------------------------ names

    /** Gives {@code node} a name (unique in this graph) and returns it; names appear in errors and DOT. */
    public Node named(String name, Node node) {
        own("named", node);
        if (name.equals(node.name()) && names.get(name) == node) return node;
        checkName(name);
        if (node.name() != null && names.get(node.name()) == node) {
            names.remove(node.name());
            node.ownsName(false);
        }
        node.setName(name);
        claimName(name, node);
        return node;
    }

    /** The node with this name. @throws IllegalArgumentException if there is none */
    public Node node(String name) {
        Node n = names.get(name);
        if (n == null || !isLive(n) || !name.equals(n.name())) {
            List<String> live = new ArrayList<>();
            for (Node m : nodes) if (m.name() != null) live.add(m.name());
            throw new IllegalArgumentException("no node named '" + name + "'; names: " + live);
        }
        return n;
    }

    // ------------------------------------------------------------------ generic op application

    /**
     * Applies an op to nodes of this graph: checks ownership, runs the op's dtype and shape rules
     * and adds the node. This is how every op (built-in or user-defined) enters a graph.
     */
    public Node apply(Op op, Node... inputs) {
        if (shareViews && op instanceof Shaping.Permute) {
            Node v = inputs[0].sharedView();
            if (v != null && isCurrent(v) && v.index() >= shareViewsFrom && v.name() == null && v.arity() == 1 && v.input(0) == inputs[0] && v.op().equals(op)) return v;
        }
        Node r = reuse(op, inputs.length, null, null, inputs);
        if (r == null) r = make(op, inputs.clone());
        if (shareViews && op instanceof Shaping.Permute) inputs[0].sharedView(r);
        return r;
    }

    /** {@link #apply(Op, Node...)} of one input (no argument array to copy). */
    @Override public Node apply(Op op, Node x) {
        return shareViews && op instanceof Shaping.Permute ? apply(op, new Node[] {x}) : make(op, x);
    }

    /** {@link #apply(Op, Node...)} of two inputs (no argument array to copy). */
    @Override public Node apply(Op op, Node a, Node b) { return make(op, a, b); }

    /** {@link #apply(Op, Node...)} of three inputs. */
    @Override public Node apply(Op op, Node a, Node b, Node c) { return apply(op, new Node[] {a, b, c}); }

    /**
     * While the compiler builds a backward graph, a permutation applied again to the same node with
     * an equal order returns the first such view (a weight's transpose, taken once per use of the
     * weight by the matrix products' VJPs, is one node). Views are pure and those nodes unnamed, so
     * sharing them changes no value; it only saves nodes. Other views (the slices of a concat's
     * gradient) differ from one use to the next, so they are not looked up.
     */
    boolean shareViews;
    /** Views shared are those built since this node count (the backward graph's, never a forward node). */
    int shareViewsFrom;
    /**
     * The mode of the step whose backward graph the compiler is building, for {@link #inMode}; null
     * otherwise (a gradient built by {@link #grad} may be compiled in either mode).
     */
    Mode differentiating;

    /**
     * The pooled node at the next index when it is this op on these very (unchanged) inputs, as
     * in the previous build: re-activated without allocating or rerunning the shape rule. Else null.
     */
    private Node reuse(Op op, int arity, Node a, Node b, Node[] many) {
        int i = nodes.size();
        if (i >= tape.count) return null;
        // The inputs first: they were just built (in cache), while the pooled node, in a large graph,
        // is a cache miss; a changed structure's inputs are mostly not stable, so it is rarely read.
        for (int k = 0; k < arity; k++) {
            Node in = many != null ? many[k] : k == 0 ? a : b;
            if (!in.stable()) return null;
        }
        Node r = tape.handles[i];
        // Shared op instances (Elementwise, Products, ...) compare by identity before the record equals.
        if (!r.isOp() || r.arity() != arity || r.op() != op && !r.op().equals(op)) return null;
        for (int k = 0; k < arity; k++) {
            Node in = many != null ? many[k] : k == 0 ? a : b;
            if (r.input(k) != in) return null;
        }
        track(true);   // same op object, same input objects (themselves unchanged, or the flag is already clear)
        r.recycle();
        r.stable(true);
        return add(r);
    }

    private Node make(Op op, Node a) {
        Node r = reuse(op, 1, a, null, null);
        return r != null ? r : make(op, new Node[] {a});
    }

    private Node make(Op op, Node a, Node b) {
        Node r = reuse(op, 2, a, b, null);
        return r != null ? r : make(op, new Node[] {a, b});
    }

    /** A node of x combined with a constant, reusing the pooled op record when it is the same. */
    private Node withScalar(BinaryOp fn, double c, Node x) {
        int i = nodes.size();
        if (i < tape.count && tape.handles[i].op() instanceof Elementwise.WithScalar ws && ws.fn() == fn
                && Double.doubleToLongBits(ws.scalar()) == Double.doubleToLongBits(c)) {
            return make(ws, x);
        }
        return make(ops.intern(new Elementwise.WithScalar(fn, c)), x);
    }

    /** {@link #apply} for argument arrays nobody else holds (no defensive copy). */
    private Node make(Op op, Node[] inputs) {
        for (Node in : inputs) {
            if (in == null) throw new IllegalArgumentException(op.name() + ": null input");
            if (!isCurrent(in)) own(op.name(), in);   // op.name() only on the error path: it may build a string
        }
        if (inputs.length == 0) throw new IllegalArgumentException(op.name() + ": an op needs at least one input");
        DType dtype = op.dtype(inputs);
        int i = nodes.size();
        Node r = i < tape.count ? tape.handles[i] : null;
        if (r == null) {
            track(false);
            int[] shape = shapes.intern(checkRank(op, inputs, op.shape(inputs)));
            r = tape.grow();   // after the shape rule, which may throw: a slot is never left uninitialised
            r.init(Node.Kind.OP, op, inputs, shape, dtype, null, null, null);
            return add(r);
        }
        boolean stableInputs = true;
        for (int k = 0; stableInputs && k < inputs.length; k++) stableInputs = inputs[k].stable();
        if (stableInputs && r.isOp() && r.dtype() == dtype && r.arity() == inputs.length && (r.op() == op || r.op().equals(op))) {
            boolean same = true;
            for (int k = 0; same && k < inputs.length; k++) same = r.input(k) == inputs[k];
            if (same) {   // the previous build's node: same op on the same, unchanged inputs; keep its shape and layout
                track(true);
                r.recycle();
                r.stable(true);
                return add(r);
            }
        }
        int[] shape = checkRank(op, inputs, op.shape(inputs));
        track(false);
        boolean same = r.dtype() == dtype && sameShape(r.shapeRef(), shape);
        r.reinit(Node.Kind.OP, op, inputs, same ? r.shapeRef() : shapes.intern(shape), dtype, null, null, null, same);
        return add(r);
    }

    /** An op's result shape, refused when node #{@link #size()} would have a rank above {@link Shapes#MAX_RANK}. */
    private int[] checkRank(Op op, Node[] inputs, int[] shape) {
        if (shape.length <= Shapes.MAX_RANK) return shape;
        StringBuilder b = new StringBuilder(op.name()).append(" node ").append(op.name()).append('#').append(nodes.size())
                .append(": result shape ").append(Shapes.str(shape)).append(" has rank ").append(shape.length)
                .append(", more than the maximum ").append(Shapes.MAX_RANK).append(" (inputs");
        for (Node in : inputs) b.append(' ').append(in.describe());
        throw new IllegalArgumentException(b.append(')').toString());
    }

    void own(String op, Node node) {
        if (node.graph() != this) {
            throw new IllegalArgumentException(op + ": node " + node.describe() + " belongs to another graph");
        }
        if (!isCurrent(node)) throw stale(op, node);
    }

    static IllegalStateException stale(String op, Node node) {
        return new IllegalStateException(op + ": node " + node.label() + " was built before the last reset() of its graph; "
                + "nodes do not survive a reset (their objects are recycled by later builds): build it again, or keep "
                + "its value as a tensor (step.value) and feed it as an input or constant");
    }

    // ------------------------------------------------------------------ elementwise

    /** a + b (broadcasting). */
    public Node add(Node a, Node b) { return make(Elementwise.binary(BinaryOp.ADD), a, b); }
    /** a - b (broadcasting). */
    public Node sub(Node a, Node b) { return make(Elementwise.binary(BinaryOp.SUB), a, b); }
    /** a * b elementwise (broadcasting). */
    public Node mul(Node a, Node b) { return make(Elementwise.binary(BinaryOp.MUL), a, b); }
    /** a / b elementwise (broadcasting). */
    public Node div(Node a, Node b) { return make(Elementwise.binary(BinaryOp.DIV), a, b); }
    /** max(a, b) elementwise; on ties the gradient goes to a. */
    public Node max(Node a, Node b) { return make(Elementwise.binary(BinaryOp.MAX), a, b); }
    /** min(a, b) elementwise; on ties the gradient goes to a. */
    public Node min(Node a, Node b) { return make(Elementwise.binary(BinaryOp.MIN), a, b); }
    /** x + c. */
    public Node add(Node x, double c) { return withScalar(BinaryOp.ADD, c, x); }
    /** x * c. */
    public Node mul(Node x, double c) { return withScalar(BinaryOp.MUL, c, x); }
    /** x to the constant power p. */
    public Node pow(Node x, double p) {
        if (p == 1) return x;
        if (p == 2) return square(x);     // one multiply instead of Math.pow, same derivative
        if (p == -1) return map(UnaryOp.RECIPROCAL, x);
        if (p == 0.5) return sqrt(x);
        return withScalar(BinaryOp.POW, p, x);
    }
    public Node neg(Node x) { return map(UnaryOp.NEG, x); }
    public Node exp(Node x) { return map(UnaryOp.EXP, x); }
    public Node log(Node x) { return map(UnaryOp.LOG, x); }
    public Node tanh(Node x) { return map(UnaryOp.TANH, x); }
    public Node sigmoid(Node x) { return map(UnaryOp.SIGMOID, x); }
    /** max(0, x); subgradient 0 at 0. */
    public Node relu(Node x) { return map(UnaryOp.RELU, x); }
    public Node square(Node x) { return map(UnaryOp.SQUARE, x); }
    public Node sqrt(Node x) { return map(UnaryOp.SQRT, x); }
    /** |x|; subgradient 0 at 0. */
    public Node abs(Node x) { return map(UnaryOp.ABS, x); }
    /** The hinge max(0, 1 - x), composed as relu(1 - x); subgradient 0 at the margin x = 1. */
    public Node hinge(Node x) { return relu(add(neg(x), 1.0)); }

    /** GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (PyTorch's approximate='tanh'). */
    public Node gelu(Node x) { return map(UnaryOp.GELU, x); }
    /** softplus log(1 + e^x), computed stably. */
    public Node softplus(Node x) { return map(UnaryOp.SOFTPLUS, x); }
    /** SiLU (swish): x sigmoid(x). */
    public Node silu(Node x) { return map(UnaryOp.SILU, x); }
    /** log(1 + x), accurate near 0. */
    public Node log1p(Node x) { return map(UnaryOp.LOG1P, x); }
    /** e^x - 1, accurate near 0. */
    public Node expm1(Node x) { return map(UnaryOp.EXPM1, x); }

    // ------------------------------------------------------------------ derivatives as nodes

    /**
     * The gradient of a one-element output with respect to each of {@code wrt}, as nodes of this
     * graph (zero constants where the output does not depend on a node). Being ordinary nodes,
     * gradients can be compiled, combined and differentiated again:
     * <pre>{@code
     * Node dx = g.grad(f, x)[0];                  // df/dx
     * Node ddx = g.grad(dx.sum(), x)[0];          // d/dx sum(df/dx)
     * }</pre>
     */
    public Node[] grad(Node output, Node... wrt) {
        if (output.size() != 1) {
            throw new IllegalArgumentException("grad: output " + output.describe()
                    + " has more than one element; use vjp(output, cotangent, wrt...)");
        }
        Node one = constant(Tensor.ones(output.dtype(), output.shape()));
        return Gradients.of(this, output, one, wrt);
    }

    /** The vector-Jacobian product: d⟨cotangent, output⟩ / d wrt[i] as nodes (cotangent has output's shape). */
    public Node[] vjp(Node output, Node cotangent, Node... wrt) {
        return Gradients.of(this, output, cotangent, wrt);
    }

    /**
     * The Hessian-vector product H v of a one-element f with respect to x, by double VJP:
     * {@code d/dx ⟨df/dx, v⟩} (v has x's shape). For {@code f = xᵀA x} it is {@code (A + Aᵀ) v}.
     */
    public Node hvp(Node f, Node x, Node v) {
        return hvp(f, new Node[] {x}, new Node[] {v})[0];
    }

    /** The Hessian-vector product over several nodes: {@code d/dx_i Σ_j ⟨df/dx_j, v_j⟩} for each i. */
    public Node[] hvp(Node f, Node[] x, Node[] v) {
        if (x.length != v.length) throw new IllegalArgumentException("hvp: " + x.length + " nodes but " + v.length + " directions");
        Node[] gx = grad(f, x);
        Node inner = null;
        for (int i = 0; i < x.length; i++) {
            Node term = sum(mul(gx[i], v[i]));
            inner = inner == null ? term : add(inner, term);
        }
        return grad(inner, x);
    }

    /** fn(x) elementwise, for any {@link UnaryOp} (each op's definition: formula, derivative, domain, accuracy). */
    public Node map(UnaryOp fn, Node x) { return make(Elementwise.map(fn), x); }

    // ------------------------------------------------------------------ shapes (linear, mostly views)

    /** Matrix transpose; reverses all axes for higher ranks; a vector or scalar is returned as is. */
    public Node transpose(Node x) {
        own("transpose", x);
        if (x.rank() < 2) return x;
        int[] order = new int[x.rank()];
        for (int i = 0; i < order.length; i++) order[i] = order.length - 1 - i;
        return permute(x, order);
    }

    /** Swaps two axes (a view). */
    public Node transpose(Node x, int axis0, int axis1) {
        int[] order = new int[x.rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int a = Shapes.axis("transpose", axis0, x.rank()), b = Shapes.axis("transpose", axis1, x.rank());
        order[a] = b;
        order[b] = a;
        return permute(x, order);
    }

    public Node permute(Node x, int... order) { return apply(ops.intern(new Shaping.Permute(order.clone())), x); }
    public Node reshape(Node x, int... shape) { return apply(ops.intern(new Shaping.Reshape(shape.clone())), x); }
    /** Broadcasts x to a larger shape (a view). */
    public Node expand(Node x, int... shape) { return apply(new Shaping.Expand(shape.clone()), x); }
    /** NumPy basic indexing (a view); the gradient is scattered back into zeros. */
    public Node slice(Node x, Index... index) {
        Node row = rowOfParameter(x, index);
        return row != null ? row : apply(ops.intern(new Shaping.Slice(index.clone())), x);
    }

    /**
     * {@code P[i]} or {@code P[i, :, ...]} of a parameter as a lookup of row i: the same value and
     * gradient as the slice, but the row index is data (another row reuses the plan) and the
     * parameter's gradient stays row-sparse. Null when the slice is anything else.
     */
    private Node rowOfParameter(Node x, Index[] index) {
        if (x.kind() != Node.Kind.PARAM || x.rank() == 0 || index.length == 0 || !(index[0] instanceof Index.At at)) return null;
        for (int k = 1; k < index.length; k++) {
            if (!(index[k] instanceof Index.Range r) || r.start() != 0 || r.stop() < x.dim(k) || r.step() != 1) return null;
        }
        int i = at.index() < 0 ? at.index() + x.dim(0) : at.index();
        if (i < 0 || i >= x.dim(0)) return null;   // the slice reports the bad index
        return lookup(x, i);
    }
    /** Concatenation along an existing axis. */
    public Node concat(int axis, Node... parts) { return apply(ops.intern(new Shaping.Concat(axis)), parts); }

    /** Stacks nodes of one shape along a new axis. */
    public Node stack(int axis, Node... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("stack: no inputs");
        int rank = parts[0].rank() + 1;
        int a = Shapes.axis("stack", axis, rank);
        Node[] lifted = new Node[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int[] s = parts[i].shape();
            int[] t = new int[rank];
            for (int d = 0, j = 0; d < rank; d++) t[d] = d == a ? 1 : s[j++];
            lifted[i] = reshape(parts[i], t);
        }
        return concat(a, lifted);
    }

    /** The sum of n nodes of one shape. */
    public Node addN(Node... terms) {
        if (terms.length == 1) return terms[0];
        return apply(Shaping.ADD_N, terms);
    }

    /** The value of x, treated as a constant by differentiation. */
    public Node detach(Node x) { return make(Shaping.DETACH, x); }

    @Override public Node inMode(java.util.function.Supplier<Node> training, java.util.function.Supplier<Node> evaluation) {
        if (differentiating != null) return (differentiating == Mode.TRAIN ? training : evaluation).get();
        Node t = training.get(), e = evaluation.get();
        if (t != null && e != null && (t.dtype() != e.dtype() || !java.util.Arrays.equals(t.shape(), e.shape()))) {
            // Summed below: a broadcast would give the gradient a wrong shape instead of an error.
            throw new IllegalArgumentException("inMode: the training value " + t.describe() + " " + t.dtype() + " and the evaluation value "
                    + e.describe() + " " + e.dtype() + " must have one shape and dtype");
        }
        Node gt = t == null ? null : make(dev.quiver.ops.internal.ModeGate.TRAIN, t), ge = e == null ? null : make(dev.quiver.ops.internal.ModeGate.EVAL, e);
        return gt == null ? ge : ge == null ? gt : add(gt, ge);
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (rank 0). */
    public Node sum(Node x) { return make(Reductions.SUM_ALL, x); }
    /** Sum over axes, keeping them as 1 when keepDims. */
    public Node sum(Node x, boolean keepDims, int... axes) {
        if (axes.length == 0) throw new IllegalArgumentException("sum: give at least one axis, or use sum(x) for all");
        return apply(new Reductions.Sum(axes.clone(), keepDims), x);
    }
    /** Mean of all elements; NaN for an empty x, as eagerly ({@link dev.quiver.tensor.TensorMath#mean}) and in NumPy. */
    public Node mean(Node x) { return mul(sum(x), x.size() == 0 ? Double.NaN : 1.0 / x.size()); }
    /** Mean over axes; NaN over an empty axis, as eagerly. */
    public Node mean(Node x, boolean keepDims, int... axes) {
        Node s = sum(x, keepDims, axes);
        return mul(s, s.size() == 0 ? 1 : x.size() == 0 ? Double.NaN : (double) s.size() / x.size());
    }
    /** Euclidean (Frobenius) norm, composed as sqrt(sum(x^2)); its gradient x / norm is NaN at x = 0. */
    public Node norm(Node x) { return sqrt(sum(square(x))); }

    // ------------------------------------------------------------------ products

    /** Matrix product (see {@link Products.MatMul}); two vectors give their dot product. */
    public Node matmul(Node a, Node b) {
        if (a.rank() == 1 && b.rank() == 1) return dot(a, b);
        return make(Products.MATMUL, a, b);
    }
    /** Inner product of two vectors (rank 0). */
    public Node dot(Node a, Node b) { return make(Products.DOT, a, b); }
    /** Mode-n product: dimension {@code mode} of a (size I) is contracted with b (I, K) and replaced by K. */
    public Node modeN(Node a, Node b, int mode) { return apply(new Products.ModeN(mode), a, b); }
    /** The lecture's form of the mode-n product: the new dimension K goes last. */
    public Node modeNLast(Node a, Node b, int mode) {
        Node c = modeN(a, b, mode);
        if (mode == a.rank() - 1) return c;
        int[] order = new int[a.rank()];
        for (int i = 0, j = 0; i < order.length; i++) if (i != mode) order[j++] = i;
        order[order.length - 1] = mode;
        return permute(c, order);
    }

    // ------------------------------------------------------------------ indexing

    /**
     * NumPy {@code take}: slices of x along {@code axis} picked by an I32 or I64 index tensor of any
     * rank, {@code out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]} (see
     * {@link Take}). Indices are data: other values of the same shape reuse the compiled plan; an
     * index out of {@code [0, x.dim(axis))} fails the run, naming the value and its position.
     */
    public Node take(Node x, int axis, Node indices) {
        own("take", x);
        int a = axis < 0 && axis >= -x.rank() ? axis + x.rank() : axis;   // out of range: the op's shape rule names the nodes
        return make(Take.of(a), x, indices);
    }

    /**
     * Rows of a table by id: {@code take(table, 0, ids)}, shape {@code ids.shape + table.shape[1:]}
     * (an embedding lookup; its cost depends on the rows read, not on the table's size).
     */
    public Node lookup(Node table, Node indices) {
        return make(Take.of(0), table, indices);
    }

    /**
     * Row {@code row} of a table, shape {@code table.shape[1:]}: a lookup with a rank-0 I32
     * constant, so the row is data and not structure.
     */
    public Node lookup(Node table, int row) {
        return lookup(table, constant(new Tensor(new int[] {row})));
    }

    /**
     * base with {@code updates} added at {@code indices} along {@code axis}, repeated indices
     * accumulating (see {@link ScatterAdd}); {@code updates.shape = base.shape[:axis] + indices.shape
     * + base.shape[axis+1:]}.
     */
    public Node scatterAdd(Node base, int axis, Node indices, Node updates) {
        own("scatterAdd", base);
        int a = axis < 0 && axis >= -base.rank() ? axis + base.rank() : axis;
        return apply(new ScatterAdd(a), base, indices, updates);
    }

    // ------------------------------------------------------------------ softmax family

    /** softmax along an axis, composed stably as {@code e / sum(e)} with {@code e = exp(x - max(x))}. */
    public Node softmax(Node x, int axis) {
        Node e = exp(shifted(x, axis));
        return div(e, sum(e, true, axis));
    }

    /** log-softmax along an axis: {@code z - log(sum(exp(z)))} with {@code z = x - max(x)}. */
    public Node logSoftmax(Node x, int axis) {
        Node z = shifted(x, axis);
        return sub(z, log(sum(exp(z), true, axis)));
    }

    private Node shifted(Node x, int axis) {
        return sub(x, apply(new Reductions.DetachedMax(new int[] {axis}, true), x));
    }

    /**
     * Fused stable softmax cross-entropy over the last axis, averaged over rows. {@code targets} are
     * either probabilities of the logits' shape (one-hot rows for labels; {@link SoftmaxCrossEntropy})
     * or, when I32 or I64, class indices of the logits' shape without the last axis
     * ({@link ClassCrossEntropy} with {@link CrossEntropy#defaults()}).
     */
    public Node softmaxCrossEntropy(Node logits, Node targets) {
        // shared ops, no varargs array: a rebuild allocates nothing
        return make(targets.dtype().isInteger() ? ClassCrossEntropy.MEAN : SOFTMAX_CROSS_ENTROPY, logits, targets);
    }

    /**
     * Softmax cross-entropy with I32 or I64 class indices ({@code [...]} for logits {@code [..., C]})
     * and options: reduction (mean over counted rows, sum, or per-row losses), an ignored class,
     * label smoothing (see {@link ClassCrossEntropy}).
     */
    public Node softmaxCrossEntropy(Node logits, Node classes, CrossEntropy options) {
        own("softmaxCrossEntropy", classes);
        if (!classes.dtype().isInteger()) {
            throw new IllegalArgumentException("softmaxCrossEntropy: options apply to class indices (I32 or I64), but "
                    + classes.describe() + " is " + classes.dtype() + "; for probability targets use softmaxCrossEntropy(logits, targets)");
        }
        return make(options.equals(CrossEntropy.defaults()) ? ClassCrossEntropy.MEAN : new ClassCrossEntropy(options), logits, classes);
    }

    /**
     * DyNet's {@code pickneglogsoftmax}: {@code -log softmax(logits)[class]} per row, fused and
     * stable; logits {@code [..., C]}, classes I32 or I64 {@code [...]}, result of the classes' shape.
     */
    public Node pickNegLogSoftmax(Node logits, Node classes) {
        return make(ClassCrossEntropy.PER_ROW, logits, classes);
    }

    /**
     * {@code -log softmax(logits)[cls]} for a vector of logits (rank 0 result); the class is data (a
     * rank-0 I32 constant), not structure.
     */
    public Node pickNegLogSoftmax(Node logits, int cls) {
        own("pickNegLogSoftmax", logits);
        if (logits.rank() != 1) {
            throw new IllegalArgumentException("pickNegLogSoftmax: logits " + logits.describe()
                    + " must be a vector for one class; for rows of logits pass an index tensor of classes");
        }
        if (cls < 0 || cls >= logits.dim(0)) {
            throw new IndexOutOfBoundsException("pickNegLogSoftmax: class " + cls + " is out of range [0, " + logits.dim(0)
                    + ") for logits " + logits.describe());
        }
        return pickNegLogSoftmax(logits, constant(new Tensor(new int[] {cls})));
    }

    // ------------------------------------------------------------------ masks and selection

    /** {@code a (kind) b} elementwise with broadcasting, a BOOL node; not differentiable ({@link dev.quiver.ops.internal.Masks.Compare}). */
    public Node compare(dev.quiver.ops.Comparison kind, Node a, Node b) { return make(new dev.quiver.ops.internal.Masks.Compare(kind), a, b); }
    /** a < b, BOOL (not differentiable). */
    public Node lt(Node a, Node b) { return compare(dev.quiver.ops.Comparison.LT, a, b); }
    /** a <= b, BOOL (not differentiable). */
    public Node le(Node a, Node b) { return compare(dev.quiver.ops.Comparison.LE, a, b); }
    /** a > b, BOOL (not differentiable). */
    public Node gt(Node a, Node b) { return compare(dev.quiver.ops.Comparison.GT, a, b); }
    /** a >= b, BOOL (not differentiable). */
    public Node ge(Node a, Node b) { return compare(dev.quiver.ops.Comparison.GE, a, b); }
    /** a == b, BOOL (not differentiable). */
    public Node eq(Node a, Node b) { return compare(dev.quiver.ops.Comparison.EQ, a, b); }
    /** a != b, BOOL (not differentiable). */
    public Node ne(Node a, Node b) { return compare(dev.quiver.ops.Comparison.NE, a, b); }
    /** x (kind) c for a constant c, BOOL (not differentiable). */
    public Node compare(dev.quiver.ops.Comparison kind, Node x, double c) { return compare(kind, x, scalar(x.dtype(), c)); }

    /**
     * {@code mask ? a : b} elementwise, the three broadcast together; mask BOOL ({@link dev.quiver.ops.internal.Masks.Where}).
     * Gradients flow to a where the mask holds and to b elsewhere.
     */
    public Node where(Node mask, Node a, Node b) { return apply(WHERE, mask, a, b); }

    private static final dev.quiver.ops.internal.Masks.Where WHERE = new dev.quiver.ops.internal.Masks.Where();

    /** x with {@code value} where the BOOL mask (broadcast to x) holds: {@code where(mask, value, x)}; no gradient flows to the filled places. */
    public Node maskedFill(Node x, Node mask, double value) {
        own("maskedFill", x);
        return where(mask, scalar(x.dtype(), value), x);
    }

    /**
     * x clamped to [lo, hi], composed as {@code min(max(x, lo), hi)}: the gradient is g inside the
     * interval (boundaries included) and 0 outside.
     */
    public Node clamp(Node x, double lo, double hi) {
        own("clamp", x);
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lo " + lo + " must not exceed hi " + hi + " (for " + x.describe() + ")");
        return min(max(x, scalar(x.dtype(), lo)), scalar(x.dtype(), hi));
    }

    /** One-hot rows of an I32 or I64 index node: shape {@code indices.shape + [classes]}, dtype F32 or F64; not differentiable. */
    public Node oneHot(Node indices, int classes, DType dtype) { return make(new dev.quiver.ops.internal.Masks.OneHot(classes, dtype), indices); }

    /** Position of the first maximum along an axis, I64 of x's shape without the axis; not differentiable. */
    public Node argmax(Node x, int axis) {
        own("argmax", x);
        int a = axis < 0 && axis >= -x.rank() ? axis + x.rank() : axis;
        return make(new dev.quiver.ops.internal.Masks.ArgMax(a), x);
    }

    // ------------------------------------------------------------------ attention

    /**
     * Scaled dot-product attention {@code softmax(q kᵀ / sqrt(d), mask) v} for q [..., Lq, d],
     * k [..., Lk, d], v [..., Lk, dv] with broadcast batch dimensions (multi-head: [batch, heads,
     * seq, d]); the result is [..., Lq, dv]. {@code mask}, optional, is BOOL and broadcasts to
     * [..., Lq, Lk]: true where a query may attend to a key (PyTorch's boolean {@code attn_mask}).
     * {@code causal} also hides key j from query i when j > i. A query that may attend to nothing
     * gets a zero row. Built as two batched GEMMs around the fused
     * {@link dev.quiver.ops.internal.Attention.MaskedSoftmax}: the scores are buffers of the compiled plan.
     */
    public Node attention(Node q, Node k, Node v, Node mask, boolean causal) {
        return attention(q, k, v, mask, causal, q.rank() == 0 ? 1 : 1 / Math.sqrt(q.dim(-1)));
    }

    /** {@link #attention(Node, Node, Node, Node, boolean)} with an explicit scale of the scores. */
    public Node attention(Node q, Node k, Node v, Node mask, boolean causal, double scale) {
        own("attention", q);
        own("attention", k);
        own("attention", v);
        if (mask != null) own("attention", mask);
        if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2 || q.dim(-1) != k.dim(-1) || k.dim(-2) != v.dim(-2)) {
            throw new IllegalArgumentException("attention(" + q.describe() + ", " + k.describe() + ", " + v.describe()
                    + "): needs q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv] (q and k share d, k and v share Lk)");
        }
        Node scores = matmul(q, transpose(k, -1, -2));
        var op = new dev.quiver.ops.internal.Attention.MaskedSoftmax(scale, causal, mask != null);
        Node p = mask == null ? make(op, scores) : make(op, scores, mask);
        return matmul(p, v);
    }

    // ------------------------------------------------------------------ randomness

    private long seed;

    /**
     * Seeds the graph's random ops (dropout); the default is {@code Seed.of(0)}. A random op's
     * stream is a function of this seed and its node's position in the build, and each forward
     * pass of a compiled step takes the next draw ({@link Step#nextRandomDraw()}): the same seed,
     * structure and draw give the same masks, bit for bit. The seed applies to nodes built after
     * this call; it survives {@link #reset()}.
     */
    public Graph seed(dev.quiver.tensor.Seed s) {
        this.seed = s.value();
        return this;
    }

    /** The seed of random ops built from now on. */
    public dev.quiver.tensor.Seed seed() { return dev.quiver.tensor.Seed.of(seed); }

    /**
     * Inverted dropout with drop probability p ({@link dev.quiver.ops.internal.Dropouts.Dropout}): in a
     * training step, zeros each element with probability p and scales the rest by 1 / (1 - p); in an
     * evaluation step ({@link Mode#EVAL}, the default of an inference-only compile) the identity.
     */
    public Node dropout(Node x, double p) {
        own("dropout", x);
        return make(new dev.quiver.ops.internal.Dropouts.Dropout(p, dev.quiver.ops.internal.Dropouts.stream(seed, nodes.size())), x);
    }

    // ------------------------------------------------------------------ normalisation

    /**
     * Layer normalisation over the last axis, fused ({@link dev.quiver.ops.internal.Normalization.LayerNorm}):
     * {@code (x - mean) / sqrt(var + eps) * gamma + beta}, gamma and beta of shape [x.dim(-1)], either
     * or both null (no scale, no shift; beta needs gamma).
     */
    public Node layerNorm(Node x, Node gamma, Node beta, double eps) {
        return normalise(x, gamma, beta, eps, false);
    }

    /** {@link #layerNorm(Node, Node, Node, double)} with PyTorch's eps 1e-5. */
    public Node layerNorm(Node x, Node gamma, Node beta) {
        return layerNorm(x, gamma, beta, 1e-5);
    }

    /**
     * RMS normalisation over the last axis, fused: {@code x / sqrt(mean(x²) + eps) * gamma}, gamma of
     * shape [x.dim(-1)] or null.
     */
    public Node rmsNorm(Node x, Node gamma, double eps) {
        return normalise(x, gamma, null, eps, true);
    }

    private Node normalise(Node x, Node gamma, Node beta, double eps, boolean rms) {
        String op = rms ? "rmsNorm" : "layerNorm";
        if (gamma == null && beta != null) throw new IllegalArgumentException(op + ": beta " + beta.describe() + " needs a gamma (pass ones)");
        var norm = new dev.quiver.ops.internal.Normalization.LayerNorm(eps, rms, gamma == null ? 0 : beta == null ? 1 : 2);
        return gamma == null ? apply(norm, x) : beta == null ? apply(norm, x, gamma) : apply(norm, x, gamma, beta);
    }

    /**
     * Batch normalisation of x [N, C, ...] per channel (axis 1), fused
     * ({@link dev.quiver.ops.internal.Normalization.BatchNorm}): a step compiled in {@link Mode#TRAIN}
     * normalises with the batch's statistics and updates {@code stats}; one in {@link Mode#EVAL}
     * (the default of {@link CompileOptions#inferenceOnly()}) uses {@code stats}. Its gradient
     * follows the mode of the step it is compiled into, and can be differentiated again (for
     * {@link #grad}, {@link #hvp}: compile with {@code withMode} to choose the mode).
     */
    public Node batchNorm(Node x, Node gamma, Node beta, dev.quiver.ops.RunningStats stats, double eps) {
        return apply(new dev.quiver.ops.internal.Normalization.BatchNorm(eps, stats), x, gamma, beta);
    }

    // ------------------------------------------------------------------ convolution and pooling

    /**
     * 2-d convolution (cross-correlation, as in PyTorch): x [N, C, H, W], w [O, C/groups, kh, kw],
     * bias [O] or null; result [N, O, OH, OW] with {@code OH = (H + pads - dh (kh - 1) - 1) / sh + 1}.
     * Gradients flow to x, w and bias ({@link Conv}).
     */
    public Node conv2d(Node x, Node w, Node bias, ConvSpec spec) { return conv(2, x, w, bias, spec); }

    /** {@link #conv2d(Node, Node, Node, ConvSpec)} with stride 1, no padding, no bias. */
    public Node conv2d(Node x, Node w) { return conv(2, x, w, null, ConvSpec.DEFAULT); }

    /** 1-d convolution: x [N, C, W], w [O, C/groups, k], bias [O] or null; result [N, O, OW]. */
    public Node conv1d(Node x, Node w, Node bias, ConvSpec spec) { return conv(1, x, w, bias, spec); }

    private Node conv(int spatial, Node x, Node w, Node bias, ConvSpec spec) {
        int kh = spatial == 2 && w.rank() >= 2 ? w.dim(-2) : 1, kw = w.rank() >= 1 ? w.dim(-1) : 1;
        int h = spatial == 2 && x.rank() >= 2 ? x.dim(-2) : 1, iw = x.rank() >= 1 ? x.dim(-1) : 1;
        Conv op = Conv.forward(spatial, spec.window(spatial, kh, kw, h, iw), spec.groups());
        return bias == null ? apply(op, x, w) : apply(op, x, w, bias);
    }

    /** Max pooling of x [N, C, H, W] over kernel x kernel windows, stride and zero-free padding (at most kernel / 2). */
    public Node maxPool2d(Node x, int kernel, int stride, int padding) { return pool(true, 2, x, kernel, stride, padding); }

    /** Max pooling with stride = kernel and no padding. */
    public Node maxPool2d(Node x, int kernel) { return pool(true, 2, x, kernel, kernel, 0); }

    /** Average pooling of x [N, C, H, W]; padding counts as zeros in the mean (divisor kernel^2). */
    public Node avgPool2d(Node x, int kernel, int stride, int padding) { return pool(false, 2, x, kernel, stride, padding); }

    /** Max pooling of x [N, C, W]. */
    public Node maxPool1d(Node x, int kernel, int stride, int padding) { return pool(true, 1, x, kernel, stride, padding); }

    /** Average pooling of x [N, C, W]. */
    public Node avgPool1d(Node x, int kernel, int stride, int padding) { return pool(false, 1, x, kernel, stride, padding); }

    private Node pool(boolean max, int spatial, Node x, int k, int s, int p) {
        Window win = spatial == 2 ? new Window(k, k, s, s, 1, 1, p, p, p, p) : new Window(1, k, 1, s, 1, 1, 0, 0, p, p);
        return apply(Pool.of(max, spatial, win), x);
    }

    /** Global average pooling: x [N, C, H, W] or [N, C, W] averaged over its spatial axes, [N, C]. */
    public Node globalAvgPool(Node x) {
        own("globalAvgPool", x);
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException("globalAvgPool: x " + x.describe() + " must be [N, C, W] or [N, C, H, W]");
        }
        return x.rank() == 4 ? mean(x, false, 2, 3) : mean(x, false, 2);
    }

    // ------------------------------------------------------------------ compiling

    /**
     * Compiles for training: forward, and backward to every parameter the output depends on. For
     * input gradients pass {@code CompileOptions.training().withInputGradients(true)} or list the
     * inputs in {@link CompileOptions#withWrt}. Compiling the same structure again returns the same
     * step (see {@link #compile(Node, CompileOptions)}).
     */
    public Step compile(Node output) {
        return compile(output, CompileOptions.training());
    }

    /**
     * Compiles with options (inference mode, gradient targets, NaN checks, backend).
     *
     * <p><b>The same structure gives the same step.</b> Compiling a structure this graph has compiled
     * before (the same graph twice, or one rebuilt after {@link #reset()}) returns the very same
     * {@link Step} object from the graph's {@link PlanCache}, rebound to the new nodes: its buffers,
     * values and gradients are shared with every earlier result, so {@code first == second} and
     * running one overwrites what the other holds. For an independent step (two sets of values
     * alive at once), build the model on a second {@code Graph}, which has a cache of its own.
     */
    public Step compile(Node output, CompileOptions options) {
        own("compile", output);
        return Compiler.compile(this, output, options);
    }

    // ------------------------------------------------------------------ DOT export

    /**
     * The graph in Graphviz DOT ({@code dot -Tsvg}), edges pointing to consumers. Each node shows its
     * name (or op#index), what it is — the op in its short form ({@code slice [:, 2]},
     * {@code modeN(1)}, {@code * 0.5}; see {@link Op#shortForm()}), {@code input}, {@code param} or
     * {@code constant} — and its dtype and shape. Inputs are blue boxes, parameters yellow 3-D
     * boxes, constants grey boxes, ops ellipses; a node with a name has a bold outline.
     */
    public String toDot() {
        StringBuilder sb = new StringBuilder("digraph quiver {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n");
        for (Node n : nodes) {
            String what = switch (n.kind()) {
                case INPUT -> "input";
                case PARAM -> "param";
                case CONSTANT -> "constant";
                case OP -> n.op().shortForm();
            };
            String style = switch (n.kind()) {
                case INPUT -> "shape=box, style=filled, fillcolor=\"#cfe2f3\"";
                case PARAM -> "shape=box3d, style=filled, fillcolor=\"#fff2cc\"";
                case CONSTANT -> "shape=box, style=filled, fillcolor=\"#eeeeee\"";
                case OP -> "shape=ellipse";
            };
            sb.append("  n").append(n.index()).append(" [").append(style).append(n.name() != null ? ", penwidth=2" : "")
                    .append(", label=\"").append(escape(n.label())).append("\\n").append(escape(what)).append("\\n")
                    .append(n.dtype()).append(' ').append(Shapes.str(n.shapeRef())).append("\"];\n");
        }
        for (Node n : nodes) {
            for (int i = 0; i < n.arity(); i++) {
                sb.append("  n").append(n.input(i).index()).append(" -> n").append(n.index()).append(";\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
