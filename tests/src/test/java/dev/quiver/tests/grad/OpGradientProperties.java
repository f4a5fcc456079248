package dev.quiver.tests.grad;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.check.GradCheck;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.kernel.internal.TextAlgebra;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A gradient property per differentiable op, on every backend: for random shapes (with
 * broadcasting where the op broadcasts) and values in the op's domain (away from kinks and ties),
 * the backward pass agrees with central finite differences ({@link GradCheck}, float64).
 */
class OpGradientProperties {

    /**
     * Tighter than GradCheck's PyTorch-like defaults (1e-3, 1e-5): with h = 1e-6 in float64 the
     * truncation error (~h² f''') and rounding error (~u F / h) are both far below 1e-6 here, so a
     * derivative rule that is off by 0.01% still fails.
     */
    static final double RTOL = 1e-5, ATOL = 1e-6;

    /** One generated case: the op's arguments and integer attributes (axes, orders, modes). */
    record OpCase(String op, List<Tensor> args, int[] attrs) {}

    @FunctionalInterface
    interface Apply {
        Node apply(Graph g, Node[] in, int[] attrs);
    }

    record Entry(String op, Gen<OpCase> cases, Apply apply) {
        /** The same entry with the operands moved onto interleaved grids (no ties). */
        Entry withGrid() {
            return new Entry(op, cases.map(c -> new OpCase(c.op(), List.of(grid(c.args().get(0), 0.25), grid(c.args().get(1), 0)), c.attrs())), apply);
        }
    }

    static final Gen<int[]> SHAPES = TensorGens.shapes(0, 3, 1, 4, 0);

    static Gen<Tensor> t(int[] shape, Domain d) {
        return TensorGens.tensors(DType.F64, shape, d);
    }

    static Entry unary(String op, Domain d, Apply apply) {
        return new Entry(op, SHAPES.flatMap(s -> t(s, d)).map(x -> new OpCase(op, List.of(x), new int[0])), apply);
    }

    static Entry binary(String op, Domain da, Domain db, Apply apply) {
        return new Entry(op, TensorGens.broadcastable(2, SHAPES).flatMap(p -> s -> new OpCase(op,
                List.of(t(p[0], da).generate(s), t(p[1], db).generate(s)), new int[0])), apply);
    }

    /** Values on two interleaved grids (a on k/2 + 1/4, b on k/2), so max and min never see a tie. */
    static Tensor grid(Tensor t, double offset) {
        Tensor out = t.copy();
        for (int i = 0; i < out.size(); i++) out.setFlat(i, Math.floor(t.getFlat(i) * 2) / 2 + offset);
        return out;
    }

    /** A case with one tensor of a shape of rank >= minRank and attributes drawn from it. */
    static Entry shaped(String op, int minRank, java.util.function.BiFunction<int[], dev.quiver.check.kit.Source, int[]> attrs, Apply apply) {
        Gen<int[]> shapes = TensorGens.shapes(minRank, 3, 1, 4, 0);
        return new Entry(op, s -> {
            int[] shape = shapes.generate(s);
            return new OpCase(op, List.of(t(shape, Domain.REAL).generate(s)), attrs.apply(shape, s));
        }, apply);
    }

    static int[] permutation(int rank, dev.quiver.check.kit.Source s) {
        List<Integer> left = new ArrayList<>();
        for (int i = 0; i < rank; i++) left.add(i);
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = left.remove((int) s.choice(left.size()));
        return order;
    }

    /** Every differentiable map, from its definition: name, domain (nothing to edit here when an op is added). */
    static List<Entry> maps() {
        List<Entry> e = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            if (op.isDifferentiable()) e.add(unary(op.name().toLowerCase(), domain(op.domain()), (g, in, a) -> g.map(op, in[0])));
        }
        return e;
    }

    static Domain domain(UnaryOp.Domain d) {
        return d.kinks().length == 0 ? Domain.interval(d.lo(), d.hi()) : Domain.awayFrom(d.lo(), d.hi(), d.gap(), d.kinks());
    }

    /**
     * Ops checked to second order: every map whose derivative reads x or y (the others are linear:
     * their gradient is a constant), and binary ops with a second derivative.
     */
    static List<Entry> secondOrderEntries() {
        List<Entry> e = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            String derivative = op.isDifferentiable() ? op.derivative(TextAlgebra.INSTANCE, "x", "y", "g") : "";
            if (derivative.contains("x") || derivative.contains("y")) {
                e.add(unary(op.name().toLowerCase(), domain(op.domain()), (g, in, a) -> g.map(op, in[0])));
            }
        }
        e.add(binary("mul", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].mul(in[1])));
        e.add(binary("div", Domain.REAL, Domain.AWAY_FROM_ZERO, (g, in, a) -> in[0].div(in[1])));
        e.add(binary("max", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].max(in[1])).withGrid());
        e.add(unary("pow 3", Domain.REAL, (g, in, a) -> in[0].pow(3)));
        e.add(unary("tanh of a product", Domain.REAL, (g, in, a) -> in[0].mul(in[0]).tanh().sigmoid()));
        return e;
    }

    static List<Entry> entries() {
        List<Entry> e = new ArrayList<>();
        Domain awayFromOne = Domain.awayFrom(-3, 3, 0.1, 1);
        e.addAll(maps());
        e.add(unary("hinge", awayFromOne, (g, in, a) -> in[0].hinge()));
        e.add(unary("add_c", Domain.REAL, (g, in, a) -> in[0].add(1.5)));
        e.add(unary("mul_c", Domain.REAL, (g, in, a) -> in[0].mul(-2.5)));
        e.add(unary("pow 3", Domain.REAL, (g, in, a) -> in[0].pow(3)));
        e.add(unary("pow 0.5", Domain.POSITIVE, (g, in, a) -> in[0].pow(0.5)));
        e.add(unary("pow -1.5", Domain.POSITIVE, (g, in, a) -> in[0].pow(-1.5)));
        e.add(unary("sum", Domain.REAL, (g, in, a) -> in[0].sum()));
        e.add(unary("mean", Domain.REAL, (g, in, a) -> in[0].mean()));
        e.add(unary("norm", Domain.AWAY_FROM_ZERO, (g, in, a) -> in[0].norm()));
        e.add(unary("transpose", Domain.REAL, (g, in, a) -> in[0].t()));
        e.add(binary("add", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].add(in[1])));
        e.add(binary("sub", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].sub(in[1])));
        e.add(binary("mul", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].mul(in[1])));
        e.add(binary("div", Domain.REAL, Domain.AWAY_FROM_ZERO, (g, in, a) -> in[0].div(in[1])));
        e.add(binary("max", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].max(in[1])).withGrid());
        e.add(binary("min", Domain.REAL, Domain.REAL, (g, in, a) -> in[0].min(in[1])).withGrid());
        e.add(shaped("sum axes", 1, (shape, s) -> TensorGens.axes(shape.length).filter(x -> x.length > 0).generate(s),
                (g, in, a) -> in[0].sum(a.length % 2 == 0, a)));
        e.add(shaped("mean axes", 1, (shape, s) -> new int[] {TensorGens.axis(shape.length).generate(s)},
                (g, in, a) -> in[0].mean(true, a)));
        e.add(shaped("permute", 0, (shape, s) -> permutation(shape.length, s), (g, in, a) -> in[0].permute(a)));
        e.add(shaped("reshape", 0, (shape, s) -> new int[] {-1}, (g, in, a) -> in[0].reshape(-1)));
        e.add(shaped("expand", 0, (shape, s) -> new int[] {1 + (int) s.choice(3)}, (g, in, a) -> {
            int[] target = new int[in[0].rank() + 1];
            target[0] = a[0];
            System.arraycopy(in[0].shape(), 0, target, 1, in[0].rank());
            return g.expand(in[0], target);
        }));
        e.add(shaped("slice", 1, (shape, s) -> new int[] {(int) s.choice(shape[0]), Gens.ints(1, 2).generate(s)},
                (g, in, a) -> in[0].slice(Index.range(a[0], Integer.MAX_VALUE, a[1]))));
        e.add(shaped("at", 1, (shape, s) -> new int[] {(int) s.choice(shape[0])}, (g, in, a) -> in[0].slice(Index.at(a[0]))));
        e.add(shaped("softmax", 1, (shape, s) -> new int[] {TensorGens.axis(shape.length).generate(s)}, (g, in, a) -> in[0].softmax(a[0])));
        e.add(shaped("logSoftmax", 1, (shape, s) -> new int[] {TensorGens.axis(shape.length).generate(s)}, (g, in, a) -> in[0].logSoftmax(a[0])));
        e.add(shaped("concat", 1, (shape, s) -> new int[] {(int) s.choice(shape.length)}, (g, in, a) -> g.concat(a[0], in[0], in[0].square())));
        e.add(shaped("stack", 0, (shape, s) -> new int[] {(int) s.choice(shape.length + 1)}, (g, in, a) -> g.stack(a[0], in[0], in[0].tanh())));
        e.add(shaped("addN", 0, (shape, s) -> new int[0], (g, in, a) -> g.addN(in[0], in[0].square(), in[0].tanh())));
        // Products: shapes built to match.
        e.add(new Entry("matmul", s -> {
            Gen<Integer> d = Gens.ints(1, 5);
            int m = d.generate(s), k = d.generate(s), n = d.generate(s), batch = Gens.ints(1, 3).generate(s);
            int form = (int) s.choice(5);
            int[] as = switch (form) { case 0 -> new int[] {m, k}; case 1 -> new int[] {k}; case 2 -> new int[] {m, k}; default -> new int[] {batch, m, k}; };
            int[] bs = switch (form) { case 0, 1 -> new int[] {k, n}; case 2 -> new int[] {k}; case 3 -> new int[] {batch, k, n}; default -> new int[] {k, n}; };
            return new OpCase("matmul", List.of(t(as, Domain.REAL).generate(s), t(bs, Domain.REAL).generate(s)), new int[0]);
        }, (g, in, a) -> in[0].matmul(in[1])));
        e.add(new Entry("dot", s -> {
            int k = Gens.ints(1, 6).generate(s);
            return new OpCase("dot", List.of(t(new int[] {k}, Domain.REAL).generate(s), t(new int[] {k}, Domain.REAL).generate(s)), new int[0]);
        }, (g, in, a) -> in[0].dot(in[1])));
        e.add(new Entry("modeN", s -> {
            int[] shape = TensorGens.shapes(1, 3, 1, 4, 0).generate(s);
            int mode = (int) s.choice(shape.length), k = Gens.ints(1, 4).generate(s);
            boolean last = s.weighted(0.5);
            return new OpCase("modeN", List.of(t(shape, Domain.REAL).generate(s), t(new int[] {shape[mode], k}, Domain.REAL).generate(s)),
                    new int[] {mode, last ? 1 : 0});
        }, (g, in, a) -> a[1] == 1 ? g.modeNLast(in[0], in[1], a[0]) : in[0].modeN(in[1], a[0])));
        e.add(new Entry("softmaxCrossEntropy", s -> {
            int rows = Gens.ints(1, 4).generate(s), cols = Gens.ints(1, 5).generate(s);
            Tensor targets = Tensor.zeros(DType.F64, rows, cols);
            for (int r = 0; r < rows; r++) targets.set(1, r, (int) s.choice(cols));
            return new OpCase("softmaxCrossEntropy", List.of(t(new int[] {rows, cols}, Domain.REAL).generate(s), targets), new int[0]);
        }, (g, in, a) -> g.softmaxCrossEntropy(in[0], in[1])));
        return e;
    }

    @TestFactory
    Stream<DynamicTest> everyDifferentiableOpOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            Backend backend = Backends.create(name, 1);
            TensorMath math = TensorMath.of(backend);
            for (Entry entry : entries()) {
                tests.add(Property.forAll(entry.cases()).tries(25).classify("rank", c -> c.args().get(0).rank())
                        .test(entry.op() + " on " + name, c -> check(entry, c, math)));
            }
        }
        return tests.stream();
    }

    /**
     * The second-order property (PyTorch's gradgradcheck): the gradient of each op's gradient,
     * itself a graph built from the ops' derivative rules, against finite differences of the
     * gradient, on every backend.
     */
    @TestFactory
    Stream<DynamicTest> everyOpWithASecondDerivativeOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            for (Entry entry : secondOrderEntries()) {
                tests.add(Property.forAll(entry.cases()).tries(15).classify("rank", c -> c.args().get(0).rank())
                        .test(entry.op() + " second order on " + name, c -> check(entry, c, math, true)));
            }
        }
        return tests.stream();
    }

    static void check(Entry entry, OpCase c, TensorMath math) {
        check(entry, c, math, false);
    }

    static void check(Entry entry, OpCase c, TensorMath math, boolean secondOrder) {
        Graph g = new Graph();
        Node[] in = new Node[c.args().size()];
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < in.length; i++) {
            Tensor v = c.args().get(i);
            if (entry.op().equals("softmaxCrossEntropy") && i == 1) {
                in[i] = g.constant("targets", v); // targets are data, not something to differentiate here
                continue;
            }
            in[i] = g.input("arg" + i, DType.F64, v.shape());
            feeds.put("arg" + i, v);
        }
        Node out = entry.apply().apply(g, in, c.attrs());
        GradCheck check = GradCheck.of(out).feeds(feeds).on(math).tolerance(RTOL, ATOL);
        (secondOrder ? check.secondOrder() : check).check().assertOk();
    }
}
