package dev.quiver.graph;

/**
 * {@link DynamicGraphTest} with every changed op node replaced by a new object instead of
 * re-initialised in place: what graphs of more than {@link Graph#REINIT_BELOW} nodes do past that
 * index (plan reuse, names and stale-node checks must not depend on which happens).
 */
class DynamicGraphReplacedNodesTest extends DynamicGraphTest {
    @Override
    Graph graph() {
        Graph g = new Graph();
        g.reinitBelow = 0;
        return g;
    }
}
