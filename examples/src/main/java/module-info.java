/** Runnable demos of Quiver: the lecture's two-layer network, the SVM exercise, and the dynamic-graph models. */
module dev.quiver.examples {
    requires dev.quiver.core;
    requires java.management;
    requires jdk.management;
    exports dev.quiver.examples;
    exports dev.quiver.examples.dynamic;
}
