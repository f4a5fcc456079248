package dev.quiver.check.kit;

/**
 * Run-wide settings, read from system properties (Maven passes {@code -D} options on to the forked
 * test JVM):
 * <ul>
 *   <li>{@code -Dquiver.tries=N}: every property runs N tries (overrides each property's own count);</li>
 *   <li>{@code -Dquiver.profile=deep} (or {@code mvn -Pdeep}): ten times each property's tries;</li>
 *   <li>{@code -Dquiver.seed=S}: run a single case from seed S (decimal or 0x hex), as printed by a
 *       failure report, then shrink it again if it fails.</li>
 * </ul>
 */
public final class Settings {
    public static final String TRIES = "quiver.tries";
    public static final String PROFILE = "quiver.profile";
    public static final String SEED = "quiver.seed";

    private Settings() {}

    /** The number of tries for a property whose default is {@code defaultTries}. */
    public static int tries(int defaultTries) {
        String forced = System.getProperty(TRIES);
        if (forced != null && !forced.isBlank()) {
            try {
                int n = Integer.parseInt(forced.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("-D" + TRIES + "=" + forced + ": expected a positive integer");
        }
        return "deep".equals(profile()) ? defaultTries * 10 : defaultTries;
    }

    /** "default" or "deep". */
    public static String profile() {
        String p = System.getProperty(PROFILE);
        if (p == null || p.isBlank() || p.trim().equals("default")) return "default";
        if (p.trim().equals("deep")) return "deep";
        throw new IllegalArgumentException("-D" + PROFILE + "=" + p + ": expected 'default' or 'deep'");
    }

    /** The seed forced by {@code -Dquiver.seed}, or null. */
    public static Long forcedSeed() {
        String s = System.getProperty(SEED);
        if (s == null || s.isBlank()) return null;
        return parseSeed(s);
    }

    static long parseSeed(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED + "=" + s + ": expected a decimal or 0x-hex long", e);
        }
    }

    static String seedString(long seed) {
        return "0x" + Long.toHexString(seed);
    }
}
