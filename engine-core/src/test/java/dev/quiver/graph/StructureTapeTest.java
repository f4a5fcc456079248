package dev.quiver.graph;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The structure a step keeps of its nodes ({@link StructureTape}) decides plan-cache hits. Each
 * graph here is a new {@link Graph} on one shared cache, so no graph can vouch that its nodes are
 * unchanged: every compile goes through the tape's node-by-node comparison.
 */
class StructureTapeTest {
    private static final Parameter P = new Parameter("p", Tensor.vector(1, 2));
    private static final Parameter OTHER_P = new Parameter("p", Tensor.vector(1, 2));
    private static final Parameter P32 = new Parameter("p", Tensor.zeros(F32, 2)), P3 = new Parameter("p", Tensor.zeros(F64, 3));
    /** Larger than {@link Graph#DATA_CONSTANT_MAX}: bound by reference, so its identity is structure. */
    private static final Tensor BIG = Tensor.zeros(F64, 2, Graph.DATA_CONSTANT_MAX);
    private static final Tensor OTHER_BIG = Tensor.zeros(F64, 2, Graph.DATA_CONSTANT_MAX);

    /** What one build varies; the defaults build the reference structure. */
    private record Shape(String input, Parameter p, Tensor big, double small, DType dtype, int width, boolean swap, boolean tanh,
                         String named) {
        static Shape base() { return new Shape("x", P, BIG, 3, F64, 2, false, true, null); }
    }

    private static Step compile(PlanCache cache, Shape s) {
        Graph g = new Graph(cache);
        Node x = g.input(s.input(), s.dtype(), s.width());
        Node p = g.param(s.dtype() == F32 ? P32 : s.width() == 3 ? P3 : s.p());
        Node big = g.constant(s.big()).sum();
        Node small = g.constant(Tensor.scalar(F64, s.small()));
        Node prod = s.swap() ? p.mul(x) : x.mul(p);
        Node act = s.tanh() ? prod.tanh() : prod.sigmoid();
        if (s.named() != null) g.named(s.named(), act);
        Node loss = act.sum();
        if (s.dtype() == F64) loss = loss.add(big).add(small);
        return g.compile(loss, CompileOptions.training());
    }

    private static void assertNewPlan(String what, Consumer<Shape[]> change) {
        PlanCache cache = new PlanCache();
        Shape[] s = {Shape.base()};
        Step base = compile(cache, s[0]);
        assertSame(base, compile(cache, s[0]), "the same structure again hits the plan");
        change.accept(s);
        Step changed = compile(cache, s[0]);
        assertNotSame(base, changed, what + " must get a new plan");
        assertSame(base, compile(cache, Shape.base()), "the first structure is still found after " + what);
        assertSame(changed, compile(cache, s[0]), what + ": found again");
    }

    @Test
    void everyPartOfTheStructureSelectsItsOwnPlan() {
        assertNewPlan("an input's name", s -> s[0] = new Shape("y", P, BIG, 3, F64, 2, false, true, null));
        assertNewPlan("another parameter object", s -> s[0] = new Shape("x", OTHER_P, BIG, 3, F64, 2, false, true, null));
        assertNewPlan("another large constant", s -> s[0] = new Shape("x", P, OTHER_BIG, 3, F64, 2, false, true, null));
        assertNewPlan("a dtype", s -> s[0] = new Shape("x", P, BIG, 3, F32, 2, false, true, null));
        assertNewPlan("a shape", s -> s[0] = new Shape("x", P, BIG, 3, F64, 3, false, true, null));
        assertNewPlan("swapped inputs", s -> s[0] = new Shape("x", P, BIG, 3, F64, 2, true, true, null));
        assertNewPlan("another op", s -> s[0] = new Shape("x", P, BIG, 3, F64, 2, false, false, null));
        assertNewPlan("a name on an op node", s -> s[0] = new Shape("x", P, BIG, 3, F64, 2, false, true, "h"));
    }

    @Test
    void aSmallConstantsValueIsData() {
        PlanCache cache = new PlanCache();
        Step base = compile(cache, Shape.base());
        Step other = compile(cache, new Shape("x", P, BIG, 5, F64, 2, false, true, null));
        assertSame(base, other, "a small constant's value is data, not structure");
        other.feed("x", Tensor.vector(0, 0)).forward();
        assertEquals(5, other.output().item(), 1e-12, "the step copies the new constant's value in");
    }

    @Test
    void messagesDescribeNodesFromTheTape() {
        Step s = compile(new PlanCache(), Shape.base());
        var e = assertThrows(IllegalArgumentException.class, () -> s.feed("x", Tensor.vector(1, 2, 3)));
        assertTrue(e.getMessage().contains("feed: input 'x' [2] (F64) was given a F64 tensor of shape [3]"), e.getMessage());
        var missing = assertThrows(IllegalStateException.class, s::forward);
        assertTrue(missing.getMessage().contains("input 'x' [2] was not fed"), missing.getMessage());
        s.feed("x", Tensor.vector(1, 2)).forward();
        var notScalar = assertThrows(IllegalArgumentException.class, () -> s.backward(Tensor.vector(1, 2)));
        assertTrue(notScalar.getMessage().contains("output gradient for ") && notScalar.getMessage().contains(" [] (F64) has dtype F64 and shape [2]"), notScalar.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> s.feed("z", Tensor.vector(1, 2)));
        assertTrue(unknown.getMessage().contains("inputs: [x]"), unknown.getMessage());
    }
}
