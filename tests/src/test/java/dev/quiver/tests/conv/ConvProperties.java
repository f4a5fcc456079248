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
import dev.quiver.ops.ConvSpec;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * conv1d and conv2d over random shapes, strides, paddings ("same" included), dilations, groups and
 * biases, on every backend: the forward value against the definition (naive loops here, within
 * {@link Tolerance#sum} for both dtypes), gradients of x, w and bias against central differences
 * (float64), second derivatives (the input- and kernel-gradient ops' own VJPs), and float32 forward
 * and gradients against float64 within the summation bound of the same sums taken over |values|
 * (the conv of |x| and |w|), which is what lets the SIMD backend reorder sums.
 */
class ConvProperties {
    static final double RTOL = 1e-5, ATOL = 1e-6;

    /** One convolution: geometry and float64 values. Padding per side: top, bottom, left, right. */
    record Case(int spatial, int n, int c, int o, int groups, int kh, int kw, int sh, int sw, int dh, int dw,
                boolean same, int ph, int pw, boolean bias, int h, int w, Tensor x, Tensor k, Tensor b) {
        int[] xShape() { return spatial == 2 ? new int[] {n, c, h, w} : new int[] {n, c, w}; }

        int[] kShape() { return spatial == 2 ? new int[] {o, c / groups, kh, kw} : new int[] {o, c / groups, kw}; }

        ConvSpec spec() {
            ConvSpec s = ConvSpec.DEFAULT.groups(groups);
            s = spatial == 2 ? s.stride(sh, sw).dilation(dh, dw) : s.stride(sw).dilation(dw);
            return same ? s.same() : spatial == 2 ? s.padding(ph, pw) : s.padding(pw);
        }

        /** {lo, hi} padding of an axis, computed from the definitions (not the engine's code). */
        int[] pads(int in, int k, int s, int d, int p) {
            if (!same) return new int[] {p, p};
            int out = (in + s - 1) / s, total = Math.max((out - 1) * s + d * (k - 1) + 1 - in, 0);
            return new int[] {total / 2, total - total / 2};
        }

        int[] padH() { return spatial == 1 ? new int[2] : pads(h, kh, sh, dh, ph); }

        int[] padW() { return pads(w, kw, sw, dw, pw); }

        int oh() { int[] p = padH(); return (h + p[0] + p[1] - dh * (kh - 1) - 1) / sh + 1; }

        int ow() { int[] p = padW(); return (w + p[0] + p[1] - dw * (kw - 1) - 1) / sw + 1; }

        int[] yShape() { return spatial == 2 ? new int[] {n, o, oh(), ow()} : new int[] {n, o, ow()}; }

        Node build(Graph g, DType dt) {
            Node xi = g.input("x", dt, xShape()), ki = g.input("w", dt, kShape());
            Node bi = bias ? g.input("b", dt, o) : null;
            return spatial == 2 ? g.conv2d(xi, ki, bi, spec()) : g.conv1d(xi, ki, bi, spec());
        }

        /** The definition, in float64 from x and k as given: y[n, o, i, j] = b[o] + sum x[n, c, i sh - pt + a dh, ...] k[o, c', a, e]. */
        double[] reference(Tensor xv, Tensor kv, Tensor bv) {
            double[] xs = xv.toDoubleArray(), ks = kv.toDoubleArray(), bs = bias ? bv.toDoubleArray() : null;
            int oh = oh(), ow = ow(), cg = c / groups, og = o / groups, pt = padH()[0], pl = padW()[0];
            int khh = spatial == 2 ? kh : 1, hh = spatial == 2 ? h : 1;
            double[] y = new double[n * o * oh * ow];
            for (int s = 0; s < n; s++) for (int q = 0; q < o; q++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
                int grp = q / og;
                double acc = bs == null ? 0 : bs[q];
                for (int cc = 0; cc < cg; cc++) for (int a = 0; a < khh; a++) for (int e = 0; e < kw; e++) {
                    int ih = i * sh - pt + a * dh, iw = j * sw - pl + e * dw;
                    if (ih < 0 || ih >= hh || iw < 0 || iw >= w) continue;
                    acc += xs[((s * c + grp * cg + cc) * hh + ih) * w + iw] * ks[((q * cg + cc) * khh + a) * kw + e];
                }
                y[((s * o + q) * oh + i) * ow + j] = acc;
            }
            return y;
        }

        @Override public String toString() {
            return "conv" + spatial + "d x" + java.util.Arrays.toString(xShape()) + " w" + java.util.Arrays.toString(kShape())
                    + " " + spec() + (bias ? " +bias" : "");
        }
    }

    static int pick(dev.quiver.check.kit.Source s, int lo, int hi) { return lo + (int) s.choice(hi - lo + 1); }

    static Gen<Case> cases() {
        return s -> {
            int spatial = pick(s, 1, 2), groups = pick(s, 1, 3), c = groups * pick(s, 1, 2), o = groups * pick(s, 1, 2);
            int kh = spatial == 2 ? pick(s, 1, 3) : 1, kw = pick(s, 1, 3);
            int sh = spatial == 2 ? pick(s, 1, 2) : 1, sw = pick(s, 1, 2), dh = spatial == 2 ? pick(s, 1, 2) : 1, dw = pick(s, 1, 2);
            boolean same = s.weighted(0.25);
            int ph = spatial == 2 && !same ? pick(s, 0, 2) : 0, pw = same ? 0 : pick(s, 0, 2);
            int h = spatial == 2 ? Math.max(1, dh * (kh - 1) + 1 - 2 * ph) + pick(s, 0, 3) : 1;
            int w = Math.max(1, dw * (kw - 1) + 1 - 2 * pw) + pick(s, 0, 3);
            if (same) {   // "same" needs no minimum size
                h = spatial == 2 ? pick(s, 1, 5) : 1;
                w = pick(s, 1, 5);
            }
            int n = pick(s, 1, 2);
            boolean bias = s.weighted(0.6);
            long seed = s.choice(1 << 30);
            int[] xs = spatial == 2 ? new int[] {n, c, h, w} : new int[] {n, c, w};
            int[] ks = spatial == 2 ? new int[] {o, c / groups, kh, kw} : new int[] {o, c / groups, kw};
            return new Case(spatial, n, c, o, groups, kh, kw, sh, sw, dh, dw, same, ph, pw, bias, h, w,
                    Tensor.randn(DType.F64, Seed.of(seed), xs), Tensor.randn(DType.F64, Seed.of(seed + 1), ks),
                    Tensor.randn(DType.F64, Seed.of(seed + 2), o));
        };
    }

    /** Forward value, and the gradients of sum(y * r) for x, w and bias, on one backend and dtype. */
    static Tensor[] run(Case t, TensorMath math, DType dt, Tensor x, Tensor k, Tensor b, Tensor r) {
        Graph g = new Graph();
        Node y = t.build(g, dt);
        Node loss = y.mul(g.constant(r.to(dt))).sum();
        Step step = g.compile(loss, CompileOptions.training().withInputGradients(true).withKeep(y).withMath(math));
        step.feed("x", x.to(dt)).feed("w", k.to(dt));
        if (t.bias()) step.feed("b", b.to(dt));
        step.forward().backward();
        Node xn = g.node("x"), kn = g.node("w");
        return new Tensor[] {step.value(y).copy(), step.grad(xn).copy(), step.grad(kn).copy(), t.bias() ? step.grad(g.node("b")).copy() : null};
    }

    static void close(String what, Tensor actual, Tensor expected, Tensor scale, DType dt, long terms) {
        double[] a = actual.toDoubleArray(), e = expected.toDoubleArray(), sc = scale.toDoubleArray();
        if (a.length != e.length) throw new AssertionError(what + ": " + a.length + " elements, expected " + e.length);
        for (int i = 0; i < a.length; i++) Tolerance.check(what + "[" + i + "]", e[i], a[i], Tolerance.sum(dt, terms, sc[i]));
    }

    @TestFactory
    Stream<DynamicTest> convOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 1));
            tests.add(Property.forAll(cases()).tries(60).classify("spatial", Case::spatial).classify("groups", Case::groups)
                    .classify("same", Case::same).test("conv forward is the definition on " + name, t -> {
                        Tensor r = Tensor.ones(DType.F64, t.yShape());
                        double[] bound = t.reference(t.x().abs(), t.k().abs(), t.b().abs());
                        long terms = (long) t.c() / t.groups() * t.kh() * t.kw() + 1;
                        for (DType dt : new DType[] {DType.F64, DType.F32}) {
                            // The definition at the values the engine sees (float32 inputs are rounded first).
                            Tensor x = t.x().to(dt), k = t.k().to(dt), b = t.b().to(dt);
                            double[] ref = t.reference(x.to(DType.F64), k.to(DType.F64), b.to(DType.F64));
                            Tensor y = run(t, math, dt, x, k, b, r)[0];
                            close(dt + " y", y, Tensor.of(ref, t.yShape()), Tensor.of(bound, t.yShape()), dt, terms);
                        }
                    }));
            tests.add(Property.forAll(cases()).tries(40).classify("spatial", Case::spatial).classify("groups", Case::groups)
                    .test("conv gradients (x, w, bias) on " + name, t -> {
                        Graph g = new Graph();
                        Node y = t.build(g, DType.F64);
                        GradCheck c = GradCheck.of(y).feed("x", t.x()).feed("w", t.k()).on(math).tolerance(RTOL, ATOL);
                        if (t.bias()) c.feed("b", t.b());
                        c.check().assertOk();
                    }));
            tests.add(Property.forAll(cases()).tries(8).test("conv second derivatives on " + name, t -> {
                Graph g = new Graph();
                Node y = t.build(g, DType.F64);
                Node out = y.mul(y).sum();   // nonlinear, so the gradient depends on x and w
                GradCheck c = GradCheck.of(out).feed("x", t.x()).feed("w", t.k()).on(math).tolerance(1e-4, 1e-5).secondOrder();
                if (t.bias()) c.feed("b", t.b());
                c.check().assertOk();
            }));
            tests.add(Property.forAll(cases()).tries(30).classify("spatial", Case::spatial)
                    .test("conv float32 within summation bounds of float64 on " + name, t -> {
                        Tensor r = Tensor.randn(DType.F64, Seed.of(t.n() * 31L + t.o()), t.yShape());
                        Tensor x = t.x().to(DType.F32).to(DType.F64), k = t.k().to(DType.F32).to(DType.F64);
                        Tensor b = t.b().to(DType.F32).to(DType.F64);
                        r = r.to(DType.F32).to(DType.F64);
                        Tensor[] exact = run(t, TensorMath.of(Backends.create("scalar", 1)), DType.F64, x, k, b, r);
                        Tensor[] f32 = run(t, math, DType.F32, x, k, b, r);
                        // The same sums over absolute values bound every rounding error (conv is linear in each argument).
                        Tensor[] abs = run(t, TensorMath.of(Backends.create("scalar", 1)), DType.F64, t.x().abs(), t.k().abs(), t.b().abs(), r.abs());
                        long terms = (long) t.n() * t.o() * t.oh() * t.ow() + (long) t.c() * t.kh() * t.kw() + 1;
                        close("y", f32[0], exact[0], abs[0], DType.F32, terms);
                        close("dx", f32[1], exact[1], abs[1], DType.F32, terms);
                        close("dw", f32[2], exact[2], abs[2], DType.F32, terms);
                        if (t.bias()) close("db", f32[3], exact[3], abs[3], DType.F32, terms);
                    }));
        }
        return tests.stream();
    }
}
