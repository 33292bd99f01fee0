package io.bayesvlm.flink.records;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.serde.AvroCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What the label join keeps per event id, as one compact byte array: a waiting decision (only what the join and the
 * calibration reports need, probabilities as raw doubles, no class ids), a waiting label, or the marker of an event
 * already joined; each with the expiry time of its timer. One array per key keeps the heap state within a few dozen
 * bytes of what a checkpoint writes (a live Avro Decision with boxed doubles was about four times its checkpoint);
 * the class ids of each model are kept once per operator ({@code JoinLabels}).
 */
public final class JoinSlot {
    public static final byte DECISION = 1;
    public static final byte LABEL = 2;
    public static final byte JOINED = 3;

    private JoinSlot() {}

    public static byte tag(byte[] slot) {
        return slot[0];
    }

    public static long expiry(byte[] slot) {
        return getLong(slot, 1);
    }

    public static byte[] joined(long expiry) {
        return write(JOINED, expiry, out -> {});
    }

    /**
     * An event already joined that keeps its decision (a {@link #decision} slot) and the time of the label it was
     * joined with until {@code keepUntil}, so that a correction of that label (LabelEvent.supersedes) can be joined
     * too; then it shrinks to the plain marker ({@link #joined(long)}).
     */
    public static byte[] joined(byte[] decisionSlot, long labelTime, long keepUntil) {
        if (decisionSlot[0] != DECISION) {
            throw new IllegalStateException("join slot holds tag " + decisionSlot[0] + ", not " + DECISION);
        }
        byte[] out = new byte[decisionSlot.length + 16];
        System.arraycopy(decisionSlot, 0, out, 0, 9);
        out[0] = JOINED;
        putLong(out, 9, labelTime);
        putLong(out, 17, keepUntil);
        System.arraycopy(decisionSlot, 9, out, 25, decisionSlot.length - 9);
        return out;
    }

    /** Whether a joined slot still keeps its decision (the plain marker does not). */
    public static boolean keepsDecision(byte[] slot) {
        return slot[0] == JOINED && slot.length > 25;
    }

    /** The time of the label a joined slot counts. */
    public static long joinedLabelTime(byte[] slot) {
        return getLong(slot, 9);
    }

    /** Until when a joined slot keeps its decision. */
    public static long keptUntil(byte[] slot) {
        return getLong(slot, 17);
    }

    /** The decision slot a joined slot kept (what {@link #decision(byte[], String)} reads), with its expiry. */
    public static byte[] joinedDecisionSlot(byte[] slot) {
        byte[] decision = new byte[slot.length - 16];
        System.arraycopy(slot, 0, decision, 0, 9);
        decision[0] = DECISION;
        System.arraycopy(slot, 25, decision, 9, slot.length - 25);
        return decision;
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = at; i < at + 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** A decision waiting for its label. */
    public static byte[] decision(Decision d, long expiry) {
        return write(DECISION, expiry, out -> {
            out.writeLong(d.getEventTime().toEpochMilli());
            out.writeUTF(d.getModelName());
            out.writeUTF(d.getModelVersion());
            out.writeByte(d.getRouting().ordinal());
            out.writeDouble(d.getLabelPropensity() == null ? Double.NaN : d.getLabelPropensity());
            out.writeUTF(d.getRoutingScore());
            out.writeDouble(d.getRoutingValue());
            boolean recalibrated = d.getCalibrationVersion() != null
                    && d.getRecalibratedProbs() != null
                    && d.getRecalibratedMapProbs() != null;
            out.writeLong(recalibrated ? d.getCalibrationVersion() : -1);
            writeDoubles(out, d.getProbs());
            writeDoubles(out, d.getMapProbs());
            if (recalibrated) {
                writeDoubles(out, d.getRecalibratedProbs());
                writeDoubles(out, d.getRecalibratedMapProbs());
            }
        });
    }

    /** The waiting decision as a labelled pair without its label (label -1, labelSource null). */
    public static LabelledDecision decision(byte[] slot, String eventId) {
        return read(slot, DECISION, in -> {
            LabelledDecision ld = new LabelledDecision();
            ld.eventId = eventId;
            ld.eventTime = in.readLong();
            ld.modelName = in.readUTF();
            ld.modelVersion = in.readUTF();
            ld.routing = io.bayesvlm.avro.Routing.values()[in.readByte()].name();
            ld.labelPropensity = in.readDouble();
            ld.routingScore = in.readUTF();
            ld.routingValue = in.readDouble();
            ld.calibrationVersion = in.readLong();
            ld.probs = readDoubles(in);
            ld.mapProbs = readDoubles(in);
            if (ld.calibrationVersion >= 0) {
                ld.recalibratedProbs = readDoubles(in);
                ld.recalibratedMapProbs = readDoubles(in);
            }
            ld.label = -1;
            return ld;
        });
    }

    /** A label waiting for its decision, with where it was read. */
    public static byte[] label(ReceivedLabel l, long expiry) {
        return write(LABEL, expiry, out -> {
            out.writeUTF(l.topic == null ? "" : l.topic);
            out.writeInt(l.partition);
            out.writeLong(l.offset);
            byte[] avro = new AvroCodec<>(LabelEvent.class).encode(l.event); // rare: labels mostly come after
            out.writeInt(avro.length);
            out.write(avro);
        });
    }

    public static ReceivedLabel label(byte[] slot) {
        return read(slot, LABEL, in -> {
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            byte[] avro = new byte[in.readInt()];
            in.readFully(avro);
            return new ReceivedLabel(new AvroCodec<>(LabelEvent.class).decode(avro), topic, partition, offset);
        });
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(byte tag, long expiry, Writer body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(tag);
            out.writeLong(expiry);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] slot, byte tag, Reader<T> body) {
        if (slot[0] != tag) {
            throw new IllegalStateException("join slot holds tag " + slot[0] + ", not " + tag);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(slot, 9, slot.length - 9));
            return body.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeDoubles(DataOutputStream out, List<Double> values) throws IOException {
        out.writeInt(values.size());
        for (Double v : values) {
            out.writeDouble(v);
        }
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }
}
