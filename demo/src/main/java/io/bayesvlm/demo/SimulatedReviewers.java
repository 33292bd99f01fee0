package io.bayesvlm.demo;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Simulated reviewers and auditors, as a labelling tool outside the review service would be: each review request
 * gets its true label on the labels topic after {@code review-delay-ms}, and the service closes the queue item.
 * With people reviewing too (BOTH) they answer only the audits and leave the uncertain items to the browser.
 */
final class SimulatedReviewers implements Runnable {

    private final String bootstrap;
    private final JobConfig config;
    private final DemoOptions options;
    private final Replay replay;
    private final DemoReport report;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService pool;
    private final AtomicBoolean stopping;

    SimulatedReviewers(
            String bootstrap,
            JobConfig config,
            DemoOptions options,
            Replay replay,
            DemoReport report,
            KafkaProducer<byte[], byte[]> producer,
            ScheduledExecutorService pool,
            AtomicBoolean stopping) {
        this.bootstrap = bootstrap;
        this.config = config;
        this.options = options;
        this.replay = replay;
        this.report = report;
        this.producer = producer;
        this.pool = pool;
        this.stopping = stopping;
    }

    /** Whether a simulated reviewer answers the review request of a decision routed so. */
    static boolean answers(DemoOptions.Reviewer reviewer, Routing routing) {
        return switch (reviewer) {
            case SIMULATED -> routing != Routing.AUTO;
            case BOTH -> routing == Routing.AUDIT;
            case HUMAN -> false;
        };
    }

    @Override
    public void run() {
        RecordCodec<ReviewRequest> in = RecordCodec.of(ReviewRequest.class, config.registry());
        RecordCodec<LabelEvent> out = RecordCodec.of(LabelEvent.class, config.registry());
        String labels = config.topics().labels();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommitted(bootstrap, config.topics().reviews())) {
            while (!stopping.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ReviewRequest req = in.decode(r.topic(), r.value());
                    boolean audit = req.getReason() == ReviewReason.AUDIT;
                    if (!answers(options.reviewer(), audit ? Routing.AUDIT : Routing.REVIEW)) {
                        continue;
                    }
                    Replay.Truth t = replay.use(req.getEventId(), 1);
                    if (t == null) {
                        continue;
                    }
                    LabelEvent label = LabelEvent.newBuilder()
                            .setEventId(req.getEventId())
                            .setLabel(t.label)
                            .setLabelSource(audit ? LabelSource.AUDIT : LabelSource.REVIEWER)
                            .setReviewerId("simulated")
                            .setLabelTime(Instant.now())
                            .build();
                    pool.schedule(
                            () -> {
                                producer.send(new ProducerRecord<>(
                                        labels,
                                        req.getEventId().getBytes(StandardCharsets.UTF_8),
                                        out.encode(labels, label)));
                                report.labelsSent.incrementAndGet();
                            },
                            options.reviewDelayMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception e) {
            if (!stopping.get()) {
                System.err.println("reviewer stopped: " + e);
            }
        }
    }
}
