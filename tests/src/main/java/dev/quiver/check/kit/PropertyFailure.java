package dev.quiver.check.kit;

/**
 * A property failed: carries the minimal (shrunk) case, the original case and the seed that
 * reproduces it ({@code -Dquiver.seed}). The cause is the minimal case's error.
 */
public final class PropertyFailure extends AssertionError {
    private final String property;
    private final long seed;
    private final Object minimal;
    private final String minimalDescription;
    private final String originalDescription;
    private final long[] minimalChoices;
    private final long[] originalChoices;
    private final int shrinkRuns;

    PropertyFailure(String message, Throwable cause, String property, long seed, Object minimal,
                    String minimalDescription, String originalDescription,
                    long[] minimalChoices, long[] originalChoices, int shrinkRuns) {
        super(message, cause);
        this.property = property;
        this.seed = seed;
        this.minimal = minimal;
        this.minimalDescription = minimalDescription;
        this.originalDescription = originalDescription;
        this.minimalChoices = minimalChoices;
        this.originalChoices = originalChoices;
        this.shrinkRuns = shrinkRuns;
    }

    public String property() { return property; }

    /** The seed of the failing try: {@code -Dquiver.seed=} this reruns it. */
    public long seed() { return seed; }

    /** The shrunk value. */
    public Object minimal() { return minimal; }

    public String minimalDescription() { return minimalDescription; }

    public String originalDescription() { return originalDescription; }

    public long[] minimalChoices() { return minimalChoices.clone(); }

    public long[] originalChoices() { return originalChoices.clone(); }

    /** Property runs spent shrinking. */
    public int shrinkRuns() { return shrinkRuns; }
}
