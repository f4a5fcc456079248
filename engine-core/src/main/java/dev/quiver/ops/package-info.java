/**
 * Op units: one record per op holding its shape rule, its forward rule (TensorMath out forms
 * writing into planned buffers) and its VJP per input, written with the graph-building API.
 * Families share rules: {@code Elementwise} (maps, broadcasting binary ops, scalar forms, fused
 * activation derivatives), {@code Shaping} (linear ops, mostly views), {@code Reductions},
 * {@code Products} (bilinear: matmul, dot, mode-n) and the fused {@code SoftmaxCrossEntropy}.
 * Index ops take I32/I64 index tensors as data (their {@code dtype} rule admits them; arithmetic
 * refuses them): {@code Take} (lookup, gather along an axis) with its transposes {@code ScatterAdd}
 * and {@code ScatterAddInto}, and {@code ClassCrossEntropy} (class-index softmax cross-entropy and
 * DyNet's pickneglogsoftmax, options in {@code CrossEntropy}), whose indices are read straight
 * from storage ({@code Indices}, {@code Gather}, {@code RowMath}).
 * Ops composed from others (hinge, softmax, log-softmax, norm, mean, stack, MSE, SVM)
 * have no VJP of their own and live as builders in {@link dev.quiver.graph.Graph} and
 * {@link dev.quiver.graph.Losses}.
 *
 * <p>Forward rules are bound once at compile time: {@code Bound} (with {@code BoundF64} and its
 * generated twin) resolves arrays, offsets and strides to one kernel call, and
 * {@code ScalarInstruction} handles one-element float64 operands, runs of which a step executes
 * as one chained instruction.
 *
 * <p>Subgradients at kinks: relu'(0) = 0, |x|'(0) = 0, hinge'(margin) = 0, max/min route the
 * gradient to the first argument on ties.
 *
 * <p>Depends on {@code dev.quiver.graph} (Node, Op, Graph), {@code dev.quiver.tensor} and
 * {@code dev.quiver.kernel}.
 */
package dev.quiver.ops;
