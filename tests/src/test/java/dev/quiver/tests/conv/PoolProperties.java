package dev.quiver.tests.conv;

import dev.quiver.backend.Backends;
import dev.quiver.check.GradCheck;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.Tolerance;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.quiver.tests.conv.ConvProperties.pick;

/**
 * Max and average pooling (1-d and 2-d, kernel, stride, padding up to half the kernel) and global
 * average pooling on every backend: values against the definition (max exactly, average within
 * {@link Tolerance#sum}), gradients against central differences in float64, and second derivatives
 * (the max gradient's pick and route, the average's spread). Max pooling's inputs are distinct
 * values at least 0.01 apart, so no finite-difference step moves a maximum.
 */
class PoolProperties {
    record Case(boolean max, int spatial, int n, int c, int k, int s, int p, int h, int w, Tensor x) {
        int[] xShape() { return spatial == 2 ? new int[] {n, c, h, w} : new int[] {n, c, w}; }

        int oh() { return spatial == 2 ? (h + 2 * p - k) / s + 1 : 1; }

        int ow() { return (w + 2 * p - k) / s + 1; }

        int[] yShape() { return spatial == 2 ? new int[] {n, c, oh(), ow()} : new int[] {n, c, ow()}; }

        Node build(Graph g, Node x) {
            if (spatial == 2) return max ? g.maxPool2d(x, k, s, p) : g.avgPool2d(x, k, s, p);
            return max ? g.maxPool1d(x, k, s, p) : g.avgPool1d(x, k, s, p);
        }

        double[] reference(double[] xs) {
            int oh = oh(), ow = ow(), kh = spatial == 2 ? k : 1, ph = spatial == 2 ? p : 0, sh = spatial == 2 ? s : 1, hh = spatial == 2 ? h : 1;
            double[] y = new double[n * c * oh * ow];
            for (int pl = 0; pl < n * c; pl++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int a = 0; a < kh; a++) for (int e = 0; e < k; e++) {
                    int ih = i * sh - ph + a, iw = j * s - p + e;
                    if (ih < 0 || ih >= hh || iw < 0 || iw >= w) continue;
                    double v = xs[(pl * hh + ih) * w + iw];
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                y[(pl * oh + i) * ow + j] = max ? acc : acc / (kh * k);
            }
            return y;
        }

        @Override public String toString() {
            return (max ? "max" : "avg") + "Pool" + spatial + "d x" + java.util.Arrays.toString(xShape()) + " k=" + k + " s=" + s + " p=" + p;
        }
    }

    static Gen<Case> cases() {
        return src -> {
            boolean max = src.weighted(0.5);
            int spatial = pick(src, 1, 2), k = pick(src, 1, 3), s = pick(src, 1, 3), p = pick(src, 0, k / 2);
            int h = spatial == 2 ? Math.max(1, k - 2 * p) + pick(src, 0, 4) : 1, w = Math.max(1, k - 2 * p) + pick(src, 0, 4);
            int n = pick(src, 1, 2), c = pick(src, 1, 3);
            int size = n * c * h * w;
            // Distinct values 0.01 apart, shuffled: maxima are unique and stable under finite differences.
            SplittableRandom r = new SplittableRandom(src.choice(1 << 30));
            double[] v = new double[size];
            for (int i = 0; i < size; i++) v[i] = (i - size / 2) * 0.01;
            for (int i = size - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
            int[] shape = spatial == 2 ? new int[] {n, c, h, w} : new int[] {n, c, w};
            return new Case(max, spatial, n, c, k, s, p, h, w, Tensor.of(v, shape));
        };
    }

    @TestFactory
    Stream<DynamicTest> poolingOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(cases()).tries(60).classify("kind", t -> t.max() ? "max" : "avg").classify("spatial", Case::spatial)
                    .test("pooling is the definition on " + name, t -> {
                        for (DType dt : new DType[] {DType.F64, DType.F32}) {
                            Tensor x = t.x().to(dt);
                            double[] ref = t.reference(x.toDoubleArray()), bound = t.reference(x.abs().toDoubleArray());
                            Graph g = new Graph();
                            Node y = t.build(g, g.input("x", dt, t.xShape()));
                            Step step = g.compile(y, CompileOptions.inferenceOnly().withMath(math));
                            double[] got = step.feed("x", x).forward().value(y).toDoubleArray();
                            for (int i = 0; i < ref.length; i++) {
                                double tol = t.max() ? 0 : Tolerance.sum(dt, t.k() * t.k() + 1, bound[i]);
                                Tolerance.check(dt + " y[" + i + "]", ref[i], got[i], tol);
                            }
                        }
                    }));
            tests.add(Property.forAll(cases()).tries(40).classify("kind", t -> t.max() ? "max" : "avg")
                    .test("pooling gradients on " + name, t -> {
                        Graph g = new Graph();
                        Node y = t.build(g, g.input("x", DType.F64, t.xShape()));
                        GradCheck.of(y).feed("x", t.x()).on(math).tolerance(ConvProperties.RTOL, ConvProperties.ATOL).step(1e-4).check().assertOk();
                    }));
            tests.add(Property.forAll(cases()).tries(15).classify("kind", t -> t.max() ? "max" : "avg")
                    .test("pooling second derivatives on " + name, t -> {
                        Graph g = new Graph();
                        Node y = t.build(g, g.input("x", DType.F64, t.xShape()));
                        GradCheck.of(y.mul(y).sum()).feed("x", t.x()).on(math).tolerance(1e-4, 1e-5).step(1e-4).secondOrder().check().assertOk();
                    }));
            tests.add(Property.forAll(cases()).tries(20).test("global average pooling on " + name, t -> {
                Graph g = new Graph();
                Node y = g.globalAvgPool(g.input("x", DType.F64, t.xShape()));
                if (y.rank() != 2 || y.dim(0) != t.n() || y.dim(1) != t.c()) throw new AssertionError("shape " + java.util.Arrays.toString(y.shape()));
                GradCheck.of(y).feed("x", t.x()).on(math).tolerance(ConvProperties.RTOL, ConvProperties.ATOL).check().assertOk();
            }));
        }
        return tests.stream();
    }
}
