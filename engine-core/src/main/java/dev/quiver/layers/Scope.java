package dev.quiver.layers;

import dev.quiver.graph.Parameter;
import dev.quiver.io.SafeTensors;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeSet;

/**
 * Where a model's parameters live and what they are called: a root made with {@link #root} holds
 * every parameter of one model, in creation order, and each {@link #child} adds one level to their
 * hierarchical names ({@code root.child("encoder").child("lstm")} creates {@code encoder.lstm.Wx}).
 * Layers take a scope and create their parameters in it once; the parameters are then shared by every
 * graph the layer is called on.
 *
 * <pre>{@code
 * Scope model = Scope.root(F32, Seed.of(1));
 * var lstm = new LstmCell(model.child("encoder").child("lstm"), 64, 128);   // encoder.lstm.Wx, .Wh, .b
 * var adam = new Adam(model.parameters(), 0.001);
 * model.save(Path.of("model.safetensors"));    // by name; load(...) checks names, dtypes and shapes
 * }</pre>
 *
 * <p>A name is created once: a second parameter under a used name is refused, naming both shapes.
 * Initial values are seeded from the root's seed and the parameter's full name (not from creation
 * order), so adding a layer does not change the others' initial values. A scope is a plain object:
 * nothing is global, and two roots are two independent models. Not thread-safe while layers are
 * being created; afterwards only its parameters' tensors change (in place, by optimisers).
 */
public final class Scope {
    /** The state shared by a root and all its children. */
    private static final class Model {
        final DType dtype;
        final Seed seed;
        final SequencedMap<String, Parameter> parameters = new LinkedHashMap<>();

        Model(DType dtype, Seed seed) {
            this.dtype = dtype;
            this.seed = seed;
        }
    }

    private final Model model;
    private final String name;

    private Scope(Model model, String name) {
        this.model = model;
        this.name = name;
    }

    /** A new, empty model whose parameters have {@code dtype} (F32 or F64) and initial values seeded from {@code seed}. */
    public static Scope root(DType dtype, Seed seed) {
        if (dtype != DType.F32 && dtype != DType.F64) {
            throw new IllegalArgumentException("Scope.root: parameters are F32 or F64, got " + dtype);
        }
        return new Scope(new Model(dtype, seed), "");
    }

    /** The scope one level down: names created in it start with {@code name() + "." + child + "."}. */
    public Scope child(String child) {
        checkSegment("child", child);
        return new Scope(model, qualify(child));
    }

    private void checkSegment(String what, String segment) {
        if (segment == null || segment.isEmpty() || segment.startsWith(".") || segment.endsWith(".") || segment.contains("..")) {
            throw new IllegalArgumentException("Scope '" + name + "'." + what + ": '" + segment
                    + "' is not a name (non-empty, dots only between parts)");
        }
    }

    /** This scope's full name, {@code ""} for a root. */
    public String name() { return name; }

    /** {@code local}'s full name in this scope. */
    public String qualify(String local) { return name.isEmpty() ? local : name + "." + local; }

    /** The dtype of the model's parameters. */
    public DType dtype() { return model.dtype; }

    /**
     * The initialiser seed of the parameter {@code local} of this scope: the model's seed mixed with
     * the full name's characters (FNV-1a, then SplitMix64's finaliser), the same on every run and JVM.
     */
    public Seed seed(String local) {
        long h = 0xcbf29ce484222325L;
        String full = qualify(local);
        for (int i = 0; i < full.length(); i++) h = (h ^ full.charAt(i)) * 0x100000001b3L;
        long z = h ^ model.seed.value() * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return Seed.of(z ^ (z >>> 31));
    }

    /** A new parameter {@code local} of this scope, filled by {@code init} with {@link #seed}. */
    public Parameter parameter(String local, Initializer init, int... shape) {
        checkSegment("parameter", local);
        String full = qualify(local);
        refuseTaken(full, shape);
        Tensor value = init.create(model.dtype, seed(local), shape.clone());
        if (value.dtype() != model.dtype || !java.util.Arrays.equals(value.shape(), shape) || !value.isContiguous()) {
            throw new IllegalStateException("parameter '" + full + "': the initialiser made " + value.dtype() + " "
                    + Shapes.str(value.shape()) + ", not " + model.dtype + " " + Shapes.str(shape));
        }
        return register(new Parameter(full, value));
    }

    /** A new parameter {@code local} of this scope wrapping {@code value} (not copied), which must have the model's dtype. */
    public Parameter parameter(String local, Tensor value) {
        checkSegment("parameter", local);
        String full = qualify(local);
        refuseTaken(full, value.shape());
        if (value.dtype() != model.dtype) {
            throw new IllegalArgumentException("parameter '" + full + "': value is " + value.dtype() + " but the model's parameters are " + model.dtype);
        }
        return register(new Parameter(full, value));
    }

    private void refuseTaken(String full, int[] shape) {
        Parameter taken = model.parameters.get(full);
        if (taken != null) {
            throw new IllegalArgumentException("parameter '" + full + "' " + Shapes.str(shape) + ": the name is already taken by "
                    + taken + " (give each layer its own scope, e.g. scope.child(\"layer2\"))");
        }
    }

    private Parameter register(Parameter p) {
        model.parameters.put(p.name(), p);
        return p;
    }

    private boolean contains(String full) {
        return name.isEmpty() || full.startsWith(name + ".");
    }

    /** The parameters under this scope (all of the model's for a root), in creation order. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : model.parameters.values()) if (contains(p.name())) out.add(p);
        return Collections.unmodifiableList(out);
    }

    /** The parameter called {@code full} (a full name, whatever this scope), or an error listing the names there are. */
    public Parameter get(String full) {
        Parameter p = model.parameters.get(full);
        if (p == null) throw new IllegalArgumentException("no parameter '" + full + "' (have " + model.parameters.keySet() + ")");
        return p;
    }

    /**
     * The values of {@link #parameters()} by full name (live tensors, not copies), for
     * {@code Checkpoint.builder().tensors(prefix, scope.tensors())} or {@link SafeTensors#write}.
     */
    public SequencedMap<String, Tensor> tensors() {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : parameters()) out.put(p.name(), p.value());
        return Collections.unmodifiableSequencedMap(out);
    }

    /** Writes {@link #tensors()} to a safetensors file (atomically replaced). */
    public void save(Path file) throws IOException {
        SafeTensors.write(file, tensors());
    }

    /** Loads this scope's parameters from a safetensors file written by {@link #save} (see {@link #load(Map, String)}). */
    public void load(Path file) throws IOException {
        load(SafeTensors.read(file).tensors(), "");
    }

    /** {@link #load(Map, String)} with no prefix. */
    public void load(Map<String, Tensor> stored) {
        load(stored, "");
    }

    /**
     * Copies stored tensors into this scope's parameters (in place, bit for bit): parameter
     * {@code n} reads {@code stored.get(prefix + n)} (a checkpoint that holds the model under
     * {@code "model."} next to optimiser state loads with that prefix). Everything is checked before
     * anything is copied, so a refused load leaves the parameters as they were. Refused, with every
     * offending name listed: a parameter missing from {@code stored}, a stored tensor whose dtype
     * or shape differs from its parameter's, and a stored name under this scope (and the prefix)
     * that no parameter has (a renamed or removed layer).
     */
    public void load(Map<String, Tensor> stored, String prefix) {
        List<String> problems = new ArrayList<>();
        List<Parameter> mine = parameters();
        for (Parameter p : mine) {
            Tensor t = stored.get(prefix + p.name());
            if (t == null) {
                problems.add("'" + prefix + p.name() + "' is missing (the model's " + p.value().dtype() + " " + Shapes.str(p.value().shape()) + ")");
            } else if (t.dtype() != p.value().dtype() || !t.sameShape(p.value())) {
                problems.add("'" + prefix + p.name() + "' is " + t.dtype() + " " + Shapes.str(t.shape()) + " but the model's parameter is "
                        + p.value().dtype() + " " + Shapes.str(p.value().shape()));
            }
        }
        TreeSet<String> unexpected = new TreeSet<>();
        String under = prefix + (name.isEmpty() ? "" : name + ".");
        for (String key : stored.keySet()) {
            if (key.startsWith(under) && !model.parameters.containsKey(key.substring(prefix.length()))) unexpected.add(key);
        }
        if (!unexpected.isEmpty()) problems.add("no parameter takes " + unexpected);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("load into " + (name.isEmpty() ? "the model" : "'" + name + "'") + ": " + String.join("; ", problems)
                    + "; nothing was loaded");
        }
        for (Parameter p : mine) p.value().copyFrom(stored.get(prefix + p.name()));
    }

    @Override
    public String toString() {
        return "Scope(" + (name.isEmpty() ? "<root>" : name) + ", " + model.dtype + ", " + parameters().size() + " parameters)";
    }
}
