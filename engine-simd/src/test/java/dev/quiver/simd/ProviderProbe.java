package dev.quiver.simd;

import dev.quiver.backend.Backends;

/** Run in a child JVM by SimdProviderTest: prints the provider's verdict and the available backends. */
public final class ProviderProbe {
    private ProviderProbe() {}

    public static void main(String[] args) {
        System.out.println("reason=" + new SimdProvider().unsupportedReason().orElse("none"));
        System.out.println("available=" + Backends.available());
    }
}
