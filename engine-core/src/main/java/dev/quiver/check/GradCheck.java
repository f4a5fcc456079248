package dev.quiver.check;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks the gradients of any graph (built-in or user-defined ops) against central finite
 * differences in float64, like PyTorch's {@code gradcheck} or JAX's {@code check_grads}.
 *
 * <pre>{@code
 * var g = new Graph();
 * var x = g.input("x", DType.F64, 3);
 * var f = x.tanh().sum();
 * GradCheck.of(f).feed("x", Tensor.vector(0.1, -0.5, 2)).check().assertOk();
 * }</pre>
 *
 * <p><b>What is compared.</b> For an output y of any shape, a seeded random projection c (all
 * ones when y has one element) turns the check into one of the scalar F(θ) = Σ c·y(θ): the
 * analytic side is the backward pass seeded with c, the numeric side is
 * {@code (F(θ + h e_i) - F(θ - h e_i)) / 2h} for each checked element θ_i of each gradient target
 * (every input and parameter the output depends on, or those given to {@link #wrt}). An element
 * passes when {@code |analytic - numeric| <= atol + rtol * |numeric|} (defaults h = 1e-6,
 * rtol = 1e-3, atol = 1e-5, as PyTorch's). Targets with more than {@link #sample} elements are
 * checked on a seeded random subset. {@link #checkDirectional} instead compares the VJP with a
 * finite-difference JVP along one random direction v, {@code Σ_w <grad_w, v_w>} against
 * {@code (F(θ + h v) - F(θ - h v)) / 2h}: two forward passes whatever the input size.
 *
 * <p><b>Kinks.</b> At a point where F is not differentiable (relu and abs at 0, hinge at its
 * margin, max of two equal values) the one-sided differences disagree and no finite difference
 * is "the" derivative. Such elements are reported as kinks, not failures, when the analytic value
 * lies between the left and right difference quotients (it is then a valid subgradient of a
 * kink). The engine's choices: relu'(0) = 0, abs'(0) = 0, hinge'(margin) = 0, and on ties
 * max/min send the whole gradient to their first argument.
 *
 * <p><b>Second order.</b> {@link #secondOrder} checks the gradient of the gradient instead (as
 * PyTorch's {@code gradgradcheck}): the first-order gradients, built as graph nodes, are the
 * output, so their backward pass (a derivative of the backward graph) is compared with central
 * differences of the gradients.
 *
 * <p><b>Precision.</b> Float32 graphs are refused (finite differences in float32 keep about three
 * significant digits, too few to tell a wrong derivative from rounding): build the graph in
 * {@link DType#F64}.
 *
 * <p><b>Side effects.</b> Compiles the graph (through its plan cache), overwrites the step's
 * input buffers and each parameter's gradient, and perturbs parameter values during the check,
 * restoring them bit for bit before returning. Not thread-safe (like the graph itself).
 */
public final class GradCheck {
    /** The node whose gradients are checked: the user's output, or its gradient in second-order mode. */
    private Node output;
    private boolean secondOrder;
    private Node firstOrderOutput;
    private final Map<String, Tensor> feeds = new LinkedHashMap<>();
    private Node[] wrt = new Node[0];
    private TensorMath math;
    private dev.quiver.graph.Mode mode;
    private double rtol = 1e-3, atol = 1e-5, h = 1e-6;
    private int sample = 256;
    private long seed = 0x5EEDL;
    private boolean localize = true;

    private GradCheck(Node output) {
        this.output = output;
    }

    /** A check of the gradients of {@code output} (any shape) with respect to the graph's inputs and parameters. */
    public static GradCheck of(Node output) {
        if (output == null) throw new IllegalArgumentException("GradCheck.of: output is null");
        return new GradCheck(output);
    }

    /** The value of an input node, by name (every input the output depends on needs one). */
    public GradCheck feed(String input, Tensor value) {
        feeds.put(input, value);
        return this;
    }

    /** Values of several inputs, by name. */
    public GradCheck feeds(Map<String, Tensor> values) {
        feeds.putAll(values);
        return this;
    }

    /** Only these inputs and parameters are checked (default: all the output depends on). */
    public GradCheck wrt(Node... targets) {
        this.wrt = targets.clone();
        return this;
    }

    /**
     * Checks the step compiled in this mode (default: the training mode): e.g. batch
     * normalisation on its running statistics with {@code Mode.EVAL}.
     */
    public GradCheck mode(dev.quiver.graph.Mode m) {
        this.mode = m;
        return this;
    }

    /** The backend to run on (default {@link TensorMath#get()}). */
    public GradCheck on(TensorMath math) {
        this.math = math;
        return this;
    }

    /** Pass when |analytic - numeric| <= atol + rtol |numeric| (defaults 1e-3 and 1e-5). */
    public GradCheck tolerance(double rtol, double atol) {
        if (!(rtol >= 0) || !(atol >= 0)) throw new IllegalArgumentException("GradCheck.tolerance: need rtol, atol >= 0, got " + rtol + ", " + atol);
        this.rtol = rtol;
        this.atol = atol;
        return this;
    }

    /** The finite-difference step h (default 1e-6). */
    public GradCheck step(double h) {
        if (!(h > 0)) throw new IllegalArgumentException("GradCheck.step: h must be positive, got " + h);
        this.h = h;
        return this;
    }

    /**
     * Checks at most {@code maxElements} elements of each target, drawn at random from the seed
     * when a target is larger (default 256). The seed also draws the output projection and the
     * direction of {@link #checkDirectional}.
     */
    public GradCheck sample(int maxElements, long seed) {
        if (maxElements < 1) throw new IllegalArgumentException("GradCheck.sample: maxElements must be >= 1, got " + maxElements);
        this.sample = maxElements;
        this.seed = seed;
        return this;
    }

    /**
     * When a check fails, whether to re-check each op of the graph on its own (with the values it
     * saw) to name the first op whose derivative rule disagrees with finite differences (default on).
     */
    public GradCheck localize(boolean on) {
        this.localize = on;
        return this;
    }

    /**
     * Second-order mode (PyTorch's {@code gradgradcheck}): checks the gradient of the gradient.
     * The first-order gradients G_w = d⟨u, output⟩/dw (u a seeded random cotangent, 1 for a
     * one-element output; w the {@link #wrt} targets or every input and parameter) are built as
     * graph nodes ({@link Graph#vjp}), flattened and concatenated, and that node is checked as an
     * output: its backward pass, a derivative of the backward graph, against central differences
     * of G. Every op on the path therefore needs a differentiable VJP. Float64 only, as always.
     */
    public GradCheck secondOrder() {
        this.secondOrder = true;
        return this;
    }

    /** The gradient node checked in second-order mode: the first-order gradients, flattened and concatenated. */
    private Node firstOrderGradient(Node f) {
        Graph g = f.graph();
        refuseFloat32(g);
        Node[] leaves = wrt.length > 0 ? wrt : leavesOf(f);
        Node cotangent = g.constant(f.size() == 1 ? Tensor.ones(f.dtype(), f.shape())
                : Tensor.randn(DType.F64, Seed.of(seed ^ 0x5EC0DL), f.shape()));
        Node[] grads = g.vjp(f, cotangent, leaves);
        if (grads.length == 1) return grads[0];
        Node[] flat = new Node[grads.length];
        for (int i = 0; i < grads.length; i++) flat[i] = grads[i].reshape(-1);
        return g.concat(0, flat);
    }

    // ------------------------------------------------------------------ results

    /**
     * One checked element: d(output)/d(target)[index]. {@code left} and {@code right} are the
     * one-sided difference quotients; a kink is where they disagree.
     */
    public record Element(String output, String target, int[] index, double analytic, double numeric,
                          double left, double right, boolean kink, boolean ok, double bound) {
        /** |analytic - numeric| / bound: above 1 fails. */
        public double severity() {
            return Math.abs(analytic - numeric) / bound;
        }

        @Override
        public String toString() {
            return "d" + output + "/d'" + target + "'" + Arrays.toString(index) + ": analytic " + analytic + ", numeric " + numeric
                    + (kink ? " (kink: left " + left + ", right " + right + ")" : "")
                    + " (|diff| " + Math.abs(analytic - numeric) + (ok ? " <= " : " > ") + bound + ")";
        }
    }

    /** The outcome of a check. */
    public record Report(String output, List<Element> checked, List<Element> failures, List<Element> kinks,
                         Element worst, String culprit, String mode) {
        public boolean ok() {
            return failures.isEmpty();
        }

        /** Returns this report if every element passed, else throws an AssertionError with {@link #toString()}. */
        public Report assertOk() {
            if (!ok()) throw new AssertionError(toString());
            return this;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("GradCheck (" + mode + ") of " + output + ": ");
            if (ok()) {
                sb.append("ok, ").append(checked.size()).append(" elements checked");
                if (!kinks.isEmpty()) sb.append(", ").append(kinks.size()).append(" at kinks (subgradient accepted)");
                return sb.toString();
            }
            sb.append(failures.size()).append(" of ").append(checked.size()).append(" elements disagree; worst: ").append(worst);
            if (culprit != null) sb.append("\n  ").append(culprit);
            int shown = 0;
            for (Element e : failures) {
                if (e == worst) continue;
                if (shown++ == 5) {
                    sb.append("\n  ...");
                    break;
                }
                sb.append("\n  ").append(e);
            }
            return sb.toString();
        }
    }

    // ------------------------------------------------------------------ checking

    /** Central differences on every element of every target (or a seeded subset of large ones). */
    public Report check() {
        Run run = prepare();
        List<Element> checked = new ArrayList<>();
        double centre = run.objective(); // every perturbation is undone bit for bit, so F(θ) is computed once
        for (int w = 0; w < run.targets.length; w++) {
            Node target = run.targets[w];
            Tensor value = run.valueOf(target);
            Tensor analytic = run.analytic[w];
            for (int i : elements(value.size(), new SplittableRandom(seed + 31L * w))) {
                double original = value.getFlat(i);
                value.setFlat(i, original + h);
                double plus = run.objective();
                value.setFlat(i, original - h);
                double minus = run.objective();
                value.setFlat(i, original);
                checked.add(element(run.outputLabel, target.label(), unravel(i, value.shape()), analytic.getFlat(i),
                        plus, centre, minus, h));
            }
        }
        run.restore();
        return report(run, checked, secondOrder ? "second order, elementwise" : "elementwise");
    }

    /**
     * The directional check: with v a seeded random direction over all targets, compares
     * {@code Σ_w <grad_w, v_w>} (from one backward pass) with {@code (F(θ + h v) - F(θ - h v)) / 2h}.
     */
    public Report checkDirectional() {
        Run run = prepare();
        SplittableRandom random = new SplittableRandom(seed ^ 0xD1BL);
        Tensor[] direction = new Tensor[run.targets.length];
        double vjp = 0;
        for (int w = 0; w < run.targets.length; w++) {
            Tensor value = run.valueOf(run.targets[w]);
            direction[w] = Tensor.zeros(DType.F64, value.shape());
            for (int i = 0; i < value.size(); i++) {
                double v = random.nextDouble(-1, 1);
                direction[w].setFlat(i, v);
                vjp += v * run.analytic[w].getFlat(i);
            }
        }
        double plus = run.objectiveAlong(direction, h);
        double minus = run.objectiveAlong(direction, -h);
        double centre = run.objectiveAlong(direction, 0);
        run.restore();
        String target = Arrays.stream(run.targets).map(Node::label).reduce((a, b) -> a + "', '" + b).orElse("");
        Element e = element(run.outputLabel, target + "' along v", new int[0], vjp, plus, centre, minus, h);
        return report(run, List.of(e), secondOrder ? "second order, directional" : "directional");
    }

    private Element element(String output, String target, int[] index, double analytic, double plus, double centre,
                            double minus, double step) {
        double numeric = (plus - minus) / (2 * step);
        double left = (centre - minus) / step, right = (plus - centre) / step;
        double bound = atol + rtol * Math.abs(numeric);
        boolean close = Math.abs(analytic - numeric) <= bound;
        // A kink: the one-sided slopes differ by far more than curvature over h could explain.
        double sideBound = atol + rtol * Math.max(Math.abs(left), Math.abs(right));
        boolean kink = Math.abs(left - right) > 100 * sideBound;
        boolean between = analytic >= Math.min(left, right) - sideBound && analytic <= Math.max(left, right) + sideBound;
        boolean ok = close || (kink && between);
        return new Element(output, target, index, analytic, numeric, left, right, kink && ok, ok, bound);
    }

    private Report report(Run run, List<Element> checked, String mode) {
        List<Element> failures = new ArrayList<>(), kinks = new ArrayList<>();
        Element worst = null;
        for (Element e : checked) {
            if (!e.ok()) {
                failures.add(e);
                if (worst == null || e.severity() > worst.severity()) worst = e;
            } else if (e.kink()) {
                kinks.add(e);
            }
        }
        String culprit = null;
        if (!failures.isEmpty() && localize) culprit = localizeFailure(run);
        return new Report(run.outputLabel, List.copyOf(checked), List.copyOf(failures), List.copyOf(kinks), worst, culprit, mode);
    }

    private int[] elements(int size, SplittableRandom random) {
        if (size <= sample) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        // A partial Fisher-Yates shuffle: sample distinct indices, then sort for readable reports.
        int[] pool = new int[size];
        for (int i = 0; i < size; i++) pool[i] = i;
        for (int i = 0; i < sample; i++) {
            int j = i + random.nextInt(size - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        int[] out = Arrays.copyOf(pool, sample);
        Arrays.sort(out);
        return out;
    }

    private static int[] unravel(int i, int[] shape) {
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return index;
    }

    /** A compiled step with its inputs fed, the projection chosen and the analytic gradients taken. */
    private final class Run {
        final Step step;
        final Node[] targets;
        final Tensor[] analytic;
        final Tensor projection;
        final String outputLabel;
        final Tensor[] saved;
        /** Every evaluation repeats the analytic pass's random draw: random ops (dropout) keep their masks. */
        final long draw;

        Run(Step step, Node[] targets, Tensor projection) {
            this.step = step;
            this.targets = targets;
            this.projection = projection;
            this.outputLabel = "'" + output.label() + "'";
            this.saved = new Tensor[targets.length];
            for (int w = 0; w < targets.length; w++) saved[w] = valueOf(targets[w]).copy();
            this.draw = step.nextRandomDraw();
            step.forward();
            if (projection == null) step.backward();
            else step.backward(projection);
            this.analytic = new Tensor[targets.length];
            for (int w = 0; w < targets.length; w++) analytic[w] = step.grad(targets[w]).copy();
        }

        /** The tensor the step reads for a target: the input buffer or the parameter's value. */
        Tensor valueOf(Node target) {
            return target.kind() == Node.Kind.PARAM ? target.parameter().value() : step.input(target.name());
        }

        /** F = Σ c·y at the current values. */
        double objective() {
            step.setNextRandomDraw(draw);
            step.forward();
            Tensor y = step.output();
            if (projection == null) return y.getFlat(0);
            double sum = 0;
            for (int i = 0; i < y.size(); i++) sum += projection.getFlat(i) * y.getFlat(i);
            return sum;
        }

        /** F at the saved values moved by t along the direction. */
        double objectiveAlong(Tensor[] direction, double t) {
            for (int w = 0; w < targets.length; w++) {
                Tensor v = valueOf(targets[w]);
                for (int i = 0; i < v.size(); i++) v.setFlat(i, saved[w].getFlat(i) + t * direction[w].getFlat(i));
            }
            return objective();
        }

        void restore() {
            for (int w = 0; w < targets.length; w++) {
                Tensor v = valueOf(targets[w]);
                for (int i = 0; i < v.size(); i++) v.setFlat(i, saved[w].getFlat(i));
            }
        }
    }

    private Run prepare() {
        if (secondOrder && firstOrderOutput == null) {
            firstOrderOutput = output;
            output = firstOrderGradient(output);
        }
        Graph g = output.graph();
        refuseFloat32(g);
        // Training compiles differentiate parameters only by default; a gradient check wants every
        // input and parameter the output depends on. In second-order mode: the first-order targets
        // the gradient still depends on (through a linear op none: its second derivative is 0).
        Node[] leaves = wrt.length > 0 ? wrt : leavesOf(output);
        if (secondOrder && wrt.length == 0) {
            List<Node> first = List.of(leavesOf(firstOrderOutput));
            leaves = Arrays.stream(leaves).filter(first::contains).toArray(Node[]::new);
        }
        CompileOptions options = CompileOptions.training().withWrt(leaves);
        if (math != null) options = options.withMath(math);
        if (mode != null) options = options.withMode(mode);
        Step step = g.compile(output, options);
        List<String> read = Arrays.stream(leavesOf(output)).filter(n -> n.kind() == Node.Kind.INPUT).map(Node::name).toList();
        for (var e : feeds.entrySet()) {
            // the gradient checked in second-order mode may no longer read every input the output did
            if (secondOrder && !read.contains(e.getKey())) continue;
            step.feed(e.getKey(), e.getValue());
        }
        Node[] targets = wrt.length > 0 ? wrt.clone() : secondOrder ? leaves : targetsOf(step, g);
        if (targets.length == 0) {
            throw new IllegalArgumentException("GradCheck: output " + output.describe() + " depends on no input or parameter");
        }
        for (Node t : targets) {
            // Reading an input's buffer counts as feeding it: an unfed target would be checked at stale values.
            if (t.kind() == Node.Kind.INPUT && !feeds.containsKey(t.name())) {
                throw new IllegalArgumentException("GradCheck: input " + t.describe() + " was not fed; call feed(\"" + t.name() + "\", value)");
            }
        }
        Tensor projection = null;
        if (output.size() != 1) {
            projection = Tensor.randn(DType.F64, Seed.of(seed ^ 0xC0FFEEL), output.shape());
        }
        return new Run(step, targets, projection);
    }

    /** Inputs and parameters the output depends on, in graph order. */
    private static Node[] leavesOf(Node output) {
        boolean[] reached = new boolean[output.index() + 1];
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(output));
        List<Node> leaves = new ArrayList<>();
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (reached[n.index()]) continue;
            reached[n.index()] = true;
            if (n.kind() == Node.Kind.INPUT || n.kind() == Node.Kind.PARAM) leaves.add(n);
            for (Node in : n.inputs()) todo.push(in);
        }
        leaves.sort(java.util.Comparator.comparingInt(Node::index));
        return leaves.toArray(new Node[0]);
    }

    /** Inputs and parameters the step computes gradients for, in graph order. */
    private static Node[] targetsOf(Step step, Graph g) {
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.kind() != Node.Kind.INPUT && n.kind() != Node.Kind.PARAM) continue;
            try {
                step.grad(n);
                out.add(n);
            } catch (IllegalArgumentException notATarget) {
                // the output does not depend on it
            }
        }
        return out.toArray(new Node[0]);
    }

    private void refuseFloat32(Graph g) {
        if (output.dtype() != DType.F64) {
            throw new IllegalArgumentException("GradCheck: output " + output.describe() + " is " + output.dtype()
                    + "; central differences need float64 (in float32 they keep about 3 digits, too few to tell a wrong"
                    + " derivative from rounding): build the graph with DType.F64");
        }
        for (Node n : wrt) {
            if (n.dtype() != DType.F64) {
                throw new IllegalArgumentException("GradCheck: target " + n.describe() + " is " + n.dtype() + "; build the graph with DType.F64");
            }
        }
    }

    /**
     * Re-checks every op node on its own, fed with the values it saw in the full graph, and names
     * the first (in graph order) whose gradient disagrees with finite differences.
     */
    private String localizeFailure(Run run) {
        Graph g = output.graph();
        List<Node> ops = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.kind() == Node.Kind.OP && n.index() <= output.index()) ops.add(n);
        }
        if (ops.size() <= 1) return ops.isEmpty() ? null : "failing op: " + describeOp(ops.get(0));
        Step values;
        try {
            CompileOptions options = CompileOptions.inferenceOnly().withKeep(ops.toArray(new Node[0]));
            if (math != null) options = options.withMath(math);
            values = g.compile(output, options);
            for (var e : feeds.entrySet()) values.feed(e.getKey(), e.getValue());
            values.forward();
        } catch (RuntimeException e) {
            return "could not localize the failing op: " + e.getMessage();
        }
        for (Node n : ops) {
            try {
                Graph local = new Graph();
                Node[] in = n.inputs();
                Node[] args = new Node[in.length];
                GradCheck sub;
                Map<String, Tensor> subFeeds = new LinkedHashMap<>();
                for (int k = 0; k < in.length; k++) {
                    String name = subFeeds.containsKey(in[k].label()) ? in[k].label() + "(" + k + ")" : in[k].label();
                    args[k] = local.input(name, DType.F64, in[k].shape());
                    subFeeds.put(args[k].name(), values.value(in[k]).copy());
                }
                Node o = local.apply(n.op(), args);
                sub = GradCheck.of(o).feeds(subFeeds).tolerance(rtol, atol).step(h).sample(sample, seed).localize(false);
                if (math != null) sub.on(math);
                Report r = sub.check();
                if (!r.ok()) return "failing op: " + describeOp(n) + "; on its own: " + r.worst();
            } catch (RuntimeException e) {
                // an op that cannot be checked alone (e.g. integer-valued inputs) is skipped
            }
        }
        return "no single op fails on its own: the error comes from how ops are combined (accumulation, views, planning)";
    }

    private static String describeOp(Node n) {
        StringBuilder sb = new StringBuilder(n.describe()).append(" = ").append(n.op().name());
        if (!n.op().attributes().isEmpty()) sb.append('[').append(n.op().attributes()).append(']');
        sb.append('(');
        Node[] in = n.inputs();
        for (int i = 0; i < in.length; i++) sb.append(i > 0 ? ", " : "").append(in[i].describe());
        return sb.append(')').toString();
    }
}
