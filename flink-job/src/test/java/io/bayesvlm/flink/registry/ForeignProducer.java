package io.bayesvlm.flink.registry;

import io.bayesvlm.flink.ItConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** ImageEvents as another team's producer writes them: generic Avro records, no generated class. */
final class ForeignProducer {

    private ForeignProducer() {}

    /** The ImageEvent schema before v2 added {@code uploader_id} (committed under schemas/history). */
    static Schema imageEventV1() throws IOException {
        return new Schema.Parser()
                .parse(ItConfig.ROOT
                        .resolve("schemas/history/ImageEvent-v1.avsc")
                        .toFile());
    }

    /** An event under the given ImageEvent version; {@code uploader} is only written where the schema has it. */
    static GenericRecord imageEvent(Schema schema, String id, long time, byte[] image, String uploader) {
        GenericRecordBuilder b = new GenericRecordBuilder(schema)
                .set("event_id", id)
                .set("event_time", time)
                .set("source", "foreign-producer")
                .set("image", ByteBuffer.wrap(image));
        if (schema.getField("uploader_id") != null) {
            b.set("uploader_id", uploader);
        }
        return b.build();
    }
}
