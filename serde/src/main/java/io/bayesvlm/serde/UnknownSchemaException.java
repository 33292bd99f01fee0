package io.bayesvlm.serde;

import java.io.IOException;

/** A record names a schema id the registry does not have (deleted, or from another registry). */
public class UnknownSchemaException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnknownSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
