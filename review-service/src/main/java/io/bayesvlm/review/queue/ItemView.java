package io.bayesvlm.review.queue;

import java.util.List;
import java.util.Map;

/**
 * An item as the API returns it: everything a reviewer sees, with the image as a link (served by
 * {@code GET /api/items/{id}/image}) instead of inline bytes. Audits are blind: no model output (top classes,
 * uncertainty, routing score) leaves the service for them, so an audit label is the reviewer's own judgement, not
 * anchored on the model's guess (the guarantees and the population estimates rest on audit labels).
 */
public record ItemView(
        String eventId,
        long eventTime,
        String reason,
        double priority,
        List<QueueItem.Score> topK,
        List<String> classes,
        Map<String, Double> uncertainty,
        String routingScore,
        String model,
        String imageUrl,
        String imageRef,
        long enqueuedAt,
        String status,
        String claimedBy,
        long leaseUntil,
        String label,
        String labelledBy,
        String escalatedBy,
        String escalationNote) {

    public static ItemView of(QueueItem i) {
        boolean blind = i.audit();
        String url = i.image() == null
                ? null
                : "/api/items/" + java.net.URLEncoder.encode(i.eventId(), java.nio.charset.StandardCharsets.UTF_8)
                        + "/image";
        return new ItemView(
                i.eventId(),
                i.eventTime(),
                i.reason(),
                i.priority(),
                blind ? List.of() : i.topK(),
                i.classes(),
                blind ? Map.of() : i.uncertainty(),
                blind ? null : i.routingScore(),
                i.modelName() + "/" + i.modelVersion(),
                url,
                i.imageRef(),
                i.enqueuedAt(),
                i.status().name(),
                i.claimedBy(),
                i.leaseUntil(),
                i.label(),
                i.labelledBy(),
                i.escalatedBy(),
                i.escalationNote());
    }
}
