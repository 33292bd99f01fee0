package io.bayesvlm.demo;

import io.bayesvlm.avro.ImageEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Image events replayed from the committed sample by the demo and the benchmarks. */
public final class Replay {

    private Replay() {}

    public static ImageEvent event(String id, long eventTime, String source, byte[] png) {
        return ImageEvent.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setSource(source)
                .setContentType("image/png")
                .setImage(ByteBuffer.wrap(png))
                .setMetadata(Map.of())
                .build();
    }
}
