package io.bayesvlm.demo;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.serde.RecordCodec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the job's outputs as they are committed (decisions, calibration and drift reports, risk certificates, dead
 * letters) into the report.
 */
final class DemoMonitor implements Runnable {

    private final String bootstrap;
    private final JobConfig config;
    private final DemoOptions options;
    private final Replay replay;
    private final DemoReport report;
    private final AtomicBoolean stopping;

    DemoMonitor(
            String bootstrap,
            JobConfig config,
            DemoOptions options,
            Replay replay,
            DemoReport report,
            AtomicBoolean stopping) {
        this.bootstrap = bootstrap;
        this.config = config;
        this.options = options;
        this.replay = replay;
        this.report = report;
        this.stopping = stopping;
    }

    @Override
    public void run() {
        JobConfig.Topics t = config.topics();
        RecordCodec<Decision> decisions = RecordCodec.of(Decision.class, config.registry());
        RecordCodec<CalibrationReport> reports = RecordCodec.of(CalibrationReport.class, config.registry());
        RecordCodec<DriftReport> drift = RecordCodec.of(DriftReport.class, config.registry());
        RecordCodec<DeadLetter> dead = RecordCodec.of(DeadLetter.class, config.registry());
        RecordCodec<RiskCertificate> certificates = RecordCodec.of(RiskCertificate.class, config.registry());
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommitted(
                bootstrap, t.decisions(), t.calibration(), t.drift(), t.certificates(), t.deadLetters())) {
            while (!stopping.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String topic = r.topic();
                    if (topic.equals(t.decisions())) {
                        Decision d = decisions.decode(topic, r.value());
                        // the simulated reviewer takes the truth's other use when it answers this decision's request
                        int uses = SimulatedReviewers.answers(options.reviewer(), d.getRouting()) ? 1 : 2;
                        report.decision(d, replay.use(d.getEventId(), uses));
                    } else if (topic.equals(t.calibration())) {
                        report.calibration(reports.decode(topic, r.value()), replay.driftStartedAt.get());
                    } else if (topic.equals(t.drift())) {
                        report.drift(drift.decode(topic, r.value()), replay.driftStartedAt.get());
                    } else if (topic.equals(t.certificates())) {
                        report.certificate(certificates.decode(topic, r.value()));
                    } else {
                        dead.decode(topic, r.value());
                        report.deadLettered.incrementAndGet();
                    }
                }
            }
        } catch (Exception e) {
            if (!stopping.get()) {
                System.err.println("monitor stopped: " + e);
            }
        }
    }
}
