package io.bayesvlm.review.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.review.JsonSerde;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewTopology;
import io.bayesvlm.review.TestRequests;
import io.bayesvlm.serde.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's rules through Kafka Streams' TopologyTestDriver: the real topology, stores and changelogs. */
class ReviewQueueTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path dir;

    private ReviewConfig config;
    private Replies replies;
    private org.apache.kafka.streams.TestOutputTopic<String, byte[]> repliesOut;

    /** What the service's replies reader does once the transaction commits (the driver commits each record). */
    private void deliverReplies() throws Exception {
        for (var kv : repliesOut.readKeyValuesToList()) {
            replies.complete(kv.key, JsonSerde.MAPPER.readValue(kv.value, Reply.class));
        }
    }

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> requests;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> labels;
    private TestOutputTopic<String, byte[]> deadLetters;
    private TestInputTopic<String, byte[]> labelsIn;
    private Instant now = T0;

    @BeforeEach
    void start() throws Exception {
        config = TestRequests.config(dir, "queue.lease", "60 s", "queue.audit-every", "3", "queue.max-wait", "1 h");
        replies = new Replies();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "review-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        driver = new TopologyTestDriver(ReviewTopology.buildTopology(config), p, T0);
        repliesOut = driver.createOutputTopic(
                "bayesvlm-review-replies",
                Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        requests = driver.createInputTopic(
                "review-requests",
                Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        commands = driver.createInputTopic(
                "bayesvlm-review-commands",
                Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        labels = driver.createOutputTopic(
                "labels", Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        labelsIn = driver.createInputTopic(
                "labels", Serdes.String().serializer(), Serdes.ByteArray().serializer());
        deadLetters = driver.createOutputTopic(
                "dead-letters",
                Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void enqueue(String id, ReviewReason reason, double priority) {
        ReviewRequest r = TestRequests.request(id, reason, priority, new byte[] {1, 2, 3});
        requests.pipeInput(id, new AvroCodec<>(ReviewRequest.class).encode("review-requests", r), now);
    }

    private Reply command(Command.Type type, String id, String reviewer, String label) throws Exception {
        return command(new Command(
                type, null, id, reviewer, label, Duration.ofSeconds(60).toMillis(), 0));
    }

    private Reply command(Command command) throws Exception {
        String requestId = replies.newRequestId();
        CompletableFuture<Reply> reply = replies.await(requestId);
        Command c = command.withRequestId(requestId);
        String id = c.eventId() != null ? c.eventId() : c.reviewer();
        commands.pipeInput(id, JsonSerde.MAPPER.writeValueAsBytes(c), now);
        deliverReplies();
        assertThat(reply).as("the command was applied and answered").isDone();
        return reply.get();
    }

    private QueueView view() {
        KeyValueStore<String, QueueItem> items = driver.getKeyValueStore(QueueStore.ITEMS);
        KeyValueStore<String, String> index = driver.getKeyValueStore(QueueStore.INDEX);
        return new QueueView(items, index);
    }

    /** What the API does with one partition: CLAIM_NEXT, the stream thread picks and claims. */
    private String claimNext(String reviewer, long claimNumber) throws Exception {
        String requestId = replies.newRequestId();
        CompletableFuture<Reply> reply = replies.await(requestId);
        Command c = new Command(Command.Type.CLAIM_NEXT, requestId, null, reviewer, null, 60_000, claimNumber);
        commands.pipeInput(reviewer, JsonSerde.MAPPER.writeValueAsBytes(c), now);
        deliverReplies();
        assertThat(reply).isDone();
        Reply r = reply.get();
        if (r.outcome() == Reply.Outcome.NOT_FOUND) {
            return null;
        }
        assertThat(r.outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(r.item().claimedBy()).isEqualTo(reviewer);
        return r.item().eventId();
    }

    private List<LabelEvent> labelEvents() throws Exception {
        List<LabelEvent> out = new ArrayList<>();
        AvroCodec<LabelEvent> codec = new AvroCodec<>(LabelEvent.class);
        for (byte[] v : labels.readValuesToList()) {
            out.add(codec.decode("labels", v));
        }
        return out;
    }

    @Test
    void mostUncertainFirstWithAuditsInterleavedAndNothingWaitingForever() throws Exception {
        enqueue("u-low", ReviewReason.UNCERTAIN, 0.2);
        enqueue("audit-1", ReviewReason.AUDIT, 0);
        enqueue("u-high", ReviewReason.UNCERTAIN, 0.9);
        enqueue("u-mid", ReviewReason.UNCERTAIN, 0.5);
        enqueue("audit-2", ReviewReason.AUDIT, 0);
        assertThat(view().counts()).containsEntry("pending-uncertain", 3L).containsEntry("pending-audit", 2L);

        List<String> order = new ArrayList<>();
        for (long n = 1; n <= 5; n++) {
            String reviewer = n % 2 == 0 ? "bob" : "alice";
            order.add(claimNext(reviewer, n));
            if (n < 5) {
                assertThat(command(Command.Type.LABEL, order.get(order.size() - 1), reviewer, "coat")
                                .outcome())
                        .isEqualTo(Reply.Outcome.OK);
            }
        }
        // every 3rd claim takes the oldest audit; else most uncertain first; audits last when nothing else waits
        assertThat(order).containsExactly("u-high", "u-mid", "audit-1", "u-low", "audit-2");
        assertThat(claimNext("carol", 6)).as("queue empty").isNull();
        assertThat(claimNext("alice", 7)).as("alice gets back what she holds").isEqualTo("audit-2");
        assertThat(view().counts())
                .containsEntry("claimed", 1L)
                .containsEntry("done", 4L)
                .containsEntry("pending-uncertain", 0L);
    }

    @Test
    void anItemWaitingLongerThanMaxWaitGoesFirst() throws Exception {
        enqueue("old-low", ReviewReason.UNCERTAIN, 0.1);
        // the queue's clock is the wall clock (request timestamps are the job's event times)
        driver.advanceWallClockTime(Duration.ofMinutes(61));
        now = now.plus(Duration.ofMinutes(61));
        enqueue("new-high", ReviewReason.UNCERTAIN, 0.99);
        assertThat(claimNext("alice", 1)).isEqualTo("old-low");
    }

    @Test
    void aClaimHoldsTheItemUntilItsLeaseRunsOutThenItReturnsToTheQueue() throws Exception {
        enqueue("x", ReviewReason.UNCERTAIN, 0.7);
        assertThat(command(Command.Type.CLAIM, "x", "alice", null).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(command(Command.Type.CLAIM, "x", "bob", null).outcome()).isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(command(Command.Type.LABEL, "x", "bob", "dress").outcome()).isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(view().candidates(10, i -> false))
                .as("a claimed item is not offered")
                .isEmpty();

        // alice walks away: after the lease (60 s) the wall-clock punctuation returns the item to the queue
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(view().items().get("x").status()).isEqualTo(QueueItem.Status.CLAIMED);
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertThat(view().items().get("x").status()).isEqualTo(QueueItem.Status.PENDING);
        assertThat(view().candidates(10, i -> false))
                .extracting(Candidate::eventId)
                .containsExactly("x");

        now = now.plusSeconds(61);
        assertThat(command(Command.Type.CLAIM, "x", "bob", null).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(command(Command.Type.LABEL, "x", "alice", "dress").outcome())
                .as("alice's lease is gone and bob holds it")
                .isEqualTo(Reply.Outcome.CONFLICT);
        now = now.plusSeconds(7);
        assertThat(command(Command.Type.LABEL, "x", "bob", "dress").outcome()).isEqualTo(Reply.Outcome.OK);
        List<LabelEvent> out = labelEvents();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getReviewerId()).isEqualTo("bob");
        assertThat(out.get(0).getReviewDurationMs()).isEqualTo(7000L);
        assertThat(out.get(0).getLabelSource()).isEqualTo(LabelSource.REVIEWER);
        assertThat(out.get(0).getLabelTime()).isEqualTo(now);
    }

    @Test
    void theHolderRenewsTheLeaseAndEscalatesToTheEscalatedQueueNotALabel() throws Exception {
        enqueue("x", ReviewReason.UNCERTAIN, 0.7);
        assertThat(command(Command.Type.CLAIM, "x", "alice", null).outcome()).isEqualTo(Reply.Outcome.OK);
        long claimedAt = view().items().get("x").claimedAt();
        driver.advanceWallClockTime(Duration.ofSeconds(50));
        now = now.plusSeconds(50);
        assertThat(command(Command.Type.RENEW, "x", "bob", null).outcome())
                .as("only the holder renews")
                .isEqualTo(Reply.Outcome.CONFLICT);
        Reply renewed = command(Command.Type.RENEW, "x", "alice", null);
        assertThat(renewed.item().leaseUntil()).isEqualTo(now.toEpochMilli() + 60_000);
        assertThat(renewed.item().claimedAt()).as("the review's start stays").isEqualTo(claimedAt);
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(view().items().get("x").status())
                .as("80 s after the claim, held by the renewal")
                .isEqualTo(QueueItem.Status.CLAIMED);

        now = now.plusSeconds(30);
        Reply escalated = command(new Command(
                Command.Type.ESCALATE, null, "x", "alice", null, 60_000, 0, "logo or text? not sure", null));
        assertThat(escalated.outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(labelEvents()).as("an escalation is not a label").isEmpty();
        assertThat(view().counts())
                .containsEntry("pending-escalated", 1L)
                .containsEntry("pending-uncertain", 0L)
                .containsEntry("claimed", 0L);
        assertThat(view().escalated(10))
                .containsExactly(
                        new Escalation("x", "UNCERTAIN", "alice", now.toEpochMilli(), "logo or text? not sure"));
        assertThat(claimNext("bob", 1))
                .as("next hands out the review queue, not escalations")
                .isNull();

        // someone takes it on purpose; a skip sends it back to the escalated queue, a label closes it
        assertThat(command(Command.Type.CLAIM, "x", "bob", null).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(command(Command.Type.SKIP, "x", "bob", null).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(view().escalated(10)).extracting(Escalation::eventId).containsExactly("x");
        assertThat(view().figuresOf("alice", 0).escalationsWaiting()).isEqualTo(1);
        assertThat(command(Command.Type.CLAIM, "x", "bob", null).outcome()).isEqualTo(Reply.Outcome.OK);
        now = now.plusSeconds(4);
        assertThat(command(Command.Type.LABEL, "x", "bob", "coat").outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(labelEvents()).extracting(LabelEvent::getLabel).containsExactly("coat");
        assertThat(view().escalated(10)).isEmpty();
        assertThat(view().counts()).containsEntry("pending-escalated", 0L).containsEntry("done", 1L);
        assertThat(view().figuresOf("bob", 0)).isEqualTo(new ReviewerFigures(1, 1, 0, 0, 1, 4000, 0));
        assertThat(command(Command.Type.ESCALATE, "x", "bob", null).outcome())
                .as("a labelled item cannot be escalated")
                .isEqualTo(Reply.Outcome.CONFLICT);
    }

    @Test
    void theLabellerCorrectsTheirLabelWithinTheLeaseAsASupersedingLabelEvent() throws Exception {
        enqueue("x", ReviewReason.UNCERTAIN, 0.7);
        assertThat(command(Command.Type.CLAIM, "x", "alice", null).outcome()).isEqualTo(Reply.Outcome.OK);
        now = now.plusSeconds(5);
        assertThat(command(Command.Type.LABEL, "x", "alice", "coat").outcome()).isEqualTo(Reply.Outcome.OK);
        Instant first = now;
        now = now.plusSeconds(10);
        assertThat(command(Command.Type.RELABEL, "x", "bob", "dress").outcome())
                .as("only the labeller corrects")
                .isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(command(Command.Type.RELABEL, "x", "alice", "no-such-class").outcome())
                .isEqualTo(Reply.Outcome.INVALID);
        Reply corrected = command(Command.Type.RELABEL, "x", "alice", "dress");
        assertThat(corrected.outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(corrected.item().label()).isEqualTo("dress");
        assertThat(command(Command.Type.RELABEL, "x", "alice", "dress").outcome())
                .as("a retry of the correction")
                .isEqualTo(Reply.Outcome.OK);

        List<LabelEvent> out = labelEvents();
        assertThat(out).extracting(LabelEvent::getLabel).containsExactly("coat", "dress");
        assertThat(out.get(0).getSupersedes()).isNull();
        assertThat(out.get(1).getSupersedes()).as("names the label it replaces").isEqualTo(first);
        assertThat(out.get(1).getLabelTime()).isEqualTo(now);
        assertThat(out.get(1).getReviewerId()).isEqualTo("alice");

        // the lease (60 s from the claim) is over: no more corrections
        now = now.plusSeconds(50);
        assertThat(command(Command.Type.RELABEL, "x", "alice", "coat").outcome())
                .isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(labelEvents()).isEmpty();
    }

    @Test
    void nextDoesNotHandBackAHeldItemThePageIsStillDecidingOn() throws Exception {
        enqueue("first", ReviewReason.UNCERTAIN, 0.9);
        enqueue("second", ReviewReason.UNCERTAIN, 0.5);
        assertThat(claimNext("alice", 1)).isEqualTo("first");
        // a label for "first" waits out its undo window in the page: the next item is another one
        Reply r = command(
                new Command(Command.Type.CLAIM_NEXT, null, null, "alice", null, 60_000, 2, null, List.of("first")));
        assertThat(r.item().eventId()).isEqualTo("second");
        assertThat(view().items().get("first").claimedBy()).as("still held").isEqualTo("alice");
    }

    @Test
    void aLabelForAnUnknownOrAlreadyLabelledItemIsRefusedAndEmitsNothing() throws Exception {
        assertThat(command(Command.Type.LABEL, "nope", "alice", "dress").outcome())
                .isEqualTo(Reply.Outcome.NOT_FOUND);
        enqueue("a1", ReviewReason.AUDIT, 0);
        assertThat(command(Command.Type.LABEL, "a1", "alice", "not-a-class").outcome())
                .isEqualTo(Reply.Outcome.INVALID);
        assertThat(command(Command.Type.LABEL, "a1", "alice", "coat").outcome()).isEqualTo(Reply.Outcome.OK);
        Reply again = command(Command.Type.LABEL, "a1", "bob", "dress");
        assertThat(again.outcome()).isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(again.message()).contains("already labelled 'coat' by alice");
        assertThat(command(Command.Type.CLAIM, "a1", "bob", null).outcome()).isEqualTo(Reply.Outcome.CONFLICT);
        // the same reviewer retrying the same label (the first answer was lost): the same outcome, no second event
        Reply retry = command(Command.Type.LABEL, "a1", "alice", "coat");
        assertThat(retry.outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(retry.item().label()).isEqualTo("coat");
        assertThat(command(Command.Type.LABEL, "a1", "alice", "dress").outcome())
                .as("a different label is not a retry")
                .isEqualTo(Reply.Outcome.CONFLICT);

        List<LabelEvent> out = labelEvents();
        assertThat(out).as("exactly one label, from the audit").hasSize(1);
        assertThat(out.get(0).getLabelSource()).isEqualTo(LabelSource.AUDIT);
        assertThat(out.get(0).getReviewDurationMs())
                .as("labelled without a claim")
                .isNull();
        assertThat(view().counts()).containsEntry("done", 1L).containsEntry("pending-audit", 0L);

        // a duplicate request for a labelled item does not put it back in the queue
        enqueue("a1", ReviewReason.AUDIT, 0);
        assertThat(view().counts()).containsEntry("done", 1L).containsEntry("pending-audit", 0L);
    }

    @Test
    void aLabelThatArrivesBeforeItsRequestClosesTheItemWhenTheRequestComes() throws Exception {
        labelsIn.pipeInput(
                "early",
                new AvroCodec<>(LabelEvent.class)
                        .encode(
                                "labels",
                                LabelEvent.newBuilder()
                                        .setEventId("early")
                                        .setLabel("dress")
                                        .setLabelSource(LabelSource.GROUND_TRUTH)
                                        .setLabelTime(now)
                                        .build()),
                now);
        assertThat(view().items().get("early")).isNull();
        enqueue("early", ReviewReason.UNCERTAIN, 0.9);
        QueueItem item = view().items().get("early");
        assertThat(item.status()).isEqualTo(QueueItem.Status.DONE);
        assertThat(item.label()).isEqualTo("dress");
        assertThat(item.labelledBy()).isEqualTo("ground_truth");
        assertThat(claimNext("alice", 1))
                .as("nobody is asked to label it again")
                .isNull();
        assertThat(command(Command.Type.LABEL, "early", "alice", "coat").outcome())
                .isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(labelEvents()).as("no second label for the event").isEmpty();
        assertThat(view().counts()).containsEntry("done", 1L).containsEntry("pending-uncertain", 0L);
    }

    @Test
    void aLabelFromElsewhereClosesTheItemAndItsHolderIsToldSo() throws Exception {
        enqueue("ext", ReviewReason.UNCERTAIN, 0.6);
        enqueue("ext-2", ReviewReason.UNCERTAIN, 0.5);
        assertThat(command(Command.Type.CLAIM, "ext", "alice", null).outcome()).isEqualTo(Reply.Outcome.OK);
        AvroCodec<LabelEvent> codec = new AvroCodec<>(LabelEvent.class);
        // another tool labels both; its records are keyed by something else, which must not matter
        for (String id : List.of("ext", "ext-2")) {
            labelsIn.pipeInput(
                    "tool-key",
                    codec.encode(
                            "labels",
                            LabelEvent.newBuilder()
                                    .setEventId(id)
                                    .setLabel("dress")
                                    .setLabelSource(LabelSource.GROUND_TRUTH)
                                    .setLabelTime(now)
                                    .build()),
                    now);
        }
        // re-keyed by event id; the driver, like Kafka, delivers them to the labels-by-item source
        var rekeyed = driver.createOutputTopic(
                        "bayesvlm-review-labels-by-item",
                        Serdes.String().deserializer(),
                        Serdes.ByteArray().deserializer())
                .readKeyValuesToList();
        assertThat(rekeyed).extracting(kv -> kv.key).containsExactly("ext", "ext-2");

        assertThat(view().items().get("ext").status()).isEqualTo(QueueItem.Status.DONE);
        assertThat(view().items().get("ext").labelledBy()).isEqualTo("ground_truth");
        Reply late = command(Command.Type.LABEL, "ext", "alice", "coat");
        assertThat(late.outcome()).isEqualTo(Reply.Outcome.CONFLICT);
        assertThat(late.message()).contains("already labelled 'dress' by ground_truth");
        assertThat(claimNext("bob", 1)).as("nothing left").isNull();
        assertThat(labelEvents()).as("the service writes no label of its own").isEmpty();
        assertThat(view().counts()).containsEntry("done", 2L).containsEntry("claimed", 0L);
    }

    @Test
    void aSkippedItemIsNotOfferedToTheSameReviewerAgain() throws Exception {
        enqueue("s", ReviewReason.UNCERTAIN, 0.5);
        assertThat(claimNext("alice", 1)).isEqualTo("s");
        assertThat(command(Command.Type.SKIP, "s", "alice", null).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(claimNext("alice", 2)).isNull();
        assertThat(claimNext("bob", 3)).isEqualTo("s");
    }

    @Test
    void unreadableRequestsAndCommandsAreDeadLetteredAndTheQueueGoesOn() throws Exception {
        requests.pipeInput("junk", "not avro".getBytes(StandardCharsets.UTF_8), now);
        commands.pipeInput("junk", "{not json".getBytes(StandardCharsets.UTF_8), now);
        enqueue("ok", ReviewReason.UNCERTAIN, 0.3);
        List<byte[]> dead = deadLetters.readValuesToList();
        assertThat(dead).hasSize(2);
        AvroCodec<DeadLetter> codec = new AvroCodec<>(DeadLetter.class);
        DeadLetter first = codec.decode("dead-letters", dead.get(0));
        assertThat(first.getTopic()).isEqualTo("review-requests");
        assertThat(first.getErrorCode()).isEqualTo("UNDECODABLE_RECORD");
        assertThat(first.getEventId()).isEqualTo("junk");
        assertThat(codec.decode("dead-letters", dead.get(1)).getTopic()).isEqualTo("bayesvlm-review-commands");
        assertThat(view().counts()).containsEntry("pending-uncertain", 1L);
    }

    @Test
    void everyQueueChangeIsInTheChangelogsARestoredTaskRebuildsFrom() throws Exception {
        enqueue("c1", ReviewReason.UNCERTAIN, 0.4);
        enqueue("c2", ReviewReason.AUDIT, 0);
        command(Command.Type.CLAIM, "c1", "alice", null);
        command(Command.Type.LABEL, "c2", "bob", "coat");

        // Replaying the changelogs into fresh stores gives exactly the live stores (what a restore does).
        var items = driver.createOutputTopic(
                        "review-test-review-items-changelog",
                        Serdes.String().deserializer(),
                        new JsonSerde<>(QueueItem.class).deserializer())
                .readKeyValuesToMap();
        var index = driver.createOutputTopic(
                        "review-test-review-index-changelog",
                        Serdes.String().deserializer(),
                        Serdes.String().deserializer())
                .readKeyValuesToMap();
        index.values().removeIf(java.util.Objects::isNull);
        items.values().removeIf(java.util.Objects::isNull);
        KeyValueStore<String, String> liveIndex = driver.getKeyValueStore(QueueStore.INDEX);
        java.util.Map<String, String> live = new java.util.TreeMap<>();
        liveIndex.all().forEachRemaining(kv -> live.put(kv.key, kv.value));
        assertThat(new java.util.TreeMap<>(index)).isEqualTo(live);
        assertThat(items.get("c1").status()).isEqualTo(QueueItem.Status.CLAIMED);
        assertThat(items.get("c1").claimedBy()).isEqualTo("alice");
        assertThat(items.get("c2").label()).isEqualTo("coat");
    }
}
