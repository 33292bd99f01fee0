package io.bayesvlm.flink;

import io.bayesvlm.avro.ImageEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Image events as the tests produce them (the demo's replay builds its own in {@code io.bayesvlm.demo}). */
public final class TestImages {

    private TestImages() {}

    public static ImageEvent event(String id, long eventTime, String source, byte[] image) {
        return ImageEvent.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setSource(source)
                .setContentType("image/png")
                .setImage(ByteBuffer.wrap(image))
                .setMetadata(Map.of())
                .build();
    }
}
