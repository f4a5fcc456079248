package dev.quiver.tests.grad;

import dev.quiver.backend.Backends;
import dev.quiver.check.GradCheck;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.tests.support.IndexCases;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.quiver.tests.grad.OpGradientProperties.ATOL;
import static dev.quiver.tests.grad.OpGradientProperties.RTOL;

/**
 * A gradient property per index op on every backend, by central finite differences (GradCheck,
 * float64, the tight tolerances of {@link OpGradientProperties}): take along every axis (of plain
 * and transposed values, indices of rank 0 to 2, I32 and I64, repeats), lookup of rows and of one
 * row, scatter-add (base and updates), class-index softmax cross-entropy with every reduction,
 * ignore index and label smoothing, and pickNegLogSoftmax. Indices are constants: data, with no
 * gradient.
 */
class IndexOpGradientProperties {

    static Tensor values(int[] shape, dev.quiver.check.kit.Source s) {
        return TensorGens.tensors(DType.F64, shape, Domain.REAL).generate(s);
    }

    static int[] reversed(int[] shape) {
        int[] r = new int[shape.length];
        for (int i = 0; i < shape.length; i++) r[i] = shape[shape.length - 1 - i];
        return r;
    }

    record TakeCase(IndexCases.Gather c, boolean transposed, Tensor x) {}

    record ScatterCase(IndexCases.Gather c, Tensor base, Tensor updates) {}

    record LookupCase(int rows, int cols, long[] ids, boolean one, Tensor table) {}

    record ClassCase(IndexCases.Classes c, Tensor logits) {}

    record PickCase(int classes, int cls, Tensor logits) {}

    static Gen<TakeCase> takes() {
        return s -> {
            IndexCases.Gather c = IndexCases.gathers(2).generate(s);
            boolean transposed = c.shape().length > 1 && s.weighted(0.4);
            return new TakeCase(c, transposed, values(transposed ? reversed(c.shape()) : c.shape(), s));
        };
    }

    static Gen<ScatterCase> scatters() {
        return s -> {
            IndexCases.Gather c = IndexCases.gathers(2).generate(s);
            return new ScatterCase(c, values(c.shape(), s), values(c.gathered(), s));
        };
    }

    static Gen<LookupCase> lookups() {
        return s -> {
            int rows = Gens.ints(1, 6).generate(s), cols = Gens.ints(1, 4).generate(s), n = Gens.ints(1, 5).generate(s);
            long[] ids = new long[n];
            for (int k = 0; k < n; k++) ids[k] = s.choice(rows);
            if (n > 1) ids[n - 1] = ids[0];
            return new LookupCase(rows, cols, ids, s.weighted(0.3), values(new int[] {rows, cols}, s));
        };
    }

    static Gen<ClassCase> classCases() {
        return s -> {
            IndexCases.Classes c = IndexCases.classes().generate(s);
            return new ClassCase(c, values(c.logitsShape(), s));
        };
    }

    static Gen<PickCase> picks() {
        return s -> {
            int n = Gens.ints(1, 6).generate(s);
            return new PickCase(n, (int) s.choice(n), values(new int[] {n}, s));
        };
    }

    static void check(Node out, TensorMath math, String input, Tensor value) {
        GradCheck.of(out).feed(input, value).on(math).tolerance(RTOL, ATOL).check().assertOk();
    }

    @TestFactory
    Stream<DynamicTest> indexOpGradientsOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(takes()).tries(40).classify("axis", t -> t.c().axis())
                    .classify("index rank", t -> t.c().idxShape().length).test("take on " + name, t -> {
                        Graph g = new Graph();
                        Node x = g.input("x", DType.F64, t.x().shape());
                        Node logical = t.transposed() ? x.t() : x;
                        check(logical.take(t.c().axis(), g.constant(t.c().indices())), math, "x", t.x());
                    }));
            tests.add(Property.forAll(lookups()).tries(25).test("lookup on " + name, t -> {
                Graph g = new Graph();
                Node table = g.param("E", t.table().copy());
                Node out;
                if (t.one()) {
                    out = g.lookup(table, (int) t.ids()[0]);
                } else {
                    out = table.lookup(g.constant(IndexCases.indexTensor(t.ids(), new int[] {t.ids().length}, false, false)));
                }
                GradCheck.of(out).on(math).tolerance(RTOL, ATOL).check().assertOk();
            }));
            tests.add(Property.forAll(scatters()).tries(30).classify("axis", t -> t.c().axis()).test("scatterAdd on " + name, t -> {
                Graph g = new Graph();
                Node base = g.input("base", DType.F64, t.base().shape());
                Node upd = g.input("updates", DType.F64, t.updates().shape());
                Node out = g.scatterAdd(base, t.c().axis(), g.constant(t.c().indices()), upd);
                GradCheck.of(out.mul(out)).feed("base", t.base()).feed("updates", t.updates()).on(math).tolerance(RTOL, ATOL)
                        .check().assertOk();
            }));
            tests.add(Property.forAll(classCases()).tries(40).classify("reduction", t -> t.c().options().reduction())
                    .classify("options", t -> (t.c().options().ignoring() ? "ignore " : "") + (t.c().options().labelSmoothing() > 0 ? "smooth" : ""))
                    .test("class cross-entropy on " + name, t -> {
                        Graph g = new Graph();
                        Node x = g.input("logits", DType.F64, t.logits().shape());
                        check(g.softmaxCrossEntropy(x, g.constant(t.c().classTensor()), t.c().options()), math, "logits", t.logits());
                    }));
            // the VJP is written in primitives (with an ignored class: a mask from the one-hot rows and where)
            tests.add(Property.forAll(classCases()).tries(20).classify("reduction", t -> t.c().options().reduction())
                    .classify("options", t -> (t.c().options().ignoring() ? "ignore " : "") + (t.c().options().labelSmoothing() > 0 ? "smooth" : ""))
                    .test("class cross-entropy second order on " + name, t -> {
                        Graph g = new Graph();
                        Node x = g.input("logits", DType.F64, t.logits().shape());
                        GradCheck.of(g.softmaxCrossEntropy(x, g.constant(t.c().classTensor()), t.c().options())).feed("logits", t.logits())
                                .on(math).tolerance(1e-4, 1e-5).secondOrder().check().assertOk();
                    }));
            tests.add(Property.forAll(picks()).tries(20).test("pickNegLogSoftmax on " + name, t -> {
                Graph g = new Graph();
                Node x = g.input("logits", DType.F64, t.classes());
                check(g.pickNegLogSoftmax(x, t.cls()), math, "logits", t.logits());
                Graph rows = new Graph();
                Node m = rows.input("m", DType.F64, 2, t.classes());
                Node picked = rows.pickNegLogSoftmax(m, rows.constant(IndexCases.indexTensor(new long[] {t.cls(), 0}, new int[] {2}, true, false)));
                GradCheck.of(picked).feed("m", Tensor.vector(t.logits().toDoubleArray()).reshape(1, t.classes()).expand(2, t.classes()).copy())
                        .on(math).tolerance(RTOL, ATOL).check().assertOk();
            }));
        }
        return tests.stream();
    }
}
