package io.bayesvlm.core.risk;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The certified threshold of risk-controlled routing over a whole stream: which confidence is safe to decide
 * automatically, from the design labels, withdrawn on drift. What the job's certifying operator holds per model;
 * the seeded simulation of the tests drives exactly this class.
 *
 * <p><b>Input.</b> The design sample: every item whose keyed audit draw is below the audit fraction, audited when
 * confident and reviewed otherwise, so that it is a uniform random sample of the stream whatever the routing did
 * ({@link #decided} when it is routed, {@link #labelled} when its label comes back). An item whose label has not
 * come back {@code labelWait} after it was decided (skipped, lost, out of the taxonomy, later than that) counts as
 * <em>wrong</em>: worst-case imputation, so missing labels can only make the certificate stricter.
 *
 * <p><b>Order.</b> Labels are used in the order the items were decided, never in the order they came back: an item
 * is used once it and every item decided before it have a label or have waited {@code labelWait}. Reviewers that
 * answer easy items faster would otherwise feed the test the right answers first.
 *
 * <p><b>Epochs.</b> An epoch starts at the job's start and at every withdrawal. Its first {@value #GRID_ITEMS}
 * items give, from their confidences only (their labels are not used), the fixed grid of candidate thresholds: the
 * confidences of those items. Every later item of the epoch is tested ({@link BettingCertificate}): three fixed
 * sequences, from the grid points with 5, 15 and 30 of the 50 grid items at or above them (the top 10%, 30%, 60% of
 * the stream), each at δ/3, down to the lowest point; the certified threshold is the most permissive of the three.
 * A fixed sequence must certify its first point before any other, so one start alone is either slow (a strict one:
 * few labels above it) or stuck (a lenient one whose risk is above α); three starts cost a factor ln(3/δ)/ln(1/δ)
 * (1.37 at δ = 5%) in labels. So the risk among automatic decisions is below α at every time of the epoch at once with
 * probability at least 1 − δ, as long as the stream is stationary.
 *
 * <p><b>Withdrawal.</b> The threshold is withdrawn, and everything reviewed, when the label-free check warns
 * ({@link #withdraw}, items decided before the warning's window ended are not used again) and when the
 * {@link ChangeDetector} on the labels of items at or above the certified threshold (the automatic side: audits, and
 * the reviewed items of the sample that would now be decided automatically) alarms.
 * The next epoch starts from items decided after that.
 *
 * <p>Time ({@code now}) is the caller's clock (the job: processing time). Not thread-safe.
 */
public final class CertifiedAutomation {

    /** Items at the start of each epoch whose confidences make the grid. */
    public static final int GRID_ITEMS = 50;

    /** Where the fixed sequences start: the grid point with this many of the grid items at or above it. */
    static final int[] STARTS = {5, 15, 30};

    /** Where the certification stands. */
    public enum State {
        /** Collecting the grid's items: everything reviewed. */
        GRID,
        /** Testing the grid: everything reviewed until a point is certified. */
        TESTING,
        /** A threshold is certified. */
        CERTIFIED
    }

    /**
     * What the certification says after a change.
     *
     * @param epoch the epoch number (0 at the start, +1 per withdrawal)
     * @param state where it stands
     * @param threshold the certified confidence threshold (decide automatically at or above it); +∞: none
     * @param since items decided at or after this time count in this epoch
     * @param tested labels (of the epoch, after the grid) the tests have used
     * @param errors of those, wrong ones (imputed ones included)
     * @param imputed of those, labels that never came back, counted as wrong
     * @param reason why the epoch started ("start", the drift warning, the change detector's alarm)
     */
    public record Status(
            long epoch,
            State state,
            double threshold,
            long since,
            long tested,
            long errors,
            long imputed,
            String reason) {
        /** The share of the epoch's tested items whose label came back. */
        public double completeness() {
            return tested == 0 ? 1 : 1 - (double) imputed / tested;
        }
    }

    private final double alpha;
    private final double delta;
    private final double averageRunLength;
    private final long labelWait;

    /** Design-sample items awaiting use, in the order they were decided. */
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
    /** Labels that came before their decision: id → [wrong ? 1 : 0, time received]. */
    private final LinkedHashMap<String, long[]> early = new LinkedHashMap<>();

    /** Status changes not yet returned by {@link #advance}. */
    private final List<Status> changes = new ArrayList<>();

    private long latestDecided = Long.MIN_VALUE;
    private long epoch;
    private long since = Long.MIN_VALUE;
    private String reason = "start";
    private double[] gridItems = new double[0];
    /** One fixed sequence per start, each at δ / STARTS.length; null while the grid is being collected. */
    private BettingCertificate[] tests;

    private ChangeDetector detector;
    private long tested;
    private long errors;
    private long imputed;

    private static final class Pending {
        final long eventTime;
        final double confidence;
        final long deadline;
        /** 0: no label yet, 1: right, 2: wrong. */
        byte outcome;

        Pending(long eventTime, double confidence, long deadline, byte outcome) {
            this.eventTime = eventTime;
            this.confidence = confidence;
            this.deadline = deadline;
            this.outcome = outcome;
        }
    }

    /**
     * @param alpha the error rate among automatic decisions to guarantee
     * @param delta the probability that the guarantee fails at any time of an epoch
     * @param averageRunLength the change detector's alarm level (mean labels between false alarms)
     * @param labelWait how long a design item waits for its label before it counts as wrong (the caller's units)
     */
    public CertifiedAutomation(double alpha, double delta, double averageRunLength, long labelWait) {
        if (!(alpha > 0 && alpha < 1) || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("alpha and delta must be in (0, 1), got " + alpha + ", " + delta);
        }
        if (labelWait <= 0) {
            throw new IllegalArgumentException("the label wait must be positive, got " + labelWait);
        }
        this.alpha = alpha;
        this.delta = delta;
        this.averageRunLength = averageRunLength;
        this.labelWait = labelWait;
        this.detector = new ChangeDetector(alpha, averageRunLength);
    }

    /** A design-sample item was routed: its decision time and the confidence it was routed with. */
    public void decided(String id, long eventTime, double confidence, long now) {
        if (pending.containsKey(id) || !Double.isFinite(confidence)) {
            return;
        }
        latestDecided = Math.max(latestDecided, eventTime);
        long[] label = early.remove(id);
        byte outcome = label == null ? 0 : (byte) (label[0] == 1 ? 2 : 1);
        pending.put(id, new Pending(eventTime, confidence, now + labelWait, outcome));
    }

    /** A design-sample item's label came back (the first one counts). */
    public void labelled(String id, boolean wrong, long now) {
        Pending p = pending.get(id);
        if (p == null) {
            early.putIfAbsent(id, new long[] {wrong ? 1 : 0, now});
        } else if (p.outcome == 0) {
            p.outcome = (byte) (wrong ? 2 : 1);
            monitor(p, wrong);
        }
    }

    /**
     * The change detector sees labels as they come back (and missing ones at the end of their wait), not in
     * decision order: a concept drift is caught without waiting for the slowest label. Under a stationary stream
     * the outcomes still arrive as independent draws with the stream's error rate (each decided item contributes
     * once, at a delay drawn independently of the others), which is all its false-alarm bound needs.
     */
    private void monitor(Pending p, boolean wrong) {
        double t = threshold();
        if (p.eventTime >= since && p.confidence >= t && detector.observe(wrong)) {
            withdraw(
                    latestDecided + 1,
                    String.format(
                            Locale.ROOT,
                            "change detector: the error rate among audited automatic decisions rose above %.3g",
                            alpha));
            changes.add(status());
        }
    }

    /**
     * Withdraws the certificate and starts a new epoch from items decided at or after {@code from}.
     *
     * @return whether anything changed (a later epoch boundary is kept)
     */
    public boolean withdraw(long from, String why) {
        if (from <= since) {
            return false;
        }
        epoch++;
        since = Math.max(since, from);
        reason = why;
        gridItems = new double[0];
        tests = null;
        detector = new ChangeDetector(alpha, averageRunLength);
        tested = 0;
        errors = 0;
        imputed = 0;
        return true;
    }

    /**
     * Uses every item at the head of the decision order whose label came back or whose wait is over.
     *
     * @return the status after each change of the threshold or the epoch, in order (empty when none)
     */
    public List<Status> advance(long now) {
        for (Iterator<long[]> it = early.values().iterator(); it.hasNext(); ) {
            if (it.next()[1] + labelWait > now) {
                break;
            }
            it.remove(); // a label for an item never decided here (or already counted as missing)
        }
        Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Pending p = it.next().getValue();
            if (p.outcome == 0 && p.deadline > now) {
                break;
            }
            it.remove();
            if (p.eventTime < since) {
                continue;
            }
            if (p.outcome == 0) {
                monitor(p, true);
                if (p.eventTime < since) {
                    continue; // the detector just withdrew the epoch this item belonged to
                }
            }
            use(p);
        }
        List<Status> out = List.copyOf(changes);
        changes.clear();
        return out;
    }

    private void use(Pending p) {
        if (tests == null) {
            gridItems = Arrays.copyOf(gridItems, gridItems.length + 1);
            gridItems[gridItems.length - 1] = p.confidence;
            if (gridItems.length == GRID_ITEMS) {
                startTests();
                changes.add(status());
            }
            return;
        }
        boolean wrong = p.outcome != 1;
        double before = threshold();
        tested++;
        if (wrong) {
            errors++;
        }
        if (p.outcome == 0) {
            imputed++;
        }
        for (BettingCertificate t : tests) {
            t.observe(p.confidence, wrong);
        }
        if (threshold() != before) {
            changes.add(status());
        }
    }

    /** The grid from the grid items' confidences, and the fixed sequences over it (δ / STARTS.length each). */
    private void startTests() {
        double[] sorted = gridItems.clone();
        Arrays.sort(sorted); // ascending: the k-th from the top is sorted[n − k]
        tests = new BettingCertificate[STARTS.length];
        for (int i = 0; i < STARTS.length; i++) {
            tests[i] = new BettingCertificate(
                    Arrays.copyOfRange(sorted, 0, GRID_ITEMS - STARTS[i] + 1), alpha, delta / STARTS.length);
        }
    }

    /** The certified confidence threshold: decide automatically at or above it; +∞ while none is. */
    public double threshold() {
        double t = Double.POSITIVE_INFINITY;
        if (tests != null) {
            for (BettingCertificate c : tests) {
                t = Math.min(t, c.threshold());
            }
        }
        return t;
    }

    public Status status() {
        State state = tests == null ? State.GRID : Double.isInfinite(threshold()) ? State.TESTING : State.CERTIFIED;
        return new Status(epoch, state, threshold(), since, tested, errors, imputed, reason);
    }

    /** Items awaiting their label or their turn. */
    public int pendingItems() {
        return pending.size();
    }

    /** Whether this certification was made with these settings (a restored one with others starts over). */
    public boolean hasSettings(double alpha, double delta, double averageRunLength, long labelWait) {
        return this.alpha == alpha
                && this.delta == delta
                && this.averageRunLength == averageRunLength
                && this.labelWait == labelWait;
    }

    /** Writes the settings and the whole state (the job checkpoints it per model). */
    public void write(DataOutput out) throws IOException {
        out.writeInt(1); // format version
        out.writeDouble(alpha);
        out.writeDouble(delta);
        out.writeDouble(averageRunLength);
        out.writeLong(labelWait);
        out.writeLong(epoch);
        out.writeLong(since);
        out.writeLong(latestDecided);
        out.writeUTF(reason);
        out.writeLong(tested);
        out.writeLong(errors);
        out.writeLong(imputed);
        writeDoubles(out, gridItems);
        out.writeBoolean(tests != null);
        if (tests != null) {
            for (BettingCertificate t : tests) {
                writeLongs(out, t.state());
            }
        }
        writeDoubles(out, detector.state());
        out.writeInt(pending.size());
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue().eventTime);
            out.writeDouble(e.getValue().confidence);
            out.writeLong(e.getValue().deadline);
            out.writeByte(e.getValue().outcome);
        }
        out.writeInt(early.size());
        for (Map.Entry<String, long[]> e : early.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
        }
    }

    /** Reads what {@link #write} wrote. */
    public static CertifiedAutomation read(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != 1) {
            throw new IOException("unknown certification state format " + version);
        }
        CertifiedAutomation c =
                new CertifiedAutomation(in.readDouble(), in.readDouble(), in.readDouble(), in.readLong());
        c.readState(in);
        return c;
    }

    /** A deep copy. */
    public CertifiedAutomation copy() {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            write(new java.io.DataOutputStream(bytes));
            return read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void readState(DataInput in) throws IOException {
        epoch = in.readLong();
        since = in.readLong();
        latestDecided = in.readLong();
        reason = in.readUTF();
        tested = in.readLong();
        errors = in.readLong();
        imputed = in.readLong();
        gridItems = readDoubles(in);
        if (in.readBoolean()) {
            startTests();
            for (BettingCertificate t : tests) {
                t.restore(readLongs(in));
            }
        } else {
            tests = null;
        }
        detector.restore(readDoubles(in));
        pending.clear();
        for (int i = in.readInt(); i > 0; i--) {
            String id = in.readUTF();
            pending.put(id, new Pending(in.readLong(), in.readDouble(), in.readLong(), in.readByte()));
        }
        early.clear();
        for (int i = in.readInt(); i > 0; i--) {
            String id = in.readUTF();
            early.put(id, new long[] {in.readLong(), in.readLong()});
        }
    }

    private static void writeDoubles(DataOutput out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double x : v) {
            out.writeDouble(x);
        }
    }

    private static double[] readDoubles(DataInput in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }

    private static void writeLongs(DataOutput out, long[] v) throws IOException {
        out.writeInt(v.length);
        for (long x : v) {
            out.writeLong(x);
        }
    }

    private static long[] readLongs(DataInput in) throws IOException {
        long[] v = new long[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readLong();
        }
        return v;
    }
}
