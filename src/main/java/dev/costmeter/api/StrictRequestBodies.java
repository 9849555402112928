package dev.costmeter.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Request bodies are read as strictly as usage records: a field given twice — two {@code amountUsd}
 * in one budget — is a 400 that names it (see {@link ApiErrors}), never the value that came last.
 * Unknown fields are refused too ({@code quarkus.jackson.fail-on-unknown-properties}).
 */
@Singleton
public class StrictRequestBodies implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
