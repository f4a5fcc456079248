package dev.quiver.examples;

/** The README's first command: trains the lecture's two-layer network. */
public final class Demo {
    public static void main(String[] args) {
        System.err.println("quiver demo: not yet implemented (the graph layer is in progress)");
        System.exit(1);
    }
}
