package dev.quiver.benchmarks.report;

import dev.quiver.io.Json;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result file into a Markdown table of ratios and a chart per benchmark family
 * (JFreeChart, PNG and SVG: see {@link Charts}). Usage: {@code java -cp benchmarks.jar dev.quiver.benchmarks.report.Summary a.json b.json ... outDir}.
 *
 * <p>The implementation compared in a row is the JMH parameter {@code impl} (or {@code backend});
 * without one, the benchmark method name. Ratios are of throughput (time modes are inverted), so
 * "simd/openblas = 0.93" means Quiver's SIMD backend does 93% of OpenBLAS's work per second in the
 * same run. A secondary metric whose name contains "flop", "elem" or "GB" (JMH AuxCounters) is
 * shown and plotted; {@code gc.alloc.rate.norm} is shown as bytes per operation.
 */
public final class Summary {
    private static final List<String> IMPL_PARAMS = List.of("impl", "backend", "peer");
    private static final List<String> OURS = List.of("simd", "quiver", "scalar");

    record Result(String family, String row, String impl, double rate, String shown, Double rateMetric,
                  String rateMetricName, Double allocPerOp, Map<String, String> params) {}

    public static void main(String[] args) throws IOException {
        List<Path> inputs = new ArrayList<>();
        Path outDir = null;
        for (String arg : args) {
            if (arg.endsWith(".json")) inputs.add(Path.of(arg));
            else outDir = Path.of(arg);
        }
        if (inputs.isEmpty()) {
            System.err.println("usage: Summary results.json... [outDir]   (writes summary.md and *.svg to outDir, default: next to the first json)");
            System.exit(2);
        }
        if (outDir == null) outDir = inputs.get(0).toAbsolutePath().getParent();
        Files.createDirectories(outDir);
        List<Result> results = new ArrayList<>();
        for (Path json : inputs) results.addAll(read(Files.readString(json)));
        String md = markdown(results, outDir);
        Files.writeString(outDir.resolve("summary.md"), md);
        System.out.print(md);
    }

    @SuppressWarnings("unchecked")
    static List<Result> read(String text) throws IOException {
        List<Result> out = new ArrayList<>();
        for (Object item : (List<Object>) Json.parse(text, "JMH results")) {
            Map<String, Object> r = (Map<String, Object>) item;
            String benchmark = (String) r.get("benchmark");
            String[] parts = benchmark.split("\\.");
            String method = parts[parts.length - 1];
            String clazz = parts.length > 1 ? parts[parts.length - 2] : "";
            Map<String, String> params = new TreeMap<>();
            if (r.get("params") instanceof Map<?, ?> p) p.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            String impl = null;
            for (String key : IMPL_PARAMS) if (params.containsKey(key)) { impl = params.remove(key); break; }
            String family = impl == null ? clazz : clazz + "." + method;
            if (impl == null) impl = method;
            int threads = ((Number) r.getOrDefault("threads", 1.0)).intValue();
            StringBuilder row = new StringBuilder();
            params.forEach((k, v) -> row.append(row.isEmpty() ? "" : ", ").append(k).append('=').append(v));
            if (threads > 1) row.append(row.isEmpty() ? "" : ", ").append("jmh-threads=").append(threads);
            Map<String, Object> primary = (Map<String, Object>) r.get("primaryMetric");
            double score = ((Number) primary.get("score")).doubleValue();
            String unit = (String) primary.get("scoreUnit");
            String mode = (String) r.get("mode");
            double rate = "thrpt".equals(mode) ? score : 1 / score;
            Double metric = null, alloc = null;
            String metricName = null;
            if (r.get("secondaryMetrics") instanceof Map<?, ?> secondary) {
                for (var e : secondary.entrySet()) {
                    String name = (String) e.getKey();
                    double value = ((Number) ((Map<String, Object>) e.getValue()).get("score")).doubleValue();
                    String lower = name.toLowerCase(Locale.ROOT);
                    String metricUnit = (String) ((Map<String, Object>) e.getValue()).get("scoreUnit");
                    if (name.equals("gc.alloc.rate.norm")) alloc = value;
                    else if (!lower.startsWith("gc.") && (lower.contains("flop") || lower.contains("elem") || lower.contains("gb")
                            || lower.contains("byte"))) {
                        metric = value;
                        metricName = rateName(lower, metricUnit);
                    }
                }
            }
            String shown = metric != null ? fmt(metric) + " " + metricName : fmt(score) + " " + unit;
            out.add(new Result(family, row.toString(), impl, rate, shown, metric, metricName, alloc, params));
        }
        return out;
    }

    static String markdown(List<Result> results, Path outDir) throws IOException {
        Map<String, List<Result>> families = new LinkedHashMap<>();
        for (Result r : results) families.computeIfAbsent(r.family, k -> new ArrayList<>()).add(r);
        StringBuilder md = new StringBuilder();
        for (var family : families.entrySet()) {
            List<Result> rs = family.getValue();
            Set<String> impls = new LinkedHashSet<>();
            Map<String, Map<String, Result>> rows = new LinkedHashMap<>();
            for (Result r : rs) {
                impls.add(r.impl);
                rows.computeIfAbsent(r.row, k -> new LinkedHashMap<>()).put(r.impl, r);
            }
            String ours = OURS.stream().filter(impls::contains).findFirst().orElse(null);
            List<String> others = impls.stream().filter(i -> !i.equals(ours)).toList();
            md.append("\n### ").append(family.getKey()).append("\n\n| case |");
            impls.forEach(i -> md.append(' ').append(i).append(" |"));
            if (ours != null) others.forEach(o -> md.append(' ').append(ours).append('/').append(o).append(" |"));
            md.append(" alloc B/op |\n|---|");
            impls.forEach(i -> md.append("---|"));
            if (ours != null) others.forEach(o -> md.append("---|"));
            md.append("---|\n");
            for (var row : rows.entrySet()) {
                md.append("| ").append(row.getKey().isEmpty() ? "-" : row.getKey()).append(" |");
                for (String i : impls) {
                    Result r = row.getValue().get(i);
                    md.append(' ').append(r == null ? "" : r.shown).append(" |");
                }
                if (ours != null) {
                    Result base = row.getValue().get(ours);
                    for (String o : others) {
                        Result r = row.getValue().get(o);
                        md.append(' ').append(base == null || r == null ? "" : String.format(Locale.ROOT, "%.2f", base.rate / r.rate)).append(" |");
                    }
                }
                Result any = ours != null && row.getValue().containsKey(ours) ? row.getValue().get(ours) : row.getValue().values().iterator().next();
                md.append(' ').append(any.allocPerOp == null ? "" : fmt(any.allocPerOp)).append(" |\n");
            }
            JFreeChart chart = plot(family.getKey(), rs);
            if (chart != null) {
                String base = family.getKey().replaceAll("[^A-Za-z0-9]+", "-");
                Charts.write(chart, outDir, base);
                md.append("\n![").append(family.getKey()).append("](").append(base).append(".svg) ([PNG](").append(base).append(".png))\n");
            }
        }
        return md.toString();
    }

    /**
     * A chart of the metric (or throughput) against parameter n (or shape, size) on a log axis, one
     * line per implementation and other parameters; null if no result has such a parameter.
     */
    static JFreeChart plot(String title, List<Result> rs) {
        Map<String, TreeMap<Double, Double>> lines = new LinkedHashMap<>();
        String yName = null, xAxis = "n";
        for (Result r : rs) {
            String xName = null;
            for (String candidate : List.of("n", "shape", "size")) {
                if (r.params.containsKey(candidate) && r.params.get(candidate).matches("[0-9]+")) { xName = candidate; break; }
            }
            if (xName == null) continue;
            xAxis = xName;
            double x = Double.parseDouble(r.params.get(xName));
            StringBuilder key = new StringBuilder(r.impl);
            for (var p : r.params.entrySet()) {
                if (!p.getKey().equals(xName)) key.append(' ').append(p.getKey()).append('=').append(p.getValue());
            }
            double y = r.rateMetric != null ? r.rateMetric : r.rate;
            if (r.rateMetric != null) yName = r.rateMetricName;
            lines.computeIfAbsent(key.toString(), k -> new TreeMap<>()).put(x, y);
        }
        lines.values().removeIf(m -> m.size() < 2);
        if (lines.isEmpty()) return null;
        return Charts.lines(title, xAxis + " (log scale)", yName != null ? yName : "throughput (ops per time unit)", lines, true);
    }

    /** A readable unit for a per-time counter: flop per ns is GFLOP/s, bytes per ns GB/s. */
    static String rateName(String name, String unit) {
        boolean perNs = unit != null && unit.endsWith("/ns");
        if (name.contains("flop")) return perNs ? "GFLOP/s" : name + " " + unit;
        if (name.contains("byte") || name.contains("gb")) return perNs ? "GB/s" : name + " " + unit;
        if (name.contains("elem")) return perNs ? "elem/ns" : name + " " + unit;
        return name;
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a == 0) return "0";
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 0.1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
