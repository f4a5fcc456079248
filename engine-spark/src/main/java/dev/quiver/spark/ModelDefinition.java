package dev.quiver.spark;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Tensor;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * What a user hands the {@link SparkTrainer}: a serialisable recipe for the model, shipped to
 * every executor in the task closure. Executors call {@link #loss} once per task thread (the
 * compiled step is then reused for every round) and {@link #fill} once per local step; the driver
 * calls {@link #initialParameters} once.
 *
 * @param <T> one training example, as the RDD holds it (serialisable by Spark)
 */
public interface ModelDefinition<T> extends Serializable {

    /** The trainable parameters' initial values by name, in a fixed order. Called on the driver only. */
    SequencedMap<String, Tensor> initialParameters();

    /**
     * Builds the loss over a batch of {@code batchSize} examples in {@code g}: the model's own
     * inputs ({@code g.input}), the parameters through {@code g.param(parameters.get(name))}, and
     * the returned scalar, which must be the <b>mean</b> over the batch (so that the mean of the
     * partitions' gradients is the gradient of the global batch).
     */
    Node loss(Graph g, Map<String, Parameter> parameters, int batchSize);

    /**
     * Writes {@code batch} (exactly the batch size given to {@link #loss}) into the step's inputs.
     * Throw {@link IllegalArgumentException} naming the example and the shapes for bad input; the
     * trainer adds the partition and the round.
     */
    void fill(Step step, List<T> batch);
}
