package dev.quiver.examples;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The examples' {@code --plot FILE}: loss (top) and accuracies (bottom, percent) against wall time
 * in seconds since training started, drawn with JFreeChart; {@code .svg} files as SVG (JFreeSVG),
 * anything else as PNG. Points are recorded as training goes ({@link #loss}, {@link #accuracy}) and
 * the chart is written once at the end ({@link #write}). JFreeChart is an optional dependency of
 * the examples module: this class is loaded only when {@code --plot} is given (callers go through
 * {@link Plots#open}, which touches it only then).
 */
public final class TrainingPlot {
    private static final Color[] COLORS = {new Color(0xD55E00), new Color(0x0072B2), new Color(0x009E73), new Color(0xCC79A7)};
    private final String title;
    private final XYSeries loss;
    private final Map<String, XYSeries> accuracies = new LinkedHashMap<>();

    /** Collects points along the running mean of a window of steps ({@link #lossWindow}). */
    private double windowSum;
    private long windowCount, windowSteps;

    /**
     * Adds {@code sum} over {@code count} terms (a step's loss) to the current window; every
     * {@code every} steps the window's mean becomes a loss point at {@code seconds}.
     */
    public void lossWindow(double seconds, double sum, long count, int every) {
        windowSum += sum;
        windowCount += count;
        if (++windowSteps % Math.max(1, every) == 0 && windowCount > 0) {
            loss(seconds, windowSum / windowCount);
            windowSum = 0;
            windowCount = 0;
        }
    }

    public TrainingPlot(String title, String lossName) {
        this.title = title;
        this.loss = new XYSeries(lossName, false, true);
    }

    /** A loss point at {@code seconds} since the start. */
    public void loss(double seconds, double value) {
        loss.add(seconds, value);
    }

    /** An accuracy point (a fraction, drawn in percent) of the series {@code name}; NaN is skipped. */
    public void accuracy(String name, double seconds, double fraction) {
        if (Double.isNaN(fraction)) return;
        accuracies.computeIfAbsent(name, n -> new XYSeries(n, false, true)).add(seconds, 100 * fraction);
    }

    /** The recorded points, for tests: "loss" and each accuracy series, as (seconds, value) pairs. */
    public Map<String, List<double[]>> points() {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        List<XYSeries> all = new ArrayList<>(List.of(loss));
        all.addAll(accuracies.values());
        for (XYSeries s : all) {
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < s.getItemCount(); i++) pts.add(new double[] {s.getX(i).doubleValue(), s.getY(i).doubleValue()});
            out.put(s == loss ? "loss" : (String) s.getKey(), pts);
        }
        return out;
    }

    /** Writes the chart to {@code file} (SVG if its name ends in .svg, else PNG), 900 x 560 pixels. */
    public void write(Path file) throws IOException {
        NumberAxis time = new NumberAxis("seconds since training started");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.setGap(12);
        plot.add(subplot(new XYSeriesCollection(loss), "loss", 0, false), 1);
        XYSeriesCollection acc = new XYSeriesCollection();
        accuracies.values().forEach(acc::addSeries);
        if (acc.getSeriesCount() > 0) plot.add(subplot(acc, "accuracy (%)", 1, true), 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        LegendTitle legend = new LegendTitle(plot);
        legend.setPosition(RectangleEdge.RIGHT);
        chart.addLegend(legend);
        chart.setBackgroundPaint(Color.WHITE);
        int w = 900, h = 560;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
            SVGGraphics2D g = new SVGGraphics2D(w, h);
            chart.draw(g, new Rectangle(0, 0, w, h));
            Files.writeString(file, g.getSVGDocument());
        } else {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, w, h);
        }
    }

    private static XYPlot subplot(XYSeriesCollection data, String name, int firstColor, boolean percent) {
        NumberAxis y = new NumberAxis(name);
        y.setAutoRangeIncludesZero(percent);
        if (percent) y.setRange(0, 100.5);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, data.getItemCount(0) <= 60);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, COLORS[(firstColor + i) % COLORS.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot p = new XYPlot(data, null, y, r);
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(new Color(0xDDDDDD));
        p.setRangeGridlinePaint(new Color(0xDDDDDD));
        return p;
    }
}
