package io.bayesvlm.serde.registry;

import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Checks the registry before the job is submitted, so that a wrong URL, missing credentials, an unregistered
 * output schema or one the registry's compatibility rules refuse stop the job at once with a message that names
 * the option, instead of restarting tasks forever.
 */
public final class RegistryPreflight {

    private RegistryPreflight() {}

    /**
     * For each output topic and its value schema: with auto-register, registers it (or finds it registered);
     * without, checks it is registered under its subject.
     *
     * @return subject → schema id, for the log
     * @throws IllegalStateException with a message for the operator
     */
    public static Map<String, Long> check(RegistryConfig c, Map<String, Schema> outputs) {
        RegistryClientFacade client = RegistrySerdes.client(c);
        Map<String, Long> ids = new LinkedHashMap<>();
        for (Map.Entry<String, Schema> e : outputs.entrySet()) {
            String subject =
                    c.subjectStrategy().subject(e.getKey(), e.getValue().getFullName());
            String schema = e.getValue().toString();
            try {
                if (c.autoRegister()) {
                    ids.put(
                            subject,
                            client.createSchema(
                                            "AVRO",
                                            SubjectNameStrategy.DEFAULT_GROUP,
                                            subject,
                                            null,
                                            "FIND_OR_CREATE_VERSION",
                                            false,
                                            schema,
                                            Set.of())
                                    .getContentId());
                } else {
                    ArtifactReference ref = ArtifactReference.builder()
                            .groupId(SubjectNameStrategy.DEFAULT_GROUP)
                            .artifactId(subject)
                            .build();
                    var found = client.searchVersionsByContent(schema, "AVRO", ref, false);
                    if (found.isEmpty()) {
                        throw new IllegalStateException("the " + e.getValue().getName() + " schema is not registered"
                                + " under subject '" + subject + "' at registry.url " + c.displayUrl() + "; register"
                                + " schemas/src/main/avro/" + e.getValue().getName() + ".avsc there, or set"
                                + " registry.auto-register=true");
                    }
                    ids.put(subject, found.get(0).getContentId());
                }
            } catch (IllegalStateException ise) {
                throw ise;
            } catch (RuntimeException ex) {
                throw new IllegalStateException(explain(c, subject, e.getValue().getName(), ex), ex);
            }
        }
        return ids;
    }

    static String explain(RegistryConfig c, String subject, String record, RuntimeException ex) {
        return switch (RegistryException.classify(ex)) {
            case UNAVAILABLE ->
                "schema registry at registry.url " + c.displayUrl() + " is unreachable: " + Backoff.describe(ex);
            case NOT_FOUND ->
                "schema registry at registry.url " + c.displayUrl() + " has no subject '" + subject
                        + "' (or registry.api=" + c.api().name().toLowerCase()
                        + " does not match that registry's API): "
                        + Backoff.describe(ex);
            case REJECTED ->
                "schema registry at registry.url " + c.displayUrl() + " refused the " + record
                        + " schema for subject '" + subject + "' (an incompatible change under its compatibility rule,"
                        + " or missing rights; see registry.auth): " + Backoff.describe(ex);
        };
    }
}
