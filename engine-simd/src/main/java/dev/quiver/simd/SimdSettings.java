package dev.quiver.simd;

/**
 * The SIMD backend's settings and environment checks, none of which touch a
 * {@code jdk.incubator.vector} class (so the provider can run them on any JVM).
 *
 * <p>{@value #BITS_PROPERTY} ({@code -Dquiver.simd.bits=128|256|512}) overrides the vector width,
 * which is otherwise the JVM's preferred one. It is read once, when the kernels are first loaded,
 * and exists so tests can exercise every width (tails and masks differ per width); a width larger
 * than the hardware's runs correctly but slowly (the Vector API falls back to Java code).
 *
 * <p>{@value #WITHOUT_C2_PROPERTY} ({@code -Dquiver.simd.withoutC2=true}) lets the backend load
 * without C2 ({@code -Xint}, {@code -XX:TieredStopAtLevel=1}): every kernel then runs the Vector
 * API's Java fallback, ~30x slower but with the same bits, which is what the reproducibility
 * tests ({@code tools/repro-matrix}) check. Not for real work.
 */
final class SimdSettings {
    static final String BITS_PROPERTY = "quiver.simd.bits";
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final String WITHOUT_C2_PROPERTY = "quiver.simd.withoutC2";

    private SimdSettings() {}

    /** The requested width in bits, or 0 for the preferred one; -1 when the property is malformed. */
    static int requestedBits() {
        String value = System.getProperty(BITS_PROPERTY);
        if (value == null || value.isBlank()) return 0;
        return switch (value.trim()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> -1;
        };
    }

    /** Why the Vector API cannot be used here (module, compiler, property), or null if it can. */
    static String environmentProblem() {
        var module = ModuleLayer.boot().findModule(VECTOR_MODULE);
        if (module.isEmpty() || !SimdSettings.class.getModule().canRead(module.get())) {
            return "the Vector API module is not readable; add --add-modules " + VECTOR_MODULE
                    + " to the java command line";
        }
        if (requestedBits() < 0) {
            return "-D" + BITS_PROPERTY + "=" + System.getProperty(BITS_PROPERTY)
                    + " is not one of 128, 256, 512 (leave it unset for the preferred width)";
        }
        if (Boolean.getBoolean(WITHOUT_C2_PROPERTY)) return null;
        String vmInfo = System.getProperty("java.vm.info", "");
        if (vmInfo.contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint); Vector API code is ~30x slower than scalar code without C2";
        }
        return compilerProblem();
    }

    /** C2 switched off by flags; null if C2 is on or the flags cannot be read (jdk.management absent). */
    private static String compilerProblem() {
        try {
            var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hotspot == null) return null;
            if ("false".equals(option(hotspot, "UseCompiler"))) {
                return "the JIT compiler is disabled (-XX:-UseCompiler); the Vector API needs C2";
            }
            String stop = option(hotspot, "TieredStopAtLevel");
            if ("true".equals(option(hotspot, "TieredCompilation")) && stop != null && !stop.equals("4")) {
                return "C2 is disabled (-XX:TieredStopAtLevel=" + stop + "); the Vector API needs C2";
            }
            if ("false".equals(option(hotspot, "EnableVectorSupport"))) {
                return "Vector API intrinsics are disabled (-XX:-EnableVectorSupport)";
            }
            return null;
        } catch (LinkageError | RuntimeException unavailable) {
            // java.management / jdk.management not in the module graph: assume a default HotSpot.
            return null;
        }
    }

    private static String option(com.sun.management.HotSpotDiagnosticMXBean hotspot, String name) {
        try {
            return hotspot.getVMOption(name).getValue();
        } catch (IllegalArgumentException notThisVm) {
            return null;
        }
    }
}
