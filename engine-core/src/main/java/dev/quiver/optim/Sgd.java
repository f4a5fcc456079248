package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.List;

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as PyTorch's SGD
 * (dampening 0, not Nesterov): {@code d = g + wd * p}; with momentum {@code v = mu * v + d},
 * {@code p -= lr * v}; without, {@code p -= lr * d}. Parameters are modified in place; gradients are
 * not modified. State: "name/momentum" per parameter when momentum is on.
 *
 * <p>Row-sparse gradients ({@link Parameter#sparseRows()}) update only the touched rows, lazily:
 * an untouched row keeps its value and its momentum (which is not decayed, and not applied), and
 * weight decay reaches only touched rows. Without momentum and weight decay this equals the dense
 * update exactly; otherwise it equals it whenever every row is touched.
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final Tensor[] velocity;
    private double lr;

    public Sgd(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, 0, 0, TensorMath.get());
    }

    public Sgd(List<Parameter> parameters, double learningRate, double momentum, double weightDecay) {
        this(parameters, learningRate, momentum, weightDecay, TensorMath.get());
    }

    public Sgd(List<Parameter> parameters, double learningRate, double momentum, double weightDecay, TensorMath math) {
        super(parameters, learningRate, math);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("Sgd: momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("Sgd: weight decay must be >= 0 and finite, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.velocity = new Tensor[this.parameters.size()];
        if (momentum > 0) for (int i = 0; i < velocity.length; i++) velocity[i] = newState(this.parameters.get(i), "momentum");
    }

    @Override
    protected void begin(double lr, long t) {
        this.lr = lr;
    }

    @Override
    protected void update(int i, Parameter p, int from, int n) {
        updates[i].sgd(lr, momentum, weightDecay, p.value(), p.grad(), velocity[i], from, n);
    }
}
