package io.bayesvlm.core.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The label-free drift check over a sequence of windows: the first {@code windows} windows with at least
 * {@code minItems} items form the reference; every later one is compared with it statistic by statistic
 * ({@link DriftBand#z}, random effects) and warns when some watched statistic's |z| exceeds the threshold. A
 * warning ends the reference: the next {@code windows} windows form a new one. So after a shift the check compares
 * with the new distribution, the one a new certificate is earned on, instead of warning on every window forever; a
 * second shift during those windows is seen only once the new reference is complete.
 *
 * <p>A window is its accumulator {@code [n, Σx_0, Σx_0², Σx_1, Σx_1², …]}; the reference is the accumulators of its
 * windows one after another ({@link #state()}), so a job checkpoints it as one array.
 */
public final class DriftReference {

    /** The comparison of one window: z per statistic (NaN where not compared), and the warning's reason. */
    public record Check(double[] z, boolean warning, String reason, boolean referenceComplete, int referenceWindows) {}

    private final int windows;
    private final double zThreshold;
    private final long minItems;
    private final String[] names;
    private final boolean[] watched;
    private double[] reference = new double[0];

    /**
     * @param names the statistics' names, in accumulator order
     * @param watched which statistics may warn (others are reported only)
     */
    public DriftReference(int windows, double zThreshold, long minItems, String[] names, boolean[] watched) {
        if (windows < 2) {
            throw new IllegalArgumentException("the reference needs at least 2 windows, got " + windows);
        }
        this.windows = windows;
        this.zThreshold = zThreshold;
        this.minItems = minItems;
        this.names = names.clone();
        this.watched = watched.clone();
    }

    private int size() {
        return 1 + 2 * names.length;
    }

    /** Windows in the current reference. */
    public int referenceWindows() {
        return reference.length / size();
    }

    /** Compares one window (and adds it to the reference while that is being collected). */
    public Check check(double[] window) {
        int size = size();
        double[] z = new double[names.length];
        Arrays.fill(z, Double.NaN);
        if (window[0] < minItems) {
            return new Check(z, false, "", referenceWindows() >= windows, referenceWindows());
        }
        if (referenceWindows() < windows) {
            reference = Arrays.copyOf(reference, reference.length + size);
            System.arraycopy(window, 0, reference, reference.length - size, size);
            return new Check(z, false, "", false, referenceWindows());
        }
        List<String> moved = new ArrayList<>();
        for (int k = 0; k < names.length; k++) {
            List<DriftBand.Moments> ref = new ArrayList<>(windows);
            for (int i = 0; i < referenceWindows(); i++) {
                ref.add(moments(Arrays.copyOfRange(reference, i * size, (i + 1) * size), k));
            }
            z[k] = DriftBand.z(moments(window, k), ref);
            if (watched[k] && Math.abs(z[k]) > zThreshold) {
                moved.add(String.format(Locale.ROOT, "%s %s (z = %.1f)", names[k], z[k] > 0 ? "up" : "down", z[k]));
            }
        }
        int compared = referenceWindows();
        if (!moved.isEmpty()) {
            reference = new double[0]; // the next windows form the reference of what comes now
        }
        return new Check(z, !moved.isEmpty(), String.join(", ", moved), true, compared);
    }

    /** The reference windows pooled into one accumulator. */
    public double[] pooled() {
        int size = size();
        double[] p = new double[size];
        for (int i = 0; i < referenceWindows(); i++) {
            for (int j = 0; j < size; j++) {
                p[j] += reference[i * size + j];
            }
        }
        return p;
    }

    /** The moments of statistic {@code k} in an accumulator. */
    public static DriftBand.Moments moments(double[] acc, int k) {
        return new DriftBand.Moments((long) acc[0], acc[1 + 2 * k], acc[2 + 2 * k]);
    }

    /** The reference windows' accumulators, one after another. */
    public double[] state() {
        return reference.clone();
    }

    public void restore(double[] state) {
        if (state.length % size() != 0) {
            throw new IllegalArgumentException(
                    "reference state of " + state.length + " values, not windows of " + size());
        }
        reference = state.clone();
    }
}
