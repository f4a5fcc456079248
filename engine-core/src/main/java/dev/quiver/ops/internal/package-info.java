/**
 * The op implementations, not part of the API (the module does not export this package): one
 * record per op holding its shape rule, its forward rule (TensorMath out forms writing into
 * planned buffers) and its VJP per input, behind the {@link dev.quiver.ops.Op} contract.
 * Families share rules: {@code Elementwise} (maps, broadcasting binary ops, scalar forms, fused
 * activation derivatives), {@code Shaping} (linear ops, mostly views), {@code Reductions},
 * {@code Products} (bilinear: matmul, dot, mode-n), the fused {@code SoftmaxCrossEntropy},
 * {@code Masks}, {@code Normalization}, {@code Conv}, {@code Pool}, {@code Attention},
 * {@code Dropouts}. {@code ValueAlgebra} turns the kernel definitions' derivative rules into
 * {@link dev.quiver.ops.Value}s, so a derivative is made of ops and can be differentiated again.
 * Index ops take I32/I64 index tensors as data (their {@code dtype} rule admits them; arithmetic
 * refuses them): {@code Take} (lookup, gather along an axis) with its transposes {@code ScatterAdd}
 * and {@code ScatterAddInto}, and {@code ClassCrossEntropy} (class-index softmax cross-entropy and
 * DyNet's pickneglogsoftmax), whose indices are read straight from storage ({@code Indices},
 * {@code Gather}, {@code RowMath}).
 *
 * <p>Forward rules are bound once at compile time: {@code Bound} (with {@code BoundF64} and its
 * generated twin) resolves arrays, offsets and strides to one kernel call, and
 * {@code ScalarInstruction} handles one-element float64 operands, runs of which a step executes
 * as one chained instruction. The per-dtype loops ({@code *KernelsF64} and their twins) are
 * package-private.
 *
 * <p>Subgradients at kinks: relu'(0) = 0, |x|'(0) = 0, hinge'(margin) = 0, max/min route the
 * gradient to the first argument on ties.
 *
 * <p>Depends on {@code dev.quiver.ops} (the contract it implements), {@code dev.quiver.tensor},
 * {@code dev.quiver.kernel} and {@code dev.quiver.kernel.internal}. The graph layer names these
 * records in its builders and compiler rewrites; PackageLayersTest enforces the layering.
 */
package dev.quiver.ops.internal;
