package dev.quiver.benchmarks.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;

/**
 * Benchmark charts drawn with JFreeChart: one line per implementation against the problem size on
 * a log axis, each line with its own colour and marker (no two series alike for up to
 * {@link #PALETTE}.length x {@link #MARKERS}.length lines), the legend outside the plot on the
 * right, written as PNG and SVG (JFreeSVG).
 */
final class Charts {
    /** Colour-blind-safe, mutually distinct (Okabe-Ito, then Tol's bright). */
    static final Color[] PALETTE = {new Color(0xD55E00), new Color(0x0072B2), new Color(0x009E73), new Color(0xCC79A7),
            new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xAA3377), new Color(0x228833),
            new Color(0x666666)};
    static final Shape[] MARKERS = markers();
    static final int WIDTH = 900, HEIGHT = 450;

    private Charts() {}

    /** A line chart: x on a log axis, one series per entry of {@code lines} (x -> y). */
    static JFreeChart lines(String title, String xName, String yName, Map<String, ? extends SortedMap<Double, Double>> lines,
                            boolean logX) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (var line : lines.entrySet()) {
            XYSeries s = new XYSeries(line.getKey(), true, false);
            line.getValue().forEach(s::add);
            data.addSeries(s);
        }
        NumberAxis y = new NumberAxis(yName);
        y.setAutoRangeIncludesZero(true);
        NumberAxis linearX = new NumberAxis(xName);
        linearX.setAutoRangeIncludesZero(false);
        LogAxis log = new LogAxis(xName);
        log.setBase(2);
        log.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        log.setSmallestValue(1e-9);
        log.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.###"));   // 16, 64, 1,024: sizes, not 2^k
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < lines.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesShape(i, MARKERS[(i + i / PALETTE.length) % MARKERS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, logX ? log : linearX, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        LegendTitle legend = new LegendTitle(plot);
        legend.setPosition(RectangleEdge.RIGHT);   // outside the plot: never over a line
        legend.setFrame(BlockBorder.NONE);
        chart.addLegend(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Writes {@code base}.png and {@code base}.svg; returns the two files. */
    static Path[] write(JFreeChart chart, Path dir, String base) throws IOException {
        Path png = dir.resolve(base + ".png"), svg = dir.resolve(base + ".svg");
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        Files.writeString(svg, g.getSVGDocument());
        return new Path[] {png, svg};
    }

    private static Shape[] markers() {
        double r = 4;
        Path2D triangle = new Path2D.Double();
        triangle.moveTo(0, -r); triangle.lineTo(r, r); triangle.lineTo(-r, r); triangle.closePath();
        Path2D down = new Path2D.Double();
        down.moveTo(0, r); down.lineTo(r, -r); down.lineTo(-r, -r); down.closePath();
        Path2D diamond = new Path2D.Double();
        diamond.moveTo(0, -r); diamond.lineTo(r, 0); diamond.lineTo(0, r); diamond.lineTo(-r, 0); diamond.closePath();
        Path2D cross = new Path2D.Double();
        double t = r / 3;
        cross.moveTo(-t, -r); cross.lineTo(t, -r); cross.lineTo(t, -t); cross.lineTo(r, -t); cross.lineTo(r, t); cross.lineTo(t, t);
        cross.lineTo(t, r); cross.lineTo(-t, r); cross.lineTo(-t, t); cross.lineTo(-r, t); cross.lineTo(-r, -t); cross.lineTo(-t, -t);
        cross.closePath();
        return new Shape[] {new Ellipse2D.Double(-r, -r, 2 * r, 2 * r), new Rectangle2D.Double(-r, -r, 2 * r, 2 * r), triangle, diamond,
                down, cross};
    }
}
