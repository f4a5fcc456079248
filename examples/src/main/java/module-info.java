/** Runnable demos of Quiver: the lecture's two-layer network, the SVM exercise, and the dynamic-graph models. */
module dev.quiver.examples {
    requires dev.quiver.core;
    requires java.management;
    requires jdk.management;
    // --plot only (TrainingPlot): optional, so the demo runs on a module path without them.
    requires static java.desktop;
    requires static org.jfree.jfreechart;
    requires static org.jfree.svg;
    exports dev.quiver.examples;
    exports dev.quiver.examples.dynamic;
}
