package dev.quiver.tests.grad;

import dev.quiver.backend.Backends;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.check.kit.Tolerance;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Identities from The Matrix Cookbook (Petersen and Pedersen, eqs. 69-72, 81, 100, 129) as
 * properties: the backward pass equals the closed-form gradient, computed here with plain loops,
 * for random sizes and values, on every backend and in both dtypes.
 */
class CookbookProperties {

    record Case(DType dtype, int n, int m, Tensor x, Tensor y, Tensor a, Tensor b) {}

    static Gen<Case> cases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int n = Gens.ints(1, 6).generate(s), m = Gens.ints(1, 6).generate(s);
            Gen<Tensor> t = TensorGens.tensors(dtype, new int[] {n}, Domain.REAL);
            Tensor x = t.generate(s), y = TensorGens.tensors(dtype, new int[] {m}, Domain.REAL).generate(s);
            Tensor a = TensorGens.tensors(dtype, new int[] {n, n}, Domain.REAL).generate(s);
            Tensor b = TensorGens.tensors(dtype, new int[] {n, m}, Domain.REAL).generate(s);
            Property.assume(norm(x) > 0.1); // ∂‖x‖/∂x is undefined at 0
            return new Case(dtype, n, m, x, y, a, b);
        };
    }

    static double norm(Tensor x) {
        double s = 0;
        for (int i = 0; i < x.size(); i++) s += x.getFlat(i) * x.getFlat(i);
        return Math.sqrt(s);
    }

    /** Bound for one gradient entry made of n products of values in [-3, 3]. */
    static double bound(DType dtype, int n) {
        return Tolerance.sum(dtype, 3L * n + 4, 40.0 * n);
    }

    static void close(String what, Tensor expected, Tensor actual, double bound) {
        if (!java.util.Arrays.equals(expected.shape(), actual.shape())) {
            throw new AssertionError(what + ": shape " + java.util.Arrays.toString(actual.shape()) + ", expected "
                    + java.util.Arrays.toString(expected.shape()));
        }
        for (int i = 0; i < expected.size(); i++) Tolerance.check(what + " at " + i, expected.getFlat(i), actual.getFlat(i), bound);
    }

    static Step compile(Graph g, dev.quiver.graph.Node f, TensorMath math) {
        return g.compile(f, CompileOptions.training().withInputGradients(true).withMath(math));
    }

    static void identities(TensorMath math, Case c) {
        int n = c.n(), m = c.m();
        DType dt = c.dtype();
        // ∂(xᵀAx)/∂x = (A + Aᵀ)x and ∂(xᵀAx)/∂A = x xᵀ  (eqs. 81, 72)
        {
            Graph g = new Graph();
            var x = g.input("x", dt, n);
            var A = g.param("A", c.a().copy());
            Step step = compile(g, x.t().matmul(A).matmul(x), math);
            step.forward(Map.of("x", c.x())).backward();
            Tensor dx = Tensor.zeros(DType.F64, n), dA = Tensor.zeros(DType.F64, n, n);
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += (c.a().get(i, j) + c.a().get(j, i)) * c.x().get(j);
                    dA.set(c.x().get(i) * c.x().get(j), i, j);
                }
                dx.set(s, i);
            }
            close("d(xᵀAx)/dx = (A + Aᵀ)x", dx, step.grad(x), bound(dt, n));
            close("d(xᵀAx)/dA = x xᵀ", dA, step.grad(A), bound(dt, 1));
        }
        // ∂(aᵀXb)/∂X = a bᵀ  (eq. 70), with a = x (n) and b = y (m), X = B (n x m)
        {
            Graph g = new Graph();
            var a = g.input("a", dt, n);
            var b = g.input("b", dt, m);
            var X = g.param("X", c.b().copy());
            Step step = compile(g, a.t().matmul(X).matmul(b), math);
            step.forward(Map.of("a", c.x(), "b", c.y())).backward();
            Tensor expected = Tensor.zeros(DType.F64, n, m);
            for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) expected.set(c.x().get(i) * c.y().get(j), i, j);
            close("d(aᵀXb)/dX = a bᵀ", expected, step.grad(X), bound(dt, 1));
        }
        // ∂tr(AX)/∂X = Aᵀ  (eq. 100), tr(AX) = Σ_ij A_ij X_ji, built as sum(A ⊙ Xᵀ)
        {
            Graph g = new Graph();
            var A = g.input("A", dt, n, n);
            var X = g.param("X", c.a().copy());
            Step step = compile(g, A.mul(X.t()).sum(), math);
            Tensor aValue = c.a().transpose().copy(); // a different matrix from X's value
            for (int i = 0; i < aValue.size(); i++) aValue.setFlat(i, aValue.getFlat(i) * 0.5 + 0.25);
            step.forward(Map.of("A", aValue)).backward();
            close("d tr(AX)/dX = Aᵀ", aValue.transpose().copy().to(DType.F64), step.grad(X), bound(dt, 1));
        }
        // ∂‖x‖/∂x = x / ‖x‖  (eq. 129)
        {
            Graph g = new Graph();
            var x = g.input("x", dt, n);
            Step step = compile(g, x.norm(), math);
            step.forward(Map.of("x", c.x())).backward();
            double norm = norm(c.x());
            Tensor expected = Tensor.zeros(DType.F64, n);
            for (int i = 0; i < n; i++) expected.set(c.x().get(i) / norm, i);
            close("d‖x‖/dx = x/‖x‖", expected, step.grad(x), bound(dt, n) / norm + bound(dt, n));
        }
    }

    @TestFactory
    Stream<DynamicTest> matrixCookbookIdentitiesOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(cases()).tries(50).classify("dtype", Case::dtype)
                    .test("Matrix Cookbook identities on " + name, c -> identities(math, c)));
        }
        return tests.stream();
    }
}
