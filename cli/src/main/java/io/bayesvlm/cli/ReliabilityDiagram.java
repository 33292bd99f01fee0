package io.bayesvlm.cli;

import io.bayesvlm.core.metrics.Calibration;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Reliability diagrams (accuracy vs confidence per bin, with the gap and a count histogram) as one PNG. */
final class ReliabilityDiagram {

    private static final int PANEL = 360;
    private static final int MARGIN = 56;
    private static final int HIST = 70;
    private static final Color ACC = new Color(0x3b6fb6);
    private static final Color GAP = new Color(220, 60, 60, 110);

    private ReliabilityDiagram() {}

    /** A panel per report, side by side. */
    static void write(Path file, String title, List<String> names, List<Calibration.Report> reports)
            throws IOException {
        int w = names.size() * (PANEL + MARGIN) + MARGIN;
        int h = PANEL + HIST + 3 * MARGIN;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, MARGIN, 28);
        for (int i = 0; i < names.size(); i++) {
            panel(g, MARGIN + i * (PANEL + MARGIN), MARGIN + 10, names.get(i), reports.get(i));
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void panel(Graphics2D g, int x0, int y0, String name, Calibration.Report r) {
        List<Calibration.Bin> bins = r.bins();
        int n = bins.size();
        double bw = (double) PANEL / n;
        // axes box and diagonal
        g.setColor(new Color(245, 245, 245));
        g.fillRect(x0, y0, PANEL, PANEL);
        for (int b = 0; b < n; b++) {
            Calibration.Bin bin = bins.get(b);
            if (bin.count() == 0) {
                continue;
            }
            int left = x0 + (int) Math.round(b * bw);
            int width = (int) Math.round((b + 1) * bw) - (int) Math.round(b * bw) - 1;
            int accTop = y0 + PANEL - (int) Math.round(bin.accuracy() * PANEL);
            int confTop = y0 + PANEL - (int) Math.round(bin.confidence() * PANEL);
            g.setColor(ACC);
            g.fillRect(left, accTop, width, y0 + PANEL - accTop);
            g.setColor(GAP);
            g.fillRect(left, Math.min(accTop, confTop), width, Math.abs(accTop - confTop));
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(x0, y0 + PANEL, x0 + PANEL, y0);
        g.setStroke(new BasicStroke(1));
        g.setColor(Color.BLACK);
        g.drawRect(x0, y0, PANEL, PANEL);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(name, x0, y0 - 8);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(String.format("ECE %.4f   acc %.3f   NLL %.3f", r.ece(), r.accuracy(), r.nll()), x0 + 8, y0 + 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int t = 0; t <= 4; t++) {
            double v = t / 4.0;
            g.drawString(String.format("%.2f", v), x0 - 30, y0 + PANEL - (int) (v * PANEL) + 4);
            g.drawString(String.format("%.2f", v), x0 + (int) (v * PANEL) - 12, y0 + PANEL + 14);
        }
        java.awt.geom.AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2, x0 - 36, y0 + PANEL / 2.0 + 24);
        g.drawString("accuracy", x0 - 36, y0 + PANEL / 2 + 24);
        g.setTransform(saved);
        g.drawString("confidence", x0 + PANEL / 2 - 28, y0 + PANEL + 28);

        // count histogram under the panel
        int hy = y0 + PANEL + 36;
        long max = 1;
        for (Calibration.Bin bin : bins) {
            max = Math.max(max, bin.count());
        }
        g.setColor(Color.GRAY);
        for (int b = 0; b < n; b++) {
            int height = (int) Math.round((double) bins.get(b).count() / max * HIST);
            int left = x0 + (int) Math.round(b * bw);
            int width = (int) Math.round((b + 1) * bw) - (int) Math.round(b * bw) - 1;
            g.fillRect(left, hy + HIST - height, width, height);
        }
        g.setColor(Color.BLACK);
        g.drawString("items per bin (max " + max + ")", x0, hy + HIST + 14);
    }
}
