package dev.quiver.tests.grad;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GradCheck itself: passes right gradients, catches and names wrong ones, documents kinks, refuses float32. */
class GradCheckTest {

    @Test
    void correctGradientsPass() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 3);
        var A = g.param("A", Tensor.fromNested(new double[][] {{1, 2, 0}, {-1, 0.5, 3}, {0, 1, 1}}));
        var f = x.t().matmul(A).matmul(x).add(x.tanh().sum());
        var report = GradCheck.of(f).feed("x", Tensor.vector(0.3, -1.2, 2.0)).check();
        assertTrue(report.ok(), report.toString());
        assertEquals(3 + 9, report.checked().size());
        assertTrue(GradCheck.of(f).feed("x", Tensor.vector(0.3, -1.2, 2.0)).checkDirectional().ok());
    }

    @Test
    void nonScalarOutputsAreCheckedThroughARandomProjection() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 2, 3);
        var y = x.exp().mul(x.sigmoid());
        assertTrue(GradCheck.of(y).feed("x", Tensor.randn(DType.F64, Seed.of(3), 2, 3)).check().ok());
    }

    @Test
    void aWrongDerivativeIsCaughtAndReportedWithTheOpTheInputTheIndexAndBothValues() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 4);
        var y = g.named("y", g.apply(new WrongCube(), x.tanh()).sum());
        var report = GradCheck.of(y).feed("x", Tensor.vector(0.5, -2, 0.25, 3)).check();
        assertFalse(report.ok());
        String text = report.toString();
        var worst = report.worst();
        assertEquals("x", worst.target());
        assertEquals(1, worst.index().length);
        // Independent closed form: d/dx tanh(x)^3 = 3 tanh² (1 - tanh²); the wrong rule gives 3 tanh (1 - tanh²).
        double t = Math.tanh(new double[] {0.5, -2, 0.25, 3}[worst.index()[0]]);
        assertEquals(3 * t * t * (1 - t * t), worst.numeric(), 1e-6, text);
        assertEquals(3 * t * (1 - t * t), worst.analytic(), 1e-12, text);
        assertTrue(text.contains("d'y'/d'x'[" + worst.index()[0] + "]: analytic " + worst.analytic() + ", numeric " + worst.numeric()), text);
        assertTrue(report.culprit() != null && report.culprit().contains("wrongCube") && !report.culprit().contains("= tanh"), text);
        assertFalse(GradCheck.of(y).feed("x", Tensor.vector(0.5, -2, 0.25, 3)).checkDirectional().ok());
        var e = assertThrows(AssertionError.class, report::assertOk);
        assertTrue(e.getMessage().contains("wrongCube"), e.getMessage());
    }

    @Test
    void largeInputsAreSampledAndTheDirectionalCheckScales() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 40, 50);
        var w = g.param("W", Tensor.randn(DType.F64, Seed.of(1), 50, 7));
        var f = x.matmul(w).tanh().square().sum();
        var check = GradCheck.of(f).feed("x", Tensor.randn(DType.F64, Seed.of(2), 40, 50)).sample(30, 42);
        var report = check.check();
        assertTrue(report.ok(), report.toString());
        assertEquals(30 + 30, report.checked().size(), "30 sampled elements of x (2000) and of W (350)");
        assertTrue(check.checkDirectional().ok());
    }

    @Test
    void parametersAreRestoredBitForBit() {
        var g = new Graph();
        Tensor value = Tensor.randn(DType.F64, Seed.of(5), 3, 3);
        Tensor before = value.copy();
        var p = g.param("P", value);
        GradCheck.of(p.square().sum()).check().assertOk();
        GradCheck.of(p.square().sum()).checkDirectional().assertOk();
        assertTrue(value.bitwiseEquals(before));
    }

    /** Subgradients at kinks, as documented on GradCheck and Elementwise; the checks accept them as kinks. */
    @Test
    void subgradientsAtKinks() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 3);
        Tensor at = Tensor.vector(0, 1, -1);
        var inputGradients = dev.quiver.graph.CompileOptions.training().withInputGradients(true);

        var relu = g.compile(x.relu().sum(), inputGradients);
        relu.forward(java.util.Map.of("x", at)).backward();
        assertArrayEquals(new double[] {0, 1, 0}, relu.grad(x).toDoubleArray(), "relu'(0) = 0");

        var abs = g.compile(x.abs().sum(), inputGradients);
        abs.forward(java.util.Map.of("x", at)).backward();
        assertArrayEquals(new double[] {0, 1, -1}, abs.grad(x).toDoubleArray(), "abs'(0) = 0");

        var hinge = g.compile(x.hinge().sum(), inputGradients);
        hinge.forward(java.util.Map.of("x", Tensor.vector(1, 0, 2))).backward();
        assertArrayEquals(new double[] {0, -1, 0}, hinge.grad(x).toDoubleArray(), "hinge'(margin) = 0");

        var y = g.input("y", DType.F64, 3);
        var max = g.compile(x.max(y).sum(), inputGradients);
        max.forward(java.util.Map.of("x", at, "y", at.copy())).backward();
        assertArrayEquals(new double[] {1, 1, 1}, max.grad(x).toDoubleArray(), "max ties: gradient to the first argument");
        assertArrayEquals(new double[] {0, 0, 0}, max.grad(y).toDoubleArray(), "max ties: nothing to the second");

        var report = GradCheck.of(x.relu().sum()).feed("x", at).check();
        assertTrue(report.ok(), report.toString());
        assertEquals(1, report.kinks().size(), "relu at 0 is reported as a kink: " + report);
        var absReport = GradCheck.of(x.abs().sum()).feed("x", at).check();
        assertTrue(absReport.ok() && absReport.kinks().size() == 1, absReport.toString());
    }

    @Test
    void anUnfedInputIsAnErrorNotAStaleValue() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 2);
        var y = g.input("y", DType.F64, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.of(x.mul(y).sum()).feed("x", Tensor.vector(1, 2)).check());
        assertTrue(e.getMessage().contains("'y'") && e.getMessage().contains("not fed"), e.getMessage());
    }

    @Test
    void float32IsRefusedWithAClearMessage() {
        var g = new Graph();
        var x = g.input("x", DType.F32, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.of(x.tanh().sum()).feed("x", Tensor.zeros(DType.F32, 3)).check());
        assertTrue(e.getMessage().contains("F32") && e.getMessage().contains("float64"), e.getMessage());
    }

    private static void assertArrayEquals(double[] expected, double[] actual, String what) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, 0.0, what); // -0.0 counts as 0
    }
}
