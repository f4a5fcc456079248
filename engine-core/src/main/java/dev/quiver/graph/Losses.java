package dev.quiver.graph;

/**
 * Loss functions built from graph ops, each returning a rank-0 node ready for
 * {@link Graph#compile}. Every one is differentiable through the ops it is composed of.
 */
public final class Losses {
    private Losses() {}

    /** Mean squared error {@code mean((prediction - target)^2)} over all elements (shapes broadcast). */
    public static Node mse(Node prediction, Node target) {
        return prediction.sub(target).square().mean();
    }

    /**
     * Softmax cross-entropy of logits against target probabilities (one-hot rows for labels), or
     * against I32/I64 class indices, over the last axis, averaged over rows; fused and numerically
     * stable (see {@link Graph#softmaxCrossEntropy(Node, Node)}).
     */
    public static Node softmaxCrossEntropy(Node logits, Node targets) {
        return logits.graph().softmaxCrossEntropy(logits, targets);
    }

    /**
     * The soft-margin SVM objective {@code ½ wᵀw + C Σ_i max(0, 1 - y_i wᵀx_i)} for examples as
     * rows of {@code x} (n, d), labels {@code y} (n) in {-1, +1} and weights {@code w} (d). At the
     * margin the hinge's subgradient 0 is taken.
     */
    public static Node svm(Node w, Node x, Node y, double c) {
        Node margins = y.mul(x.matmul(w));
        return w.dot(w).mul(0.5).add(margins.hinge().sum().mul(c));
    }

    /** The hinge loss of one example, {@code max(0, 1 - y wᵀx)} for vectors w, x and a scalar y. */
    public static Node hinge(Node w, Node x, Node y) {
        return y.mul(w.dot(x)).hinge();
    }
}
