package io.bayesvlm.flink.bench;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import io.bayesvlm.flink.operators.JoinLabels;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.ReceivedLabel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.openjdk.jol.info.GraphLayout;

/**
 * What one decision waiting for its label costs the label join, on the heap state backend (Flink's default): heap
 * bytes (the object graph of the operator with its keyed state and timers, measured with JOL: the growth from n to
 * 2n waiting decisions, divided by n) and checkpoint bytes (the keyed state snapshot's growth, likewise), including
 * the key, the timer and, once joined, the marker that recognises duplicate labels. Event ids are UUIDs; K classes.
 * {@code main} prints the table of docs/performance figures; {@code JoinStateSizeTest} holds the bound.
 */
public final class JoinStateSize {
    private JoinStateSize() {}

    /** Bytes per waiting decision (and per joined marker) on the heap and in a checkpoint. */
    public record Figures(
            int classes,
            double heapPerDecision,
            double checkpointPerDecision,
            double heapPerMarker,
            double checkpointPerMarker) {
        public double ratio() {
            return heapPerDecision / checkpointPerDecision;
        }
    }

    public static Figures measure(int classes, int n) throws Exception {
        // Timer services hold lambdas (hidden classes), whose field offsets JOL reads this way.
        System.setProperty("jol.magicFieldOffset", "true");
        Random random = new Random(classes);
        List<String> classIds = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            classIds.add("class-" + k);
        }
        try (KeyedTwoInputStreamOperatorTestHarness<String, Decision, ReceivedLabel, LabelledDecision> h =
                ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                        new JoinLabels(Duration.ofHours(1)),
                        Decision::getEventId,
                        ReceivedLabel::eventId,
                        Types.STRING)) {
            // Snapshots are measured in memory: allow more than the default 5 MB.
            h.setCheckpointStorage(new org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage(512 << 20));
            h.setProcessingTime(0);
            List<String> ids = new ArrayList<>();
            long[] heap = new long[3];
            long[] checkpoint = new long[3];
            for (int round = 0; round < 3; round++) {
                if (round < 2) {
                    for (int i = 0; i < n; i++) {
                        String id = UUID.nameUUIDFromBytes(("event-" + ids.size()).getBytes())
                                .toString();
                        ids.add(id);
                        h.processElement1(new StreamRecord<>(decision(id, classIds, random), 0));
                    }
                } else {
                    // Label the second n: each becomes a joined marker until its timer fires.
                    for (String id : ids.subList(n, 2 * n)) {
                        h.processElement2(new StreamRecord<>(
                                new ReceivedLabel(
                                        io.bayesvlm.avro.LabelEvent.newBuilder()
                                                .setEventId(id)
                                                .setLabel(classIds.get(0))
                                                .setLabelSource(io.bayesvlm.avro.LabelSource.AUDIT)
                                                .setLabelTime(Instant.ofEpochMilli(0))
                                                .build(),
                                        "labels",
                                        0,
                                        0),
                                0));
                    }
                    h.getOutput().clear(); // the emitted pairs are the harness's, not the join's
                }
                heap[round] = GraphLayout.parseInstance(h.getOperator()).totalSize();
                checkpoint[round] = keyedBytes(h.snapshot(round + 1, round + 1));
            }
            double heapPer = (heap[1] - heap[0]) / (double) n;
            double checkpointPer = (checkpoint[1] - checkpoint[0]) / (double) n;
            // From a waiting decision to a joined marker: what a marker costs.
            double heapMarker = heapPer + (heap[2] - heap[1]) / (double) n;
            double checkpointMarker = checkpointPer + (checkpoint[2] - checkpoint[1]) / (double) n;
            return new Figures(classes, heapPer, checkpointPer, heapMarker, checkpointMarker);
        }
    }

    static long keyedBytes(OperatorSubtaskState s) {
        long total = 0;
        for (KeyedStateHandle k : s.getManagedKeyedState()) {
            total += k.getStateSize();
        }
        return total;
    }

    static Decision decision(String id, List<String> classes, Random random) {
        int k = classes.size();
        List<Double> probs = new ArrayList<>(Collections.nCopies(k, 0.0));
        List<Double> map = new ArrayList<>(Collections.nCopies(k, 0.0));
        for (int i = 0; i < k; i++) {
            probs.set(i, random.nextDouble());
            map.set(i, random.nextDouble());
        }
        // Its own copies of the class ids and names, as a decision deserialised from the network has.
        List<String> ownClasses =
                classes.stream().map(c -> new String(c.toCharArray())).toList();
        return Decision.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.now())
                .setSource("bench")
                .setModelName(new String("model".toCharArray()))
                .setModelVersion(new String("1".toCharArray()))
                .setClasses(ownClasses)
                .setPredictedClass(classes.get(0))
                .setProbs(probs)
                .setMapProbs(map)
                .setLogitsMean(probs)
                .setLogitsVar(map)
                .setUncertainty(new UncertaintyScores(0.5, 0.5, 0.5, 0.5, 0.5, 0.5))
                .setRouting(Routing.REVIEW)
                .setRoutingScore("max_prob")
                .setRoutingValue(0.5)
                .setRoutingThreshold(0.8)
                .setProcessingLatencyMs(1)
                .setLabelPropensity(1.0)
                .build();
    }

    /** Prints the table (docs), or with {@code --lines} one parsable line per K (for {@link JoinStateSizeTest}). */
    public static void main(String[] args) throws Exception {
        boolean lines = args.length > 0 && args[0].equals("--lines");
        if (!lines) {
            System.out.println("| K | heap B / waiting decision | checkpoint B / waiting decision | heap / checkpoint |"
                    + " heap B / joined marker | checkpoint B / joined marker |");
            System.out.println("| --- | --- | --- | --- | --- | --- |");
        }
        for (int k : new int[] {10, 1000}) {
            Figures f = measure(k, k >= 1000 ? 2_000 : 20_000);
            if (lines) {
                System.out.printf(
                        "join-state K=%d heap=%.1f checkpoint=%.1f marker-heap=%.1f marker-checkpoint=%.1f%n",
                        k, f.heapPerDecision(), f.checkpointPerDecision(), f.heapPerMarker(), f.checkpointPerMarker());
            } else {
                System.out.printf(
                        "| %d | %.0f | %.0f | %.2f | %.0f | %.0f |%n",
                        k,
                        f.heapPerDecision(),
                        f.checkpointPerDecision(),
                        f.ratio(),
                        f.heapPerMarker(),
                        f.checkpointPerMarker());
            }
        }
    }
}
