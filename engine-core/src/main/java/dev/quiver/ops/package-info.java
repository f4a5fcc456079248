/**
 * The op contract, public: what a user writing an op and the graph layer need.
 * {@link dev.quiver.ops.Op} (shape, dtype and layout rules, the forward rule bound once to an
 * {@link dev.quiver.ops.Op.Instruction}, the VJP per input); shape and dtype rules read
 * {@link dev.quiver.ops.Operand}s (shape, dtype, layout and a description for errors); VJPs are
 * written against {@link dev.quiver.ops.Value} (the fluent operations) and
 * {@link dev.quiver.ops.Builder} (apply an op, a scalar, a stop-gradient), which the graph layer
 * implements with its nodes, so a derivative is made of ops and can be differentiated again;
 * {@link dev.quiver.ops.RunContext} is what a bound forward rule reads at run time (training or
 * not, the random draw); {@link dev.quiver.ops.OpDoc} a line of the op reference. Also the value
 * types the graph's API takes: {@link dev.quiver.ops.ConvSpec} and its
 * {@link dev.quiver.ops.Window}, {@link dev.quiver.ops.CrossEntropy} options,
 * {@link dev.quiver.ops.RunningStats} (batch norm), {@link dev.quiver.ops.Comparison}.
 *
 * <p>The built-in ops themselves are in {@code dev.quiver.ops.internal}, the unexported half of
 * this layer. Ops composed from others (hinge, softmax, log-softmax, norm, mean, stack, MSE, SVM)
 * have no VJP of their own and live as builders in the graph layer ({@code Graph}, {@code Losses}).
 *
 * <p>Depends on {@code dev.quiver.tensor}, {@code dev.quiver.kernel} and this layer's internal
 * half {@code dev.quiver.ops.internal} (the op reference lists the families' docs; RunningStats
 * and CrossEntropy delegate to their ops).
 * It is the layer below {@code dev.quiver.graph}, never above it: the graph names these ops in its
 * builders and compiler rewrites, and implements the interfaces the ops are written against (JAX's
 * split: each primitive has its abstract-evaluation rule, its implementation and its
 * differentiation rules, and the tracer that builds graphs lives above them). PackageLayersTest
 * enforces it.
 */
package dev.quiver.ops;
