package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Gradient clipping by global norm and by value, and AdamW's decoupled weight decay, against hand-written updates. */
class ClippingAndAdamWTest {

    static Parameter param(DType dt, String name, long seed, int... shape) {
        return new Parameter(name, Tensor.randn(dt, Seed.of(seed), shape));
    }

    static void setGrad(Parameter p, long seed, double scale) {
        Tensor g = Tensor.randn(p.value().dtype(), Seed.of(seed), p.value().shape());
        for (int i = 0; i < g.size(); i++) p.grad().setFlat(i, scale * g.getFlat(i));
        p.markGradientWritten();
    }

    @Test
    void clippingByGlobalNormScalesEveryGradientByOneFactor() {
        for (DType dt : DType.FLOATING) {
            Parameter a = param(dt, "a", 1, 3, 4), b = param(dt, "b", 2, 5);
            Tensor a0 = a.value().copy(), b0 = b.value().copy();
            setGrad(a, 3, 10);
            setGrad(b, 4, 10);
            double sq = 0;
            for (Parameter p : List.of(a, b)) for (int i = 0; i < p.grad().size(); i++) sq += p.grad().getFlat(i) * p.grad().getFlat(i);
            Tensor ga = a.grad().copy(), gb = b.grad().copy();
            Optimizer opt = new Sgd(List.of(a, b), 1.0).clipByGlobalNorm(2.0);
            opt.step();
            double norm = Math.sqrt(sq), c = 2.0 / (norm + 1e-6), tol = dt == DType.F64 ? 1e-12 : 1e-5;
            assertEquals(norm, opt.lastGradientNorm(), norm * (dt == DType.F64 ? 1e-14 : 1e-6));
            for (int i = 0; i < 12; i++) assertEquals(a0.getFlat(i) - c * ga.getFlat(i), a.value().getFlat(i), tol);
            for (int i = 0; i < 5; i++) assertEquals(b0.getFlat(i) - c * gb.getFlat(i), b.value().getFlat(i), tol);
            // under the limit: no change to the gradients
            setGrad(a, 5, 0.01);
            setGrad(b, 6, 0.01);
            Tensor small = a.grad().copy();
            opt.step();
            for (int i = 0; i < 12; i++) assertEquals(small.getFlat(i), a.grad().getFlat(i));
        }
    }

    @Test
    void clippingByValueClampsEachElement() {
        Parameter a = param(DType.F32, "a", 1, 50);
        Tensor a0 = a.value().copy();
        setGrad(a, 2, 3);
        Tensor g = a.grad().copy();
        new Sgd(List.of(a), 0.5).clipByValue(1.0).step();
        for (int i = 0; i < 50; i++) {
            double clamped = Math.max(-1, Math.min(1, g.getFlat(i)));
            assertEquals((float) (a0.getFlat(i) - 0.5 * clamped), a.value().getFlat(i), 1e-6);
        }
    }

    @Test
    void adamWDecaysTheWeightsOutsideTheMoments() {
        double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        Parameter p = param(DType.F64, "w", 1, 7);
        double[] w = new double[7], m = new double[7], v = new double[7];
        for (int i = 0; i < 7; i++) w[i] = p.value().getFlat(i);
        Adam opt = Adam.adamW(List.of(p), lr, wd);
        for (int t = 1; t <= 5; t++) {
            setGrad(p, 10 + t, 1);
            double lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
            for (int i = 0; i < 7; i++) {
                double g = p.grad().getFlat(i);
                w[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + eps);
            }
            opt.step();
            for (int i = 0; i < 7; i++) assertEquals(w[i], p.value().getFlat(i), 1e-15, "step " + t + " element " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Adam.adamW(List.of(p), lr, -1));
    }
}
