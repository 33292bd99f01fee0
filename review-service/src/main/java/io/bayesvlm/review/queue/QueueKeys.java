package io.bayesvlm.review.queue;

/**
 * Keys of the {@code review-index} store, built so that a range scan returns items in the order they are needed:
 * <ul>
 *   <li>{@code u|<priority, descending>|<enqueued>|<id>}: pending uncertain items, most uncertain first;</li>
 *   <li>{@code a|<enqueued>|<id>}: pending audits, oldest first;</li>
 *   <li>{@code t|<enqueued>|<id>}: every pending item, oldest first (nothing waits forever);</li>
 *   <li>{@code x|<escalated at>|<id>}: pending escalated items (their own queue), oldest first;</li>
 *   <li>{@code l|<lease end>|<id>}: claimed items by lease end (expired leases return to the queue);</li>
 *   <li>{@code d|<labelled at>|<id>}: labelled items by time (purged after the retention).</li>
 * </ul>
 * Numbers are fixed-width hex so that string order is numeric order.
 */
public final class QueueKeys {
    private QueueKeys() {}

    public static final String UNCERTAIN = "u|";
    public static final String AUDIT = "a|";
    public static final String AGE = "t|";
    public static final String ESCALATED = "x|";
    public static final String LEASE = "l|";
    public static final String DONE = "d|";

    /** The first key after every key with this prefix ('|' + 1 = '}'). */
    public static String end(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + '}';
    }

    public static String uncertain(QueueItem i) {
        return UNCERTAIN + hex(~sortable(i.priority())) + '|' + hex(i.enqueuedAt()) + '|' + i.eventId();
    }

    public static String audit(QueueItem i) {
        return AUDIT + hex(i.enqueuedAt()) + '|' + i.eventId();
    }

    public static String age(QueueItem i) {
        return AGE + hex(i.enqueuedAt()) + '|' + i.eventId();
    }

    public static String escalated(QueueItem i) {
        return ESCALATED + hex(i.escalatedAt()) + '|' + i.eventId();
    }

    public static String lease(QueueItem i) {
        return LEASE + hex(i.leaseUntil()) + '|' + i.eventId();
    }

    public static String done(QueueItem i) {
        return DONE + hex(i.labelledAt()) + '|' + i.eventId();
    }

    /** The time field of an age, lease or done key. */
    public static long time(String key) {
        return Long.parseUnsignedLong(key.substring(2, 18), 16);
    }

    /** The event id at the end of any key (ids may contain '|': they start at a fixed offset). */
    public static String id(String key) {
        return key.substring(key.startsWith(UNCERTAIN) ? 36 : 19);
    }

    /** A long whose unsigned order is the double's numeric order (NaN last). */
    static long sortable(double d) {
        long bits = Double.doubleToLongBits(d);
        return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    }

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }
}
