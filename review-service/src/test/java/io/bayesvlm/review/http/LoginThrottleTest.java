package io.bayesvlm.review.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sign-in throttle's rules, on a clock the test moves. */
class LoginThrottleTest {

    @Test
    void theFifthFailureLocksForASecondAndEachFurtherOneDoublesIt() {
        AtomicLong now = new AtomicLong(1_000_000);
        LoginThrottle t = new LoginThrottle(now::get);
        for (int i = 0; i < 4; i++) {
            t.check("10.0.0.1", "alice");
            t.failed("10.0.0.1", "alice");
        }
        t.check("10.0.0.1", "alice"); // four failures: not yet
        t.failed("10.0.0.1", "alice");
        assertThatThrownBy(() -> t.check("10.0.0.1", "alice")).isInstanceOfSatisfying(LoginThrottle.Locked.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.retryAfterSeconds).isEqualTo(1);
        });
        // the name is locked from any address, and the address for any name
        assertThatThrownBy(() -> t.check("10.0.0.2", "alice")).isInstanceOf(LoginThrottle.Locked.class);
        assertThatThrownBy(() -> t.check("10.0.0.1", "bob")).isInstanceOf(LoginThrottle.Locked.class);
        t.check("10.0.0.2", "bob");
        now.addAndGet(1_000);
        t.check("10.0.0.1", "alice");
        t.failed("10.0.0.1", "alice"); // the sixth: two seconds
        assertThatThrownBy(() -> t.check("10.0.0.1", "alice"))
                .isInstanceOfSatisfying(
                        LoginThrottle.Locked.class,
                        e -> assertThat(e.retryAfterSeconds).isEqualTo(2));
        now.addAndGet(2_000);
        t.check("10.0.0.1", "alice");
        t.succeeded("10.0.0.1", "alice"); // a success clears both
        t.failed("10.0.0.1", "alice");
        t.check("10.0.0.1", "alice");
    }

    @Test
    void theLockIsCappedAtFifteenMinutes() {
        AtomicLong now = new AtomicLong(0);
        LoginThrottle t = new LoginThrottle(now::get);
        for (int i = 0; i < 60; i++) {
            t.failed("10.0.0.1", "alice");
        }
        assertThatThrownBy(() -> t.check("10.0.0.1", "alice"))
                .isInstanceOfSatisfying(
                        LoginThrottle.Locked.class,
                        e -> assertThat(e.retryAfterSeconds).isEqualTo(LoginThrottle.MAX_LOCK_MINUTES * 60L));
    }
}
