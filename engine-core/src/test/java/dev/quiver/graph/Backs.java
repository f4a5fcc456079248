package dev.quiver.graph;

import dev.quiver.backend.Backends;
import dev.quiver.tensor.TensorMath;

import java.util.stream.Stream;

/** Every available backend, single-threaded and (where it has more) multi-threaded, for parameterised tests. */
public final class Backs {
    private Backs() {}

    public static Stream<TensorMath> all() {
        return Backends.available().stream().map(name -> TensorMath.of(Backends.create(name, 1)));
    }

    /** Options compiling on the given backend. */
    public static CompileOptions on(TensorMath m) {
        return CompileOptions.training().withMath(m);
    }

    /** Options compiling on the given backend, with gradients for inputs as well as parameters. */
    public static CompileOptions withInputs(TensorMath m) {
        return CompileOptions.training().withMath(m).withInputGradients(true);
    }
}
