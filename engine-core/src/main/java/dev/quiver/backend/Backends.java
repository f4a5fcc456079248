package dev.quiver.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds and selects backends. {@link #current()} is the process-wide default, chosen once, on
 * first use, and logged once with the reason:
 * <ul>
 *   <li>{@code -Dquiver.backend=scalar|simd} forces one; if it cannot load, this fails with the
 *       reason (for simd: "add --add-modules jdk.incubator.vector"), never a silent fallback;</li>
 *   <li>otherwise the supported provider with the highest priority wins, and every provider passed
 *       over is logged with its reason;</li>
 *   <li>{@code -Dquiver.threads=N} sets the thread count (default: available processors, at most 8).</li>
 * </ul>
 * Other backends can be created explicitly with {@link #create(String, int)}, e.g. to compare them.
 */
public final class Backends {
    public static final String BACKEND_PROPERTY = "quiver.backend";
    public static final String THREADS_PROPERTY = "quiver.threads";

    private static final System.Logger LOG = System.getLogger("dev.quiver.backend");

    private Backends() {}

    /** The default backend of this process (selected on first call, then fixed). */
    public static Backend current() {
        return Default.backend();
    }

    /** Why {@link #current()} was chosen, as logged. */
    public static String selectionReason() {
        Default.backend();
        return Default.REASON;
    }

    /** The default thread count: {@code -Dquiver.threads}, else the processor count capped at 8. */
    public static int defaultThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) return Math.min(8, Runtime.getRuntime().availableProcessors());
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 1) return threads;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + value + ": expected a positive integer");
    }

    /** Every provider on the module path or class path, in priority order (highest first). */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** Names of the backends that can run in this JVM. */
    public static List<String> available() {
        return providers().stream().filter(p -> p.unsupportedReason().isEmpty()).map(BackendProvider::name).toList();
    }

    /**
     * Creates the named backend with the given thread count.
     *
     * @throws IllegalStateException if no such backend exists or it cannot run here (with the reason)
     */
    public static Backend create(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        List<BackendProvider> providers = providers();
        for (BackendProvider p : providers) {
            if (!p.name().equals(wanted)) continue;
            var reason = p.unsupportedReason();
            if (reason.isPresent()) {
                throw new IllegalStateException("backend '" + wanted + "' cannot load: " + reason.get());
            }
            return p.create(threads);
        }
        String hint = wanted.equals("simd")
                ? " (put engine-simd on the class or module path and add --add-modules jdk.incubator.vector)"
                : "";
        throw new IllegalStateException("backend '" + wanted + "' is not available; found "
                + providers.stream().map(BackendProvider::name).toList() + hint);
    }

    /** The selection, made once when first needed; a failure is kept and rethrown, never wrapped in an Error. */
    private static final class Default {
        static final String REASON;
        static final Backend BACKEND;
        static final RuntimeException FAILURE;

        static {
            Backend backend = null;
            String reason = null;
            RuntimeException failure = null;
            try {
                int threads = defaultThreads();
                String forced = System.getProperty(BACKEND_PROPERTY);
                if (forced != null && !forced.isBlank()) {
                    backend = create(forced, threads);
                    reason = "forced by -D" + BACKEND_PROPERTY + "=" + forced.trim();
                } else {
                    StringBuilder why = new StringBuilder();
                    for (BackendProvider p : providers()) {
                        var unsupported = p.unsupportedReason();
                        if (unsupported.isPresent()) {
                            why.append(p.name()).append(" unavailable: ").append(unsupported.get()).append("; ");
                            continue;
                        }
                        backend = p.create(threads);
                        why.append("highest-priority available backend");
                        break;
                    }
                    if (backend == null) throw new IllegalStateException("no Quiver backend found: " + why);
                    reason = why.toString();
                }
                LOG.log(System.Logger.Level.INFO, "Quiver backend: " + backend.description() + " - " + reason);
            } catch (RuntimeException e) {
                failure = e;
            }
            BACKEND = backend;
            REASON = reason;
            FAILURE = failure;
        }

        static Backend backend() {
            if (FAILURE != null) throw new IllegalStateException(FAILURE.getMessage(), FAILURE);
            return BACKEND;
        }
    }
}
