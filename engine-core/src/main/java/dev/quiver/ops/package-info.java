/**
 * Op units: one record per op holding its shape rule, its forward rule (TensorMath out forms
 * writing into planned buffers) and its VJP per input, behind the {@link dev.quiver.ops.Op}
 * contract. Shape, dtype and layout rules read {@link dev.quiver.ops.Operand}s (shape, dtype,
 * layout and a description for errors); VJPs are written against {@link dev.quiver.ops.Value}
 * (the fluent operations) and {@link dev.quiver.ops.Builder} (apply an op, a scalar, a
 * stop-gradient), which the graph layer implements with its nodes, so a derivative is made of ops
 * and can be differentiated again ({@code ValueAlgebra} turns the kernel definitions' derivative
 * rules into such values). What bound forward rules read at run time is here too:
 * {@link dev.quiver.ops.Op.Instruction} and {@link dev.quiver.ops.RunContext} (training or not,
 * the random draw).
 * Families share rules: {@code Elementwise} (maps, broadcasting binary ops, scalar forms, fused
 * activation derivatives), {@code Shaping} (linear ops, mostly views), {@code Reductions},
 * {@code Products} (bilinear: matmul, dot, mode-n) and the fused {@code SoftmaxCrossEntropy}.
 * Index ops take I32/I64 index tensors as data (their {@code dtype} rule admits them; arithmetic
 * refuses them): {@code Take} (lookup, gather along an axis) with its transposes {@code ScatterAdd}
 * and {@code ScatterAddInto}, and {@code ClassCrossEntropy} (class-index softmax cross-entropy and
 * DyNet's pickneglogsoftmax, options in {@code CrossEntropy}), whose indices are read straight
 * from storage ({@code Indices}, {@code Gather}, {@code RowMath}).
 * Ops composed from others (hinge, softmax, log-softmax, norm, mean, stack, MSE, SVM)
 * have no VJP of their own and live as builders in the graph layer ({@code Graph}, {@code Losses}).
 *
 * <p>Forward rules are bound once at compile time: {@code Bound} (with {@code BoundF64} and its
 * generated twin) resolves arrays, offsets and strides to one kernel call, and
 * {@code ScalarInstruction} handles one-element float64 operands, runs of which a step executes
 * as one chained instruction.
 *
 * <p>Subgradients at kinks: relu'(0) = 0, |x|'(0) = 0, hinge'(margin) = 0, max/min route the
 * gradient to the first argument on ties.
 *
 * <p>Depends on {@code dev.quiver.tensor} and {@code dev.quiver.kernel} only. It is the layer below
 * {@code dev.quiver.graph}, never above it: the graph names these ops in its builders and compiler
 * rewrites, and implements the interfaces the ops are written against (JAX's split: each primitive
 * has its abstract-evaluation rule, its implementation and its differentiation rules, and the
 * tracer that builds graphs lives above them). PackageLayersTest enforces it.
 */
package dev.quiver.ops;
