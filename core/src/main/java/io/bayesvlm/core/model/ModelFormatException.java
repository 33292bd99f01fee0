package io.bayesvlm.core.model;

/** A model directory does not follow format v1; the message names the offending key or file. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
