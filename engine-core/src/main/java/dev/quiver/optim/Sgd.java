package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.List;

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as PyTorch's SGD
 * (dampening 0, not Nesterov): {@code d = g + wd * p}; with momentum {@code v = mu * v + d},
 * {@code p -= lr * v}; without, {@code p -= lr * d}. Parameters are modified in place; gradients are
 * not modified. State: "name/momentum" per parameter when momentum is on.
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final Tensor[] velocity;

    public Sgd(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, 0, 0, TensorMath.get());
    }

    public Sgd(List<Parameter> parameters, double learningRate, double momentum, double weightDecay) {
        this(parameters, learningRate, momentum, weightDecay, TensorMath.get());
    }

    public Sgd(List<Parameter> parameters, double learningRate, double momentum, double weightDecay, TensorMath math) {
        super(parameters, learningRate, math);
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("Sgd: momentum must be in [0, 1), got " + momentum);
        if (weightDecay < 0) throw new IllegalArgumentException("Sgd: weight decay must be >= 0, got " + weightDecay);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.velocity = new Tensor[this.parameters.size()];
        if (momentum > 0) for (int i = 0; i < velocity.length; i++) velocity[i] = newState(this.parameters.get(i), "momentum");
    }

    @Override
    protected void update(double lr, long t) {
        for (int i = 0; i < velocity.length; i++) {
            Parameter p = parameters.get(i);
            if (p.value().dtype() == DType.F64) {
                UpdatesF64.sgd(math.backend().f64(), lr, momentum, weightDecay, p.value(), p.grad(), velocity[i]);
            } else {
                UpdatesF32.sgd(math.backend().f32(), (float) lr, (float) momentum, (float) weightDecay, p.value(), p.grad(), velocity[i]);
            }
        }
    }
}
