package dev.quiver.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class OptionsTest {
    @Test
    void parsesBothSpellings() throws Exception {
        Options o = Options.parse("--hidden", "64", "--lr=0.1", "--backend", "SIMD", "--task", "svm");
        assertEquals(64, o.hidden);
        assertEquals(0.1, o.learningRate);
        assertEquals("simd", o.backend);
        assertEquals("svm", o.task);
    }

    @Test
    void badInputIsOneClearLine() {
        assertEquals("--hidden must be a positive integer, got '-3'",
                assertThrows(Options.UsageException.class, () -> Options.parse("--hidden", "-3")).getMessage());
        assertEquals("unknown option --hiden (see --help)",
                assertThrows(Options.UsageException.class, () -> Options.parse("--hiden", "3")).getMessage());
        assertEquals("--data: cannot read file '/no/such/file'",
                assertThrows(Options.UsageException.class, () -> Options.parse("--data", "/no/such/file")).getMessage());
        assertEquals("--epochs needs a value (see --help)",
                assertThrows(Options.UsageException.class, () -> Options.parse("--epochs")).getMessage());
    }
}
