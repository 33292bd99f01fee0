package io.bayesvlm.common;

/**
 * Why an input could not be used: the one vocabulary of the CLI's errors and of every dead letter the job and the
 * review service write. The names are stable; on the wire a dead letter carries {@link #name()} as a string, so a
 * new code is a compatible change for readers.
 */
public enum ErrorCode {
    /** The input has zero bytes. */
    EMPTY_INPUT,
    /** The encoded input is over the byte limit. */
    TOO_MANY_BYTES,
    /** The header declares more pixels (or a larger side) than the limit: refused before decoding. */
    TOO_MANY_PIXELS,
    /**
     * The header declares far more pixel data than the encoded bytes could honestly hold (a PNG, GIF, BMP or WebP
     * whose decoding would inflate a small file into hundreds of megabytes): refused before decoding.
     */
    DECOMPRESSION_BOMB,
    /** The bytes are not PNG, JPEG, GIF, BMP or WebP. */
    UNSUPPORTED_FORMAT,
    /** The bytes claim a supported format but do not decode (corrupt or truncated). */
    CORRUPT_IMAGE,
    /** The input could not be read at all (missing file, permission, I/O error). */
    UNREADABLE,
    /**
     * The model produced a non-finite probability, logit, variance or uncertainty score (NaN or infinity) for the
     * input: no decision can be based on it.
     */
    NON_FINITE_SCORE,
    /** The record's bytes are not the topic's Avro record (or the value is missing). */
    UNDECODABLE_RECORD,
    /** The record's Confluent header names a schema id the registry does not know. */
    UNKNOWN_SCHEMA_ID,
    /** The record decodes but breaks the topic's contract (empty event_id, an id or source over the limit). */
    INVALID_EVENT,
    /** A label names a class the model does not have (always a disagreement with the model's taxonomy). */
    UNKNOWN_LABEL,
    /** A label came after calibration.max-label-delay: its calibration windows had closed, so no report counts it. */
    LATE_LABEL
}
