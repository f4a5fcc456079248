package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.List;

/**
 * Adam (Kingma and Ba, 2015): {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g²},
 * {@code p -= lr_t * m / (sqrt(v) + eps)} with the bias corrections folded into
 * {@code lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)} (the paper's efficient form, section 2; its eps
 * therefore acts on the uncorrected sqrt(v)). Parameters are modified in place; gradients are not.
 * State: "name/m" and "name/v" per parameter and the step count t. An update is one pass of the
 * backend's fused kernel ({@link dev.quiver.kernel.KernelsF64#adam}) over weights, gradient and moments.
 *
 * <p>Row-sparse gradients ({@link Parameter#sparseRows()}) update only the touched rows, lazily,
 * as PyTorch's {@code SparseAdam}: an untouched row's value and moments stay as they are (neither
 * decayed nor applied). The bias correction uses the global step count t (every {@link #step()}
 * counts, whichever rows and parameters it updates), not a per-row count, as in PyTorch. When every
 * row is touched at every step this equals the dense update exactly.
 *
 * <p><b>AdamW</b> ({@link #adamW}; Loshchilov and Hutter, "Decoupled weight decay regularization",
 * ICLR 2019): with a weight decay wd, each update first shrinks the weights,
 * {@code p *= 1 - lr * wd}, then applies the Adam step above, as PyTorch's {@code AdamW} (the decay
 * is not added to the gradient, so the moments never see it). Row-sparse gradients decay only the
 * touched rows (lazily, as the rest of the update).
 */
public final class Adam extends Optimizer {
    private final double beta1, beta2, epsilon, weightDecay;
    private final Tensor[] m, v;
    /** {@code 1 - lr * weightDecay} of the current step (1 for plain Adam: the kernel then skips the decay). */
    private double decay = 1;
    private double lrT;

    public Adam(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, 0.9, 0.999, 1e-8, TensorMath.get());
    }

    public Adam(List<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon, TensorMath math) {
        this(parameters, learningRate, beta1, beta2, epsilon, 0, math);
    }

    /** AdamW: Adam with decoupled weight decay {@code weightDecay} (PyTorch's defaults otherwise: betas 0.9, 0.999, eps 1e-8). */
    public static Adam adamW(List<Parameter> parameters, double learningRate, double weightDecay) {
        return new Adam(parameters, learningRate, 0.9, 0.999, 1e-8, weightDecay, TensorMath.get());
    }

    /** Adam, or AdamW when {@code weightDecay > 0} (decoupled: see the class comment). */
    public Adam(List<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                TensorMath math) {
        super(parameters, learningRate, math);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("Adam: weight decay must be >= 0 and finite, got " + weightDecay);
        }
        this.weightDecay = weightDecay;
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("Adam: epsilon must be positive and finite, got " + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        int n = this.parameters.size();
        m = new Tensor[n];
        v = new Tensor[n];
        for (int i = 0; i < n; i++) {
            Parameter p = this.parameters.get(i);
            m[i] = newState(p, "m");
            v[i] = newState(p, "v");
        }
    }

    @Override
    protected void begin(double lr, long t) {
        lrT = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        if (weightDecay != 0) decay = 1 - lr * weightDecay;
    }

    /** The decoupled weight decay (0 for plain Adam). */
    public double weightDecay() { return weightDecay; }

    @Override
    protected void update(int i, Parameter p, int from, int n) {
        updates[i].adam(lrT, beta1, beta2, epsilon, decay, p.value(), p.grad(), m[i], v[i], from, n);
    }
}
