package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.AvroCodec;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * Certificates read back from the topic: one issued within events.max-future of this clock is applied; one issued
 * further ahead (a skewed writer, or a record the job never wrote) goes to the dead letters with the reason, since
 * the router keeps the latest issued and it would otherwise outrank every later certificate, withdrawals included.
 */
class ParseCertificateHarnessTest {

    static final AvroCodec<RiskCertificate> CODEC = new AvroCodec<>(RiskCertificate.class);

    static RawRecord record(Instant issuedAt, double threshold) throws Exception {
        RiskCertificate c = TestRecords.certificate("model", issuedAt, threshold, 7);
        return new RawRecord(null, CODEC.encode(c), "certificates", 0, 0, 0);
    }

    @Test
    void aCertificateIssuedTooFarAheadIsDeadLetteredNotApplied() throws Exception {
        try (var h =
                ProcessFunctionTestHarnesses.forProcessFunction(new ParseCertificate(CODEC, Duration.ofMinutes(5)))) {
            Instant now = Instant.now();
            h.processElement(new StreamRecord<>(record(now.plus(Duration.ofMinutes(4)), 0.9)));
            h.processElement(new StreamRecord<>(record(now.plus(Duration.ofHours(1)), 0.0)));
            assertThat(h.extractOutputValues()).singleElement().satisfies(f -> {
                assertThat(f.certificate).isTrue();
                assertThat(f.threshold).isEqualTo(0.9);
                assertThat(f.modelKey).isEqualTo("model/1");
                assertThat(f.sequence).isEqualTo(7);
            });
            assertThat(h.getSideOutput(DeadLetterOutput.TAG)).singleElement().satisfies(d -> {
                assertThat(d.getValue().getErrorCode()).isEqualTo("INVALID_EVENT");
                assertThat(d.getValue().getErrorMessage()).contains("ahead of this clock", "events.max-future");
            });
        }
    }
}
