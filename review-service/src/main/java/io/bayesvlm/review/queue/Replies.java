package io.bayesvlm.review.queue;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands a command's outcome from the stream thread that applied it back to the HTTP request waiting for it. The
 * API sends each command to the instance that owns the item, so the waiter and the applying task share this JVM;
 * a command replayed after a restart finds no waiter and is simply applied.
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

    void complete(String requestId, Reply reply) {
        if (requestId != null) {
            CompletableFuture<Reply> f = waiting.remove(requestId);
            if (f != null) {
                f.complete(reply);
            }
        }
    }
}
