package io.bayesvlm.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro binary encoding of one generated record type. Decoding is strict: the bytes must hold exactly one
 * record, so a record written with another schema is refused rather than misread.
 */
public final class AvroCodec<T extends SpecificRecordBase> implements RecordCodec<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private transient SpecificDatumWriter<T> writer;
    private transient SpecificDatumReader<T> reader;

    public AvroCodec(Class<T> type) {
        this.type = type;
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public byte[] encode(String topic, T record) {
        return encode(record);
    }

    @Override
    public T decode(String topic, byte[] value) throws IOException {
        return decode(value);
    }

    public byte[] encode(T record) {
        if (writer == null) {
            writer = new SpecificDatumWriter<>(type);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /** Decodes, or throws with a reason if the bytes are not exactly one record of this type. */
    public T decode(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length == 0) {
            throw new IOException("empty record value");
        }
        if (reader == null) {
            reader = new SpecificDatumReader<>(type);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (RuntimeException e) {
            // Avro throws unchecked exceptions (negative lengths, bad enum indexes...) on foreign bytes.
            throw new IOException("not a " + type.getSimpleName() + " record: " + e, e);
        }
        if (!decoder.isEnd()) {
            throw new IOException("not a " + type.getSimpleName() + " record: trailing bytes after the record");
        }
        return record;
    }
}
