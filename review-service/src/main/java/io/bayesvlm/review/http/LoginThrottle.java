package io.bayesvlm.review.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Password checks are slow on purpose (PBKDF2), so they are rationed. Per client address and per user name, the
 * {@value #FREE_FAILURES}th failure locks that address or name out for a second, and each further one for twice as
 * long as the one before (1 s, 2 s, 4 s … up to {@value #MAX_LOCK_MINUTES} min), during which sign-ins are refused
 * (429) without checking the password, the right one included. A success clears both. And at most one password is
 * checked at a time, waiting at most {@value #WAIT_MILLIS} ms for its turn: a crowd of wrong passwords takes one core,
 * never the service (signed-in requests are not checked against passwords at all).
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final int MAX_LOCK_MINUTES = 15;
    static final long WAIT_MILLIS = 2_000;
    /** Tracked addresses and names at most: an attacker rotating through addresses cannot grow this without bound. */
    static final int MAX_TRACKED = 100_000;

    private record Failures(int count, long lockedUntil, long lastAt) {}

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Semaphore hashing = new Semaphore(1, true);
    private final LongSupplier clock;

    LoginThrottle(LongSupplier clock) {
        this.clock = clock;
    }

    /** Refuses (429, with Retry-After) while the address or the name is locked out. */
    void check(String address, String user) {
        long now = clock.getAsLong();
        long until = Math.max(lockedUntil("ip:" + address, now), lockedUntil("user:" + user, now));
        if (until > now) {
            long seconds = Math.max(1, (until - now + 999) / 1000);
            throw new Locked(seconds);
        }
    }

    private long lockedUntil(String key, long now) {
        Failures f = failures.get(key);
        return f == null ? 0 : f.lockedUntil();
    }

    /** Runs a password check in its turn (503 when the turn does not come within the wait). */
    <T> T checkPassword(java.util.function.Supplier<T> check) {
        try {
            if (!hashing.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new HttpError(503, "too many sign-ins at once; retry");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        }
        try {
            return check.get();
        } finally {
            hashing.release();
        }
    }

    void failed(String address, String user) {
        long now = clock.getAsLong();
        if (failures.size() >= MAX_TRACKED) {
            failures.values().removeIf(f -> f.lockedUntil() < now && now - f.lastAt() > 60 * 60_000L);
        }
        for (String key : new String[] {"ip:" + address, "user:" + user}) {
            failures.compute(key, (k, f) -> {
                int count = (f == null ? 0 : f.count()) + 1;
                long lock = count < FREE_FAILURES
                        ? 0
                        : Math.min((long) MAX_LOCK_MINUTES * 60_000L, 1000L << Math.min(20, count - FREE_FAILURES));
                return new Failures(count, lock == 0 ? 0 : now + lock, now);
            });
        }
    }

    void succeeded(String address, String user) {
        failures.remove("ip:" + address);
        failures.remove("user:" + user);
    }

    /** A refusal while locked out. */
    static final class Locked extends HttpError {
        final long retryAfterSeconds;

        Locked(long seconds) {
            super(429, "too many failed sign-ins; try again in " + seconds + " s");
            this.retryAfterSeconds = seconds;
        }
    }
}
