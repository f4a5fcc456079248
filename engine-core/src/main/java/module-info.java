/**
 * Quiver's engine: tensors, the backend SPI and the scalar backend, the graph layer, optimisers
 * and the gradient checker. Depends on nothing but java.base.
 */
module dev.quiver.core {
    exports dev.quiver.tensor;
    exports dev.quiver.kernel;
    exports dev.quiver.kernel.internal to dev.quiver.simd;
    exports dev.quiver.backend;
    exports dev.quiver.graph;
    exports dev.quiver.ops;
    exports dev.quiver.optim;
    // The scalar backend is reached through Backends; only engine-simd (its bit-for-bit tests) names it.
    exports dev.quiver.backend.scalar to dev.quiver.simd;
    exports dev.quiver.io;
    exports dev.quiver.check;
    exports dev.quiver.layers;

    uses dev.quiver.backend.BackendProvider;
    provides dev.quiver.backend.BackendProvider with dev.quiver.backend.scalar.ScalarProvider;
}
