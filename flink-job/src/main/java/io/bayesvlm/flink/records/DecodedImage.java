package io.bayesvlm.flink.records;

/** An image event that decoded and passed validation, with its pixels at the model's resolution. A Flink POJO. */
public class DecodedImage {
    public String eventId;
    /** As the producer wrote it (never clamped: the decision carries it as is). */
    public long eventTime;
    /** The event time lay outside events.max-past / events.max-future when the event was read. */
    public boolean eventTimeOutOfRange;

    public String source;
    /** The original encoded bytes, kept for review requests. */
    public byte[] image;
    /**
     * The image at the model's resolution, 8-bit CHW ({@code ImageLoader.loadPixels}): a quarter of the float tensor,
     * which the inference operator normalises into its batch.
     */
    public byte[] pixels;
    /**
     * Where the event came from (key, topic, partition, offset, timestamp; the value left out, {@link #image} holds
     * what matters of it), for a dead letter if the model cannot score the image.
     */
    public RawRecord origin;
    /** Wall-clock time the record was read, for the processing-latency figure. */
    public long readAtMillis;

    public DecodedImage() {}
}
