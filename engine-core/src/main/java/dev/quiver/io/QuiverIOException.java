package dev.quiver.io;

import java.io.IOException;

/**
 * A file Quiver cannot read or write: malformed, truncated, corrupted, or of a kind Quiver does not
 * support. The message names the file and the problem.
 */
public class QuiverIOException extends IOException {
    private final String file;

    public QuiverIOException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public QuiverIOException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file (or source name) the problem is about. */
    public String file() {
        return file;
    }
}
