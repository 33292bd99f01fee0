package io.bayesvlm.review.http;

/** Thrown to answer with an error status from anywhere in a handler. */
class HttpError extends RuntimeException {
    final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }
}
