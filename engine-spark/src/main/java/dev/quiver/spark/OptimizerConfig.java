package dev.quiver.spark;

import dev.quiver.graph.Parameter;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.TensorMath;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * A serialisable description of a Quiver optimiser: the driver builds one from it for the global
 * update, and in local-SGD mode every task builds one for its local steps.
 */
public record OptimizerConfig(String kind, double learningRate, double momentum, double weightDecay,
                              double beta1, double beta2, double epsilon) implements Serializable {

    public OptimizerConfig {
        if (!kind.equals("sgd") && !kind.equals("adam")) throw new IllegalArgumentException("optimizer: unknown kind '" + kind + "' (sgd or adam)");
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("optimizer " + kind + ": learning rate must be positive and finite, got " + learningRate);
        }
    }

    /** Plain SGD. */
    public static OptimizerConfig sgd(double learningRate) { return new OptimizerConfig("sgd", learningRate, 0, 0, 0, 0, 0); }

    /** SGD with momentum and weight decay, as {@link Sgd}. */
    public static OptimizerConfig sgd(double learningRate, double momentum, double weightDecay) {
        return new OptimizerConfig("sgd", learningRate, momentum, weightDecay, 0, 0, 0);
    }

    /** Adam with the usual betas (0.9, 0.999) and epsilon 1e-8. */
    public static OptimizerConfig adam(double learningRate) { return adam(learningRate, 0.9, 0.999, 1e-8); }

    public static OptimizerConfig adam(double learningRate, double beta1, double beta2, double epsilon) {
        return new OptimizerConfig("adam", learningRate, 0, 0, beta1, beta2, epsilon);
    }

    /** A fresh optimiser over {@code parameters}. */
    public Optimizer create(List<Parameter> parameters, TensorMath math) {
        return kind.equals("sgd") ? new Sgd(parameters, learningRate, momentum, weightDecay, math)
                : new Adam(parameters, learningRate, beta1, beta2, epsilon, math);
    }

    @Override
    public String toString() {
        return kind.equals("sgd") ? String.format(Locale.ROOT, "sgd(lr %s, momentum %s, weight decay %s)", learningRate, momentum, weightDecay)
                : String.format(Locale.ROOT, "adam(lr %s, betas %s/%s, eps %s)", learningRate, beta1, beta2, epsilon);
    }
}
