package dev.quiver.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a crash at any moment leaves either the old content or the new one:
 * write a temporary file in the same directory, force it to disk, rename it over the target
 * atomically, then force the directory so the rename itself is durable.
 *
 * <p>One writer per target path: a save deletes temporaries that earlier, interrupted saves of
 * the same target left behind.
 */
final class AtomicFiles {
    private static final String TMP_MARK = ".tmp-";

    private AtomicFiles() {}

    interface Body {
        void write(FileChannel out) throws IOException;
    }

    static void replace(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        String prefix = "." + absolute.getFileName() + TMP_MARK;
        deleteStaleTemporaries(dir, prefix);
        Path tmp = dir.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean moved = false;
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.write(out);
                out.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            forceDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    private static void deleteStaleTemporaries(Path dir, String prefix) throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : stale) Files.deleteIfExists(p);
        }
    }

    /** Makes the rename durable. Windows cannot open a directory for fsync; there the rename is all we get. */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) throw e;
        }
    }
}
