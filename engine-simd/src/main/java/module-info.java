/** The Vector API backend. Selected automatically when jdk.incubator.vector is present. */
module dev.quiver.simd {
    requires dev.quiver.core;
    requires jdk.incubator.vector;
    // Optional: used only to detect a JVM running without C2 (see SimdSettings).
    requires static java.management;
    requires static jdk.management;

    exports dev.quiver.simd;

    provides dev.quiver.backend.BackendProvider with dev.quiver.simd.SimdProvider;
}
