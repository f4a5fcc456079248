package dev.quiver.examples;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {
    private static List<String> seen(String... args) {
        List<String> out = new ArrayList<>();
        assertTrue(CommandLine.parse(args, (o, v) -> {
            if (o.equals("--n")) CommandLine.positive(o, v);
            else if (!o.equals("--s")) throw CommandLine.unknown(o);
            out.add(o + "=" + v);
        }));
        return out;
    }

    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> seen(args)).getMessage();
    }

    @Test
    void optionsArriveInOrderInBothForms() {
        assertEquals(List.of("--n=3", "--s=a=b", "--n=4"), seen("--n", "3", "--s=a=b", "--n=4"));
        assertFalse(CommandLine.parse(new String[] {"--n", "3", "--help", "--bogus"}, (o, v) -> { }));
    }

    @Test
    void everyProblemIsOneLineNamingTheOption() {
        assertEquals("--n needs a value (see --help)", error("--n"));
        assertEquals("unknown option --x (see --help)", error("--x", "1"));
        assertEquals("--n: not a number: three", error("--n", "three"));
        assertEquals("--n must be at least 1, got 0", error("--n", "0"));
        assertEquals("unexpected argument 'stray' (see --help)", error("stray"));
    }
}
