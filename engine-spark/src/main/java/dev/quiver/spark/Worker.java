package dev.quiver.spark;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.io.SafeTensors;
import dev.quiver.io.TensorSet;
import dev.quiver.optim.Optimizer;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.backend.Backends;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An executor thread's compiled model: its own parameters (values copied in from each round's
 * broadcast), one compiled {@link Step} reused for every round of the run, and in local-SGD mode a
 * local optimiser. Kept per thread (a Step is single-threaded), the last two runs per thread.
 */
final class Worker {
    static final String PARAM = "p/", STATE = "s/", STEPS = "steps", ROUND = "round", ORDER = "order";

    private static final ThreadLocal<Map<String, Worker>> BY_THREAD = ThreadLocal.withInitial(() -> new LinkedHashMap<>(4, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Worker> eldest) { return size() > 2; }
    });
    private static final AtomicInteger COMPILATIONS = new AtomicInteger();
    /** Per run, the last round's broadcast decoded once per executor JVM and shared read-only by its threads. */
    private static final Map<String, Decoded> DECODED = new ConcurrentHashMap<>();

    private record Decoded(long round, TensorSet set) {}

    final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
    final Step step;
    final Optimizer optimizer;      // null in synchronous mode
    final List<Tensor> stateTensors;

    private Worker(ModelDefinition<?> model, TensorSet initial, int batch, OptimizerConfig local) {
        // The driver's parameter order (a safetensors image need not keep it): results are slots in that order.
        for (String name : initial.metadata().get(ORDER).split("\n")) {
            Tensor t = initial.tensor(PARAM + name);
            parameters.put(name, new Parameter(name, Tensor.zeros(t.dtype(), t.shape())));
        }
        Graph g = new Graph();
        Node loss = model.loss(g, Collections.unmodifiableMap(parameters), batch);
        if (loss.size() != 1) {
            throw new IllegalArgumentException("the model's loss must be a scalar, got shape " + java.util.Arrays.toString(loss.shape()));
        }
        TaskContext task = TaskContext.get();
        TensorMath math = math(task == null ? 1 : task.cpus());
        step = g.compile(loss, CompileOptions.training().withMath(math));
        COMPILATIONS.incrementAndGet();
        optimizer = local == null ? null : local.create(new ArrayList<>(parameters.values()), math);
        stateTensors = optimizer == null ? List.of() : new ArrayList<>(optimizer.state().values());
    }

    private static final Map<Integer, TensorMath> MATH = new ConcurrentHashMap<>();

    /**
     * The backend a task's step runs on: the default backend (Vector API when the executor has
     * {@code --add-modules jdk.incubator.vector}, else scalar) with as many kernel threads as the
     * task has cores ({@code spark.task.cpus}, default 1): Spark already runs one task per core.
     */
    static TensorMath math(int threads) {
        return MATH.computeIfAbsent(threads, t -> TensorMath.of(Backends.create(Backends.current().name(), t)));
    }

    /** Steps compiled in this JVM so far (for tests: proves reuse across rounds). */
    static int compilations() { return COMPILATIONS.get(); }

    static Worker forThread(String runId, ModelDefinition<?> model, TensorSet initial, int batch, OptimizerConfig local) {
        Map<String, Worker> mine = BY_THREAD.get();
        String key = runId + "/" + batch;
        Worker w = mine.get(key);
        if (w == null) {
            w = new Worker(model, initial, batch, local);
            mine.put(key, w);
        }
        return w;
    }

    /** The round's parameters (and state), decoded once per JVM; later threads reuse the decoded copy. */
    static TensorSet decode(String runId, long round, Broadcast<byte[]> bytes) {
        Decoded d = DECODED.get(runId);
        if (d != null && d.round == round) return d.set;
        synchronized (Worker.class) {
            d = DECODED.get(runId);
            if (d != null && d.round == round) return d.set;
            TensorSet set;
            try {
                set = SafeTensors.fromBytes(bytes.value(), "round " + round + " parameters");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            if (DECODED.size() > 8) DECODED.clear();
            DECODED.put(runId, new Decoded(round, set));
            return set;
        }
    }

    /** Copies the round's values (and, when {@code withState}, optimiser state and step count) into this worker. */
    void load(TensorSet set, boolean withState) {
        for (Parameter p : parameters.values()) copy(set.tensor(PARAM + p.name()), p.value());
        if (optimizer == null) return;
        if (withState) {
            for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) copy(set.tensor(STATE + e.getKey()), e.getValue());
            optimizer.setStepCount(Long.parseLong(set.metadata().get(STEPS)));
        } else {
            for (Tensor t : stateTensors) TensorMath.get().fill(t, 0);
            optimizer.setStepCount(0);
        }
    }

    private static void copy(Tensor from, Tensor to) {
        if (!java.util.Arrays.equals(from.shape(), to.shape()) || from.dtype() != to.dtype()) {
            throw new IllegalStateException("broadcast tensor " + from.dtype() + java.util.Arrays.toString(from.shape())
                    + " does not fit " + to.dtype() + java.util.Arrays.toString(to.shape()));
        }
        System.arraycopy(from.data(), from.offset(), to.data(), 0, to.size());
    }

    /** The tensors a task returns: gradients (synchronous) or values then optimiser state (local SGD). */
    List<Tensor> results(boolean gradients, boolean withState) {
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : parameters.values()) out.add(gradients ? p.grad() : p.value());
        if (!gradients && withState) out.addAll(stateTensors);
        return out;
    }

    /** Null when every gradient is finite, else which parameter and element is not. */
    String nonFiniteGradient() {
        for (Parameter p : parameters.values()) {
            Tensor g = p.grad();
            int bad = -1;
            double v = 0;
            if (g.data() instanceof float[] a) {
                for (int i = 0; i < a.length && bad < 0; i++) if (!Float.isFinite(a[i])) { bad = i; v = a[i]; }
            } else if (g.data() instanceof double[] a) {
                for (int i = 0; i < a.length && bad < 0; i++) if (!Double.isFinite(a[i])) { bad = i; v = a[i]; }
            }
            if (bad >= 0) {
                return v + " in the gradient of parameter '" + p.name() + "' " + java.util.Arrays.toString(g.shape()) + " at flat element " + bad;
            }
        }
        return null;
    }
}
