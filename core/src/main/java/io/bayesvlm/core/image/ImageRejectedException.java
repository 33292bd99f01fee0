package io.bayesvlm.core.image;

import io.bayesvlm.common.ErrorCode;

/** An input image was refused; {@link #code()} says why in a stable, machine-readable form. */
public class ImageRejectedException extends Exception {
    private final ErrorCode code;

    public ImageRejectedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ImageRejectedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
