package io.bayesvlm.serde.registry;

/** A failed schema-registry call, classified by what the caller should do about it. */
public class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Cannot reach the registry, or it is overloaded or failing (5xx, 408, 429): try again later. */
        UNAVAILABLE,
        /** The schema id, subject or version does not exist. */
        NOT_FOUND,
        /** The registry refused the request: incompatible or invalid schema, missing rights. */
        REJECTED
    }

    private final Kind kind;

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Classifies any exception a serde or client threw (ours, Apicurio's SDK, or an I/O error underneath),
     * by walking its causes.
     */
    public static Kind classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RegistryException r) {
                return r.kind;
            }
            if (c instanceof java.net.ConnectException
                    || c instanceof java.net.http.HttpTimeoutException
                    || c instanceof java.net.SocketTimeoutException
                    || c instanceof java.nio.channels.ClosedChannelException
                    || c instanceof java.net.UnknownHostException
                    || c instanceof java.net.SocketException
                    || c.getClass().getName().startsWith("io.netty.channel.")
                    || c.getClass().getName().equals("io.vertx.core.VertxException")) {
                return Kind.UNAVAILABLE;
            }
            Integer status = apicurioStatus(c);
            if (status != null) {
                return status == 404 ? Kind.NOT_FOUND : fromStatus(status);
            }
        }
        return Kind.REJECTED;
    }

    static Kind fromStatus(int status) {
        if (status >= 500 || status == 408 || status == 429) {
            return Kind.UNAVAILABLE;
        }
        return status == 404 ? Kind.NOT_FOUND : Kind.REJECTED;
    }

    /** The HTTP status of an Apicurio SDK error (Kiota's ApiException, e.g. ProblemDetails), if known. */
    private static Integer apicurioStatus(Throwable t) {
        if (t instanceof com.microsoft.kiota.ApiException api && api.getResponseStatusCode() > 0) {
            return api.getResponseStatusCode();
        }
        return null;
    }
}
