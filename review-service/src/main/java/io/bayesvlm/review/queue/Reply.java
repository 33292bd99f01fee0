package io.bayesvlm.review.queue;

/** What became of a {@link Command}: the HTTP status it maps to, a message, and the item after it. */
public record Reply(Outcome outcome, String message, QueueItem item) {
    public enum Outcome {
        OK(200),
        NOT_FOUND(404),
        CONFLICT(409),
        INVALID(400);

        public final int httpStatus;

        Outcome(int httpStatus) {
            this.httpStatus = httpStatus;
        }
    }

    public static Reply ok(QueueItem item) {
        return new Reply(Outcome.OK, "ok", item);
    }

    public static Reply of(Outcome outcome, String message) {
        return new Reply(outcome, message, null);
    }
}
