package io.bayesvlm.review.queue;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands a command's outcome back to the HTTP request waiting for it. The stream thread that applied the command
 * writes the outcome to the replies topic in the same transaction as the queue change and the LabelEvent; this
 * instance reads that topic (read_committed, {@code CommittedReplies}) and completes the waiter, so an answer is
 * only ever sent for a committed outcome. A command replayed after a crash writes its outcome again, which then
 * completes the waiter, wherever the replay ran; one whose waiter is gone is simply applied.
 */
public final class Replies {
    private final Map<String, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();

    public String newRequestId() {
        return UUID.randomUUID().toString();
    }

    public CompletableFuture<Reply> await(String requestId) {
        return waiting.computeIfAbsent(requestId, k -> new CompletableFuture<>());
    }

    public void forget(String requestId) {
        waiting.remove(requestId);
    }

    public void complete(String requestId, Reply reply) {
        if (requestId != null) {
            CompletableFuture<Reply> f = waiting.remove(requestId);
            if (f != null) {
                f.complete(reply);
            }
        }
    }
}
