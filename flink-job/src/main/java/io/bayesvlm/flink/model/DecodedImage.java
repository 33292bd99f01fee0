package io.bayesvlm.flink.model;

/** An image event that decoded and passed validation, with its preprocessed tensor. A Flink POJO. */
public class DecodedImage {
    public String eventId;
    public long eventTime;
    public String source;
    /** The original encoded bytes, kept for review requests. */
    public byte[] image;
    /** CHW floats in the model's input layout. */
    public float[] tensor;
    /**
     * Where the event came from (key, topic, partition, offset, timestamp; the value left out, {@link #image} holds
     * what matters of it), for a dead letter if the model cannot score the image.
     */
    public RawRecord origin;
    /** Wall-clock time the record was read, for the processing-latency figure. */
    public long readAtMillis;

    public DecodedImage() {}
}
