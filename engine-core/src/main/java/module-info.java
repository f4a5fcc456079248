/**
 * Quiver's engine: tensors, the backend SPI and the scalar backend, the graph layer, optimisers
 * and the gradient checker. Depends on nothing but java.base.
 */
module dev.quiver.core {
    exports dev.quiver.tensor;
    exports dev.quiver.kernel;
    exports dev.quiver.backend;
    exports dev.quiver.io;

    uses dev.quiver.backend.BackendProvider;
}
