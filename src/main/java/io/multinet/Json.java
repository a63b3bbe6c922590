package io.multinet;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one Jackson configuration of multinet's own documents (CNI configs and results, cache
 * entries, flannel's JSON, node reports). Jackson's defaults are what those formats need; keeping one
 * mapper means a later setting (a feature flag, a module) reaches every reader and writer at once.
 * ObjectMapper is thread-safe once configured.
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
