/**
 * Quiver's engine: tensors, the backend SPI and the scalar backend, the graph layer, optimisers
 * and the gradient checker. Depends on nothing but java.base.
 */
module dev.quiver.core {
    exports dev.quiver.tensor;
    exports dev.quiver.kernel;
    exports dev.quiver.backend;
    exports dev.quiver.graph;
    exports dev.quiver.ops;
    exports dev.quiver.optim;
    exports dev.quiver.backend.scalar;
    exports dev.quiver.io;
    exports dev.quiver.check;
    exports dev.quiver.layers;

    uses dev.quiver.backend.BackendProvider;
    provides dev.quiver.backend.BackendProvider with dev.quiver.backend.scalar.ScalarProvider;
}
