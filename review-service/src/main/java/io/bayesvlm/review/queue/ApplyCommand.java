package io.bayesvlm.review.queue;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.review.JsonSerde;
import io.bayesvlm.review.queue.Reply.Outcome;
import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Applies reviewers' claims, labels and skips to the queue, in the order they reach the item's partition. A label
 * leaves as a {@link LabelEvent} on the labels topic in the same transaction as the queue change (exactly once):
 * REVIEWER for uncertain items, AUDIT for audits, with the signed-in reviewer's id and the time since the claim.
 * The outcome goes to the replies topic in that transaction too ({@link Replies}).
 */
public final class ApplyCommand extends QueueProcessor {
    public static final String LABELS_SINK = "labels sink";
    public static final String REPLIES_SINK = "replies sink";

    private final String labelsTopic;
    private final RecordCodec<LabelEvent> labels;
    private final DeadLetterSink deadLetters;
    private final QueueOrder order;

    public ApplyCommand(
            String labelsTopic, RecordCodec<LabelEvent> labels, DeadLetterSink deadLetters, QueueOrder order) {
        this.order = order;
        this.labelsTopic = labelsTopic;
        this.labels = labels;
        this.deadLetters = deadLetters;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Command c;
        try {
            c = JsonSerde.MAPPER.readValue(record.value(), Command.class);
            if (c.type() == null
                    || c.reviewer() == null
                    || (c.eventId() == null && c.type() != Command.Type.CLAIM_NEXT)) {
                throw new IllegalArgumentException("type, reviewer and (but for CLAIM_NEXT) eventId are required");
            }
        } catch (Exception e) {
            deadLetters.send(context, record, ErrorCode.UNDECODABLE_RECORD, "not a review command: " + e.getMessage());
            return;
        }
        Reply reply = apply(c, record.timestamp());
        if (c.requestId() != null) {
            // the outcome travels in the same transaction as the change: the HTTP answer waits until it is committed
            byte[] value;
            try {
                value = JsonSerde.MAPPER.writeValueAsBytes(reply);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            context.forward(
                    new Record<>(c.requestId().getBytes(StandardCharsets.UTF_8), value, record.timestamp()),
                    REPLIES_SINK);
            context.commit(); // soon, not at the next commit interval: someone is waiting
        }
    }

    /** One command against the current queue; {@code now} is the command's own time (replays decide the same). */
    Reply apply(Command c, long now) {
        if (c.type() == Command.Type.CLAIM_NEXT) {
            return claimNext(c, now);
        }
        QueueItem item = queue.get(c.eventId());
        if (item == null) {
            return Reply.of(Outcome.NOT_FOUND, "no review item '" + c.eventId() + "'");
        }
        if (c.type() == Command.Type.RELABEL) {
            return relabel(item, c, now);
        }
        if (item.status() == QueueItem.Status.DONE) {
            if (c.type() == Command.Type.LABEL
                    && c.reviewer().equals(item.labelledBy())
                    && java.util.Objects.equals(c.label(), item.label())) {
                // the same reviewer's retry of the same label (its answer was lost): the same outcome, no second event
                return Reply.ok(item);
            }
            return Reply.of(Outcome.CONFLICT, "already labelled '" + item.label() + "' by " + item.labelledBy());
        }
        boolean heldByOther = item.status() == QueueItem.Status.CLAIMED
                && !c.reviewer().equals(item.claimedBy())
                && item.leaseUntil() > now;
        if (heldByOther) {
            return Reply.of(
                    Outcome.CONFLICT, "claimed by another reviewer until " + Instant.ofEpochMilli(item.leaseUntil()));
        }
        boolean heldByCaller = item.status() == QueueItem.Status.CLAIMED
                && c.reviewer().equals(item.claimedBy())
                && item.leaseUntil() > now;
        return switch (c.type()) {
            case RELABEL -> throw new IllegalStateException("handled above");
            case RENEW, ESCALATE -> {
                if (!heldByCaller) {
                    yield Reply.of(Outcome.CONFLICT, "you do not hold '" + c.eventId() + "' (its lease ran out?)");
                }
                QueueItem after = c.type() == Command.Type.RENEW
                        ? item.renewed(now, c.leaseMillis())
                        : item.escalated(c.reviewer(), c.note(), now);
                queue.put(item, after);
                yield Reply.ok(after);
            }
            case CLAIM, CLAIM_NEXT -> {
                QueueItem claimed = item.claimed(c.reviewer(), now, c.leaseMillis());
                queue.put(item, claimed);
                yield Reply.ok(claimed);
            }
            case SKIP -> {
                QueueItem back = item.released(c.reviewer());
                queue.put(item, back);
                yield Reply.ok(back);
            }
            case LABEL -> {
                if (c.label() == null || !item.classes().contains(c.label())) {
                    yield Reply.of(Outcome.INVALID, "'" + c.label() + "' is not a class of model " + item.modelName());
                }
                QueueItem done = item.labelled(c.reviewer(), c.label(), now);
                queue.put(item, done);
                emit(done, now, null);
                yield Reply.ok(done);
            }
        };
    }

    /**
     * A labeller's correction of their own label while the lease they labelled under still runs: a second LabelEvent
     * whose {@code supersedes} is the first one's time. The same label again changes nothing (a retry).
     */
    private Reply relabel(QueueItem item, Command c, long now) {
        if (item.status() != QueueItem.Status.DONE || !c.reviewer().equals(item.labelledBy())) {
            return Reply.of(Outcome.CONFLICT, "only the reviewer who labelled '" + c.eventId() + "' can correct it");
        }
        if (c.label() == null || !item.classes().contains(c.label())) {
            return Reply.of(Outcome.INVALID, "'" + c.label() + "' is not a class of model " + item.modelName());
        }
        if (c.label().equals(item.label())) {
            return Reply.ok(item);
        }
        if (now >= item.leaseUntil()) {
            return Reply.of(
                    Outcome.CONFLICT,
                    "the label can no longer be corrected (its lease ended "
                            + (item.leaseUntil() == 0 ? "with the label" : Instant.ofEpochMilli(item.leaseUntil()))
                            + ")");
        }
        QueueItem corrected = item.relabelled(c.label(), now);
        queue.put(item, corrected);
        emit(corrected, now, item.labelledAt());
        return Reply.ok(corrected);
    }

    /** The item this reviewer already holds here, else this partition's pick for them (skipped ones left out). */
    private Reply claimNext(Command c, long now) {
        QueueView view = queue.view();
        java.util.Optional<Candidate> pick = view.heldBy(c.reviewer(), now).stream()
                .filter(held -> c.except() == null || !c.except().contains(held.eventId()))
                .findFirst();
        if (pick.isEmpty()) {
            pick = order.pick(view.candidates(16, i -> i.skippedBy().contains(c.reviewer())), now, c.claimNumber());
        }
        if (pick.isEmpty()) {
            return Reply.of(Outcome.NOT_FOUND, "nothing to review in this partition");
        }
        QueueItem item = queue.get(pick.get().eventId());
        QueueItem claimed = item.claimed(c.reviewer(), now, c.leaseMillis());
        queue.put(item, claimed);
        return Reply.ok(claimed);
    }

    private void emit(QueueItem done, long now, Long supersedes) {
        boolean claimedByLabeller = supersedes == null
                && done.claimedBy() != null
                && done.claimedBy().equals(done.labelledBy());
        LabelEvent label = LabelEvent.newBuilder()
                .setEventId(done.eventId())
                .setLabel(done.label())
                .setLabelSource(done.audit() ? LabelSource.AUDIT : LabelSource.REVIEWER)
                .setLabelTime(Instant.ofEpochMilli(now))
                .setReviewerId(done.labelledBy())
                .setReviewDurationMs(claimedByLabeller ? Math.max(0, now - done.claimedAt()) : null)
                .setSupersedes(supersedes == null ? null : Instant.ofEpochMilli(supersedes))
                .build();
        byte[] key = done.eventId().getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(key, labels.encode(labelsTopic, label), now), LABELS_SINK);
    }
}
