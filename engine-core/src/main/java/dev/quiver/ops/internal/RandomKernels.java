package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.ops.RunContext;
import dev.quiver.tensor.Tensor;

/**
 * The dropout instruction of {@link RandomKernelsF64} for one floating dtype: {@link Dropouts}
 * picks {@link RandomKernelsF64#VIEW} or its twin's with {@code DType.pick}; the instruction calls
 * the dtype's typed loop.
 */
interface RandomKernels {
    /**
     * src masked into out (both contiguous, src may be out), member k's {@code sizes[k]} elements
     * from {@code streams[k]} in turn, with the context's draw of each run; kept elements scaled by
     * {@code 1 / (1 - p)} in the dtype.
     */
    Instruction dropout(Tensor src, Tensor out, RunContext context, double p, long[] streams, int[] sizes);
}
