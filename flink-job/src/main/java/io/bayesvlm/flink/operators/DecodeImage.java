package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.image.ImageDecoder;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.image.ImageLoader;
import io.bayesvlm.core.image.ImageRejectedException;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.time.EventTimeBounds;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * Parses an ImageEvent and decodes and validates its image, brought to the model's resolution as 8-bit pixels. Anything that fails
 * (undecodable Avro, unknown schema id, missing event id, empty, oversized, corrupt or unsupported image, decompression bomb) goes
 * to the dead-letter side output with a code and a message; nothing is dropped and the job keeps running.
 */
public class DecodeImage extends DecodeOrDeadLetter<ImageEvent, DecodedImage> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DecodeImage.class);

    private static final long serialVersionUID = 1L;

    private final String modelDir;
    private final ImageLimits limits;
    private final double jpegOversample;
    private final EventTimeBounds eventTimes;

    private transient ImageLoader loader;
    private transient Counter decoded;
    private transient Counter rejected;
    private transient Counter outOfRange;

    public DecodeImage(String modelDir, ImageLimits limits, RecordCodec<ImageEvent> codec, EventTimeBounds eventTimes) {
        this(modelDir, limits, ImageDecoder.JPEG_OVERSAMPLE, codec, eventTimes);
    }

    /** {@code jpegOversample}: images.jpeg-oversample ({@link ImageDecoder#ImageDecoder(ImageLimits, boolean, double)}). */
    public DecodeImage(
            String modelDir,
            ImageLimits limits,
            double jpegOversample,
            RecordCodec<ImageEvent> codec,
            EventTimeBounds eventTimes) {
        super(codec);
        this.modelDir = modelDir;
        this.limits = limits;
        this.jpegOversample = jpegOversample;
        this.eventTimes = eventTimes;
    }

    /** Longest event id and source accepted: both are copied into every output, whose size must stay bounded. */
    public static final int MAX_ID_CHARS = 512;

    @Override
    public void open(OpenContext context) throws Exception {
        super.open(context);
        // Only model.json is needed here: decoding runs apart from the (heavier) inference operator.
        loader = new ImageLoader(
                ModelSpec.load(Path.of(modelDir)).image(), new ImageDecoder(limits, true, jpegOversample));
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            if (ImageDecoder.nativeJpegAvailable()) {
                LOG.info(
                        "JPEG decoding: libjpeg-turbo, at a reduced DCT scale (images.jpeg-oversample {})",
                        jpegOversample);
            } else {
                LOG.warn(
                        "JPEG decoding: pure Java, several times slower per photo ({}): install libjpeg-turbo's"
                                + " TurboJPEG library on the TaskManagers (deploy/README.md)",
                        ImageDecoder.nativeJpegUnavailableReason());
            }
        }
        decoded = getRuntimeContext().getMetricGroup().counter("imagesDecoded");
        rejected = getRuntimeContext().getMetricGroup().counter("imagesDeadLettered");
        outOfRange = getRuntimeContext().getMetricGroup().counter("eventTimeOutOfRange");
    }

    @Override
    protected void accept(RawRecord record, ImageEvent event, long readAt, Context ctx, Collector<DecodedImage> out) {
        String eventId = event.getEventId();
        if (eventId == null || eventId.isBlank()) {
            reject(ctx, record, null, ErrorCode.INVALID_EVENT, "event_id is empty");
            return;
        }
        if (eventId.length() > MAX_ID_CHARS || event.getSource().length() > MAX_ID_CHARS) {
            reject(
                    ctx,
                    record,
                    null,
                    ErrorCode.INVALID_EVENT,
                    "event_id (" + eventId.length() + " chars) or source ("
                            + event.getSource().length() + " chars) longer than " + MAX_ID_CHARS);
            return;
        }
        byte[] bytes = toArray(event.getImage());
        DecodedImage d = new DecodedImage();
        try {
            d.pixels = loader.loadPixels(bytes);
        } catch (ImageRejectedException e) {
            reject(ctx, record, eventId, e.code(), e.getMessage());
            return;
        }
        d.eventId = eventId;
        d.eventTime = event.getEventTime().toEpochMilli();
        d.eventTimeOutOfRange = !eventTimes.inRange(d.eventTime, readAt);
        if (d.eventTimeOutOfRange) {
            outOfRange.inc();
        }
        d.source = event.getSource();
        d.image = bytes;
        d.origin = new RawRecord(record.key, null, record.topic, record.partition, record.offset, record.timestamp);
        d.readAtMillis = readAt;
        decoded.inc();
        out.collect(d);
    }

    @Override
    protected void reject(Context ctx, RawRecord record, String eventId, ErrorCode code, String message) {
        rejected.inc();
        super.reject(ctx, record, eventId, code, message);
    }

    static byte[] toArray(ByteBuffer b) {
        ByteBuffer dup = b.duplicate();
        byte[] out = new byte[dup.remaining()];
        dup.get(out);
        return out;
    }
}
