/**
 * Files: NumPy {@code .npy} arrays ({@link dev.quiver.io.Npy}), safetensors sets of named tensors
 * ({@link dev.quiver.io.SafeTensors}) and crash-safe training checkpoints
 * ({@link dev.quiver.io.Checkpoint}).
 *
 * <p>Readers are strict and bounded: every size in a header is checked against the file's real
 * size before anything is allocated, and any problem is a {@link dev.quiver.io.QuiverIOException}
 * naming the file; a load either returns everything or throws. Writers replace the target
 * atomically (temporary file, fsync, atomic rename, fsync of the directory).
 *
 * <p>Depends only on {@code dev.quiver.tensor} and java.base.
 */
package dev.quiver.io;
