package io.bayesvlm.core.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keyed audit draw: deterministic for its key, uniform, and not steerable by a producer without the key. */
class AuditDrawTest {

    static final double FRACTION = 0.1;

    /** What a producer can compute without the key: an unkeyed public hash (here the job's former FNV draw). */
    static double publicDraw(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    /**
     * An attacker who knows the scheme chooses n event ids that its best guess of the draw (the public hash, and
     * the draw under a key of its own) puts far from auditing. Against the job's key those ids are audited at the
     * audit fraction all the same: the count is Binomial(n, 0.1), so with n = 20,000 it lies within 5 standard
     * deviations (±212) of 2,000 except with probability below 1e-6. Under the public hash the same ids would never
     * be audited, which is what a keyed draw prevents.
     */
    @Test
    void anAttackerWithoutTheKeyCannotChooseIdsThatAreNeverAudited() {
        AuditDraw job = AuditDraw.ofSecret("the job's secret, never published");
        AuditDraw guess = AuditDraw.ofSecret("the attacker's own key guess!");
        int n = 20_000;
        List<String> chosen = new ArrayList<>();
        for (long i = 0; chosen.size() < n; i++) {
            String id = "upload-" + i;
            if (publicDraw(id) >= FRACTION && guess.draw(id) >= FRACTION) {
                chosen.add(id);
            }
        }
        long underPublic =
                chosen.stream().filter(id -> publicDraw(id) < FRACTION).count();
        long underKey = chosen.stream().filter(id -> job.draw(id) < FRACTION).count();
        double sd = Math.sqrt(n * FRACTION * (1 - FRACTION));
        assertThat(underPublic).isZero();
        assertThat((double) underKey).isCloseTo(n * FRACTION, org.assertj.core.data.Offset.offset(5 * sd));
    }

    @Test
    void theDrawIsDeterministicPerKeyAndUniform() throws Exception {
        AuditDraw a = AuditDraw.ofSecret("0123456789abcdef");
        AuditDraw same = AuditDraw.ofSecret("0123456789abcdef");
        AuditDraw other = AuditDraw.ofSecret("0123456789abcdeF");
        int n = 10_000;
        int[] deciles = new int[10];
        int differ = 0;
        for (int i = 0; i < n; i++) {
            String id = "e" + i;
            double d = a.draw(id);
            assertThat(same.draw(id)).isEqualTo(d);
            assertThat(d).isGreaterThanOrEqualTo(0).isLessThan(1);
            deciles[(int) (d * 10)]++;
            if (other.draw(id) != d) {
                differ++;
            }
        }
        // each decile Binomial(10,000, 0.1): 1,000 ± 5 sd (sd 30)
        for (int c : deciles) {
            assertThat(c).isBetween(850, 1150);
        }
        assertThat(differ).isEqualTo(n);
        // it survives Java serialization (Flink ships it inside the job graph) with the same draws
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        AuditDraw shipped;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            shipped = (AuditDraw) in.readObject();
        }
        assertThat(shipped.draw("e7")).isEqualTo(a.draw("e7"));
        assertThat(shipped).isEqualTo(a).isNotEqualTo(other);
    }

    @Test
    void theKeyIsNeverPrintedAndShortKeysAreRefused() {
        AuditDraw a = AuditDraw.ofSecret("a secret of some length");
        assertThat(a.toString()).doesNotContain("secret").isEqualTo("AuditDraw[key hidden]");
        assertThatThrownBy(() -> AuditDraw.ofSecret("short")).hasMessageContaining("at least 16 bytes");
    }
}
