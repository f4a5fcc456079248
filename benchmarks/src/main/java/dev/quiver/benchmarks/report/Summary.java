package dev.quiver.benchmarks.report;

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
 * Turns a JMH JSON result file into a Markdown table of ratios and an SVG plot per benchmark
 * family. Usage: {@code java -cp benchmarks.jar dev.quiver.benchmarks.report.Summary a.json b.json ... outDir}.
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
    static List<Result> read(String text) {
        List<Result> out = new ArrayList<>();
        for (Object item : (List<Object>) Json.parse(text)) {
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
            String svg = plot(family.getKey(), rs);
            if (svg != null) {
                String file = family.getKey().replaceAll("[^A-Za-z0-9]+", "-") + ".svg";
                Files.writeString(outDir.resolve(file), svg);
                md.append("\n![").append(family.getKey()).append("](").append(file).append(")\n");
            }
        }
        return md.toString();
    }

    /** An SVG line chart of the metric (or throughput) against parameter n, one line per implementation; null if no n. */
    static String plot(String title, List<Result> rs) {
        Map<String, TreeMap<Double, Double>> lines = new LinkedHashMap<>();
        String yName = null;
        for (Result r : rs) {
            String xName = null;
            for (String candidate : List.of("n", "shape", "size")) {
                if (r.params.containsKey(candidate) && r.params.get(candidate).matches("[0-9]+")) { xName = candidate; break; }
            }
            if (xName == null) continue;
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
        double minX = Double.MAX_VALUE, maxX = 0, maxY = 0;
        for (var m : lines.values()) for (var e : m.entrySet()) {
            minX = Math.min(minX, e.getKey()); maxX = Math.max(maxX, e.getKey()); maxY = Math.max(maxY, e.getValue());
        }
        int w = 760, h = 380, left = 60, right = 270, top = 30, bottom = 40;
        double lx0 = Math.log(minX), lx1 = Math.log(Math.max(maxX, minX * 1.0001));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>%n", w, h));
        svg.append("<rect width='100%' height='100%' fill='white'/>\n");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='18' font-size='13'>%s</text>%n", left, esc(title)));
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n", left, h - bottom, w - right, h - bottom));
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n", left, top, left, h - bottom));
        for (int t = 0; t <= 4; t++) {
            double v = maxY * t / 4;
            double y = h - bottom - (h - top - bottom) * t / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>%n", left - 4, y + 4, fmt(v)));
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>%n", left, y, w - right, y));
        }
        Set<Double> xs = new java.util.TreeSet<>();
        lines.values().forEach(m -> xs.addAll(m.keySet()));
        for (double x : xs) {
            double px = left + (w - left - right) * (lx1 == lx0 ? 0.5 : (Math.log(x) - lx0) / (lx1 - lx0));
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>%n", px, h - bottom + 14, fmt(x)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>n</text>%n", (left + w - right) / 2, h - 6));
        svg.append(String.format(Locale.ROOT, "<text x='14' y='%d' transform='rotate(-90 14 %d)' text-anchor='middle'>%s</text>%n",
                (top + h - bottom) / 2, (top + h - bottom) / 2, esc(yName != null ? yName : "throughput (ops per time unit)")));
        String[] colors = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
        int i = 0;
        for (var line : lines.entrySet()) {
            String color = colors[i % colors.length];
            StringBuilder pts = new StringBuilder();
            for (var e : line.getValue().entrySet()) {
                double px = left + (w - left - right) * (lx1 == lx0 ? 0.5 : (Math.log(e.getKey()) - lx0) / (lx1 - lx0));
                double py = h - bottom - (h - top - bottom) * (maxY == 0 ? 0 : e.getValue() / maxY);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>%n", color, pts.toString().trim()));
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s'>%s</text>%n", w - right + 8, top + 14 * (i + 1), color, esc(line.getKey())));
            i++;
        }
        return svg.append("</svg>\n").toString();
    }

    /** A readable unit for a per-time counter: flop per ns is GFLOP/s, bytes per ns GB/s. */
    static String rateName(String name, String unit) {
        boolean perNs = unit != null && unit.endsWith("/ns");
        if (name.contains("flop")) return perNs ? "GFLOP/s" : name + " " + unit;
        if (name.contains("byte") || name.contains("gb")) return perNs ? "GB/s" : name + " " + unit;
        if (name.contains("elem")) return perNs ? "elem/ns" : name + " " + unit;
        return name;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
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
