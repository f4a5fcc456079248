package dev.quiver.tests.grad;

import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tests.support.IndexCases;
import dev.quiver.tests.support.Ref;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.quiver.tests.grad.GraphBadInputProperties.expect;

/**
 * Bad input to the index ops gets the documented exception naming the op, the nodes or the bad
 * value, never a wrong number or an ArrayIndexOutOfBounds from inside a kernel: an index or a class
 * out of range or negative (at run time: indices are data, named with their value, position and
 * the valid range), a floating index tensor, an index tensor where floats are expected, classes
 * of the wrong shape, updates of the wrong shape.
 */
class IndexBadInputProperties {

    record Bad(IndexCases.Gather c, int position, boolean negative) {
        long value() { return negative ? -1 - position : c.shape()[c.axis()] + position; }
    }

    static Gen<Bad> badIndices() {
        return IndexCases.gathers(2).filter(c -> c.idx().length > 0).flatMap(c ->
                Gens.ints(0, c.idx().length - 1).flatMap(p -> Gens.booleans(0.5).map(neg -> new Bad(c, p, neg))));
    }

    @Test
    void indicesOutOfRangeFailTheRunNamingValuePositionAndRange() {
        Property.forAll(badIndices()).tries(60).classify("negative", Bad::negative).check(b -> {
            IndexCases.Gather c = b.c();
            long[] idx = c.idx().clone();
            idx[b.position()] = b.value();
            IndexCases.Gather bad = new IndexCases.Gather(c.shape(), c.axis(), c.idxShape(), idx, c.wide(), c.strided());
            String position = Shapes.str(Ref.unravel(b.position(), c.idxShape()));
            String range = "[0, " + c.shape()[c.axis()] + ")";
            Graph g = new Graph();
            Node x = g.param("x", Tensor.zeros(DType.F64, c.shape()));
            Node take = x.take(c.axis(), g.constant(bad.indices()));
            Step step = g.compile(take.sum());
            expect(IndexOutOfBoundsException.class, step::forward, "take", "axis=" + c.axis(), "index " + b.value(), position, range);
            Graph h = new Graph();
            Node base = h.input("base", DType.F64, c.shape());
            Node scatter = h.scatterAdd(base, c.axis(), h.constant(bad.indices()), h.input("u", DType.F64, c.gathered()));
            Step s2 = h.compile(scatter, CompileOptions.inferenceOnly());
            s2.feed("base", Tensor.zeros(DType.F64, c.shape())).feed("u", Tensor.zeros(DType.F64, c.gathered()));
            expect(IndexOutOfBoundsException.class, s2::forward, "scatter_add", "index " + b.value(), position, range);
        });
    }

    record BadClass(IndexCases.Classes c, int row, boolean negative) {}

    @Test
    void classesOutOfRangeFailTheRunNamingClassRowAndRange() {
        Gen<BadClass> gen = IndexCases.classes().flatMap(c -> Gens.ints(0, c.cls().length - 1)
                .flatMap(r -> Gens.booleans(0.5).map(neg -> new BadClass(c, r, neg))));
        Property.forAll(gen).tries(60).check(b -> {
            IndexCases.Classes c = b.c();
            long[] cls = c.cls().clone();
            // never the ignore index: -2 is out of range and ignored by no case (they ignore -1 or 0)
            long value = b.negative() ? -2 : c.classes() + b.row();
            cls[b.row()] = value;
            IndexCases.Classes bad = new IndexCases.Classes(c.rows(), c.classes(), cls, c.wide(), c.strided(), c.options());
            Graph g = new Graph();
            Node x = g.param("logits", Tensor.zeros(DType.F64, c.logitsShape()));
            Step step = g.compile(g.softmaxCrossEntropy(x, g.constant(bad.classTensor()), c.options()).sum());
            String row = Shapes.str(Ref.unravel(b.row(), c.rows()));
            expect(IndexOutOfBoundsException.class, step::forward, "softmax_cross_entropy", "class " + value, row, "[0, " + c.classes() + ")");
        });
    }

    @Test
    void wrongDtypesAndShapesFailAtBuildTimeNamingTheNodes() {
        Property.forAll(IndexCases.gathers(2)).tries(40).check(c -> {
            Graph g = new Graph();
            Node x = g.input("table", DType.F64, c.shape());
            Node floats = g.input("floatIndices", DType.F64, c.idxShape());
            String idxShape = Shapes.str(c.idxShape());
            expect(IllegalArgumentException.class, () -> x.take(c.axis(), floats), "take", "'floatIndices' " + idxShape, "F64", "I32 or I64");
            expect(IllegalArgumentException.class, () -> g.lookup(x, floats), "take", "'floatIndices'");
            Node ids = g.input("ids", c.wide() ? DType.I64 : DType.I32, c.idxShape());
            String dt = c.wide() ? "I64" : "I32";
            expect(IllegalArgumentException.class, () -> ids.tanh(), "tanh", "'ids' " + idxShape, dt, "F32 or F64");
            expect(IllegalArgumentException.class, () -> x.take(c.axis(), ids).add(ids), "add", "'ids'", dt);
            expect(IllegalArgumentException.class, () -> ids.take(0, ids), "take", "'ids'", dt);
            expect(IllegalArgumentException.class, () -> x.take(c.shape().length, ids), "take", "axis " + c.shape().length, "out of range");
            int[] wrong = Arrays.copyOf(c.gathered(), c.gathered().length + 1);
            wrong[wrong.length - 1] = 2;
            Node u = g.input("u", DType.F64, wrong);
            expect(IllegalArgumentException.class, () -> g.scatterAdd(x, c.axis(), ids, u), "scatter_add", "'u'", Shapes.str(wrong),
                    Shapes.str(c.gathered()));
            Node single = g.input("single", DType.F32, c.gathered());
            expect(IllegalArgumentException.class, () -> g.scatterAdd(x, c.axis(), ids, single), "scatter_add", "'single'", "F32");
            // an index tensor fed where floats are expected
            Step step = g.compile(x.sum(), CompileOptions.training().withInputGradients(true));
            expect(IllegalArgumentException.class, () -> step.feed("table", c.indices()), "'table'", "F64", dt);
        });
    }

    @Test
    void classTargetsOfTheWrongShapeOrDtypeFailAtBuildTime() {
        Property.forAll(IndexCases.classes()).tries(40).check(c -> {
            Graph g = new Graph();
            Node x = g.input("logits", DType.F64, c.logitsShape());
            int[] wrongRows = Arrays.copyOf(c.rows(), c.rows().length + 1);
            wrongRows[wrongRows.length - 1] = c.classes();           // the logits' shape itself: one axis too many
            Node wrong = g.input("classes", DType.I32, wrongRows);
            expect(IllegalArgumentException.class, () -> g.softmaxCrossEntropy(x, wrong, c.options()), "softmax_cross_entropy",
                    "'classes' " + Shapes.str(wrongRows), Shapes.str(c.rows()));
            expect(IllegalArgumentException.class, () -> g.pickNegLogSoftmax(x, wrong), "softmax_cross_entropy", "'classes'");
            Node probabilities = g.input("targets", DType.F64, c.rows());
            expect(IllegalArgumentException.class, () -> g.softmaxCrossEntropy(x, probabilities, CrossEntropy.defaults()),
                    "'targets'", "F64", "probability targets");
            Node intLogits = g.input("intLogits", DType.I64, c.logitsShape());
            expect(IllegalArgumentException.class, () -> g.softmaxCrossEntropy(intLogits, g.constant(c.classTensor())),
                    "'intLogits'", "I64", "F32 or F64");
        });
    }
}
