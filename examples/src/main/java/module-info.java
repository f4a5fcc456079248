/** Runnable demos of Quiver: the lecture's two-layer network and the SVM exercise. */
module dev.quiver.examples {
    requires dev.quiver.core;
    requires java.management;
    requires jdk.management;
}
