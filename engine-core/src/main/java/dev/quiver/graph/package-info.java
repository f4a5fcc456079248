/**
 * Computation graphs: {@link dev.quiver.graph.Graph} (the builder; nodes are values),
 * the nodes ({@link dev.quiver.graph.Node} implements the ops' {@code Value}, {@code Graph} their
 * {@code Builder}, so the ops' VJPs build graph nodes), the compiler (forward and
 * backward schedules, with backward built from the ops' VJPs as an ordinary graph), the
 * liveness-based buffer planner, the executor {@link dev.quiver.graph.Step}, the plan cache for
 * dynamic graphs, and {@link dev.quiver.graph.Losses}.
 *
 * <p>Dynamic graphs (a new structure per example): the compiler runs as phases over one plan
 * (differentiate, schedule, liveness, assignBuffers, emit), each linear in the nodes (buffer
 * assignment O(n log n) in {@code Planner}); the {@link dev.quiver.graph.PlanCache} is bounded and
 * recycles evicted steps' arenas; small constants are data, not structure; a parameter read only
 * through lookups gets a row-sparse gradient ({@link dev.quiver.graph.RowSet}, written by
 * {@code SparseRowGradient} nodes); a shared weight's gradient terms that are thin products (one
 * vector per tree node or time step, or an autobatched step's minibatch rows) are stacked into one
 * GEMM, thick ones accumulated in place; a
 * final gradient written straight into its parameter takes no arena space
 * ({@code DeferredGradient}); two node pools alternate between builds so a node kept across
 * {@code reset()} is refused. Costs per node are kept small and flat: node shapes are interned
 * ({@code ShapeTable}) and planned buffers of one shape share their shape arrays; the schedule,
 * liveness and emit phases walk a tape of input indices in flat arrays rather than node references;
 * past the first few thousand nodes a changed node is a new object rather than an old-generation
 * one rewritten; an evicted step drops its program.
 *
 * <p>Autobatching ({@link dev.quiver.graph.CompileOptions#withAutobatch}): {@code Autobatch}
 * rewrites a graph of many independent sub-graphs (a minibatch's summed losses, each built by
 * per-example code) before it is planned: ops that are row-wise along axis 0 and share a signature
 * run as one node over their stacked rows (or stacked whole vectors), chosen by DyNet's agenda
 * heuristic; {@link dev.quiver.ops.internal.Rows} moves the rows, and the compiler sums the row-slice
 * gradients of one value in one pass. The backward pass is built from the batched graph.
 *
 * <p>Fusion ({@link dev.quiver.graph.CompileOptions#withFusion}): derivative rules are written in
 * primitive ops; after autobatching and differentiation, {@code Fusion} puts the fused kernels
 * (tanh's and sigmoid's gradients; the backward kernels of the class-index cross-entropy, layer,
 * RMS and batch normalisation and attention's softmax) back in place of the patterns those rules
 * build, where the patterns' inner nodes feed nothing else, in one linear pass before scheduling.
 * A rule whose derivative depends on the step's mode (batch normalisation) asks the graph
 * ({@code Builder.inMode}): the compiler builds the backward graph knowing its mode, so only that
 * mode's form is built; {@code Graph.grad}, which does not know it, builds both behind mode gates.
 *
 * <p>Depends on {@code dev.quiver.tensor} (tensors and TensorMath out forms),
 * {@code dev.quiver.kernel} (op enums) and {@code dev.quiver.ops} (the {@code Op} contract, its
 * instructions and run context) with its internal half (the op units its fluent API and
 * compiler rewrites name).
 * ops does not depend on this package: op rules see {@code Operand}/{@code Value}/{@code Builder},
 * which nodes and graphs implement, so the layering is a line, not a cycle. Nothing here depends
 * on a particular backend.
 */
package dev.quiver.graph;
