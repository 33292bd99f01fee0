package io.bayesvlm.serde.registry;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries registry calls while the registry is unavailable, with exponential backoff. The calling task thread
 * blocks, so Flink backpressures the sources instead of losing or dead-lettering records. Other failures are
 * rethrown at once.
 */
public final class Backoff {
    private static final Logger LOG = LoggerFactory.getLogger(Backoff.class);

    private final long initialMillis;
    private final long maxMillis;
    private volatile long retries; // read by the metrics thread

    public Backoff(RegistryConfig c) {
        this.initialMillis = Math.max(1, c.retryBackoff().toMillis());
        this.maxMillis = Math.max(initialMillis, c.retryBackoffMax().toMillis());
    }

    /** Total retries so far (a metric). */
    public long retries() {
        return retries;
    }

    /** Runs the call, retrying while the registry is unavailable; {@code what} is only built for the log. */
    public <R> R call(Supplier<String> what, Supplier<R> call) {
        long wait = initialMillis;
        long since = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                R result = call.get();
                if (attempt > 1) {
                    LOG.info("schema registry reachable again after {} retries: {}", attempt - 1, what.get());
                }
                return result;
            } catch (RuntimeException e) {
                if (RegistryException.classify(e) != RegistryException.Kind.UNAVAILABLE) {
                    throw e;
                }
                if (Thread.currentThread().isInterrupted()) {
                    // The task is being cancelled (a failover elsewhere): the call failed because of the interrupt,
                    // not the registry, so no "unavailable" line that would send an operator after the registry.
                    throw new IllegalStateException("cancelled while calling the schema registry", e);
                }
                if (attempt == 1) {
                    since = System.currentTimeMillis();
                }
                retries++;
                LOG.warn(
                        "schema registry unavailable for {} ms ({}), retry {} in {} ms: {}",
                        System.currentTimeMillis() - since,
                        what.get(),
                        attempt,
                        wait,
                        describe(e));
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    // Cancellation: give up without marking the record as processed.
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the schema registry", ie);
                }
                wait = Math.min(maxMillis, wait * 2);
            }
        }
    }

    /** The message and, if different, the root cause: what an operator needs to see. */
    public static String describe(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + r + ")";
    }
}
