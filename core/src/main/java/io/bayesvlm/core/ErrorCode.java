package io.bayesvlm.core;

/**
 * Why an input could not be scored. The names are stable: they appear in CLI output and in dead letters.
 */
public enum ErrorCode {
    /** The input has zero bytes. */
    EMPTY_INPUT,
    /** The encoded input is over the byte limit. */
    TOO_MANY_BYTES,
    /** The header declares more pixels (or a larger side) than the limit: refused before decoding. */
    TOO_MANY_PIXELS,
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
    NON_FINITE_SCORE
}
