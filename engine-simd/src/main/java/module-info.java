/** The Vector API backend. Selected automatically when jdk.incubator.vector is present. */
module dev.quiver.simd {
    requires dev.quiver.core;
    requires jdk.incubator.vector;

    provides dev.quiver.backend.BackendProvider with dev.quiver.simd.SimdProvider;
}
