package io.multinet;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Jackson data binding: Java objects to and from JSON, for the operator (its status patches, the
 * objects it reads as trees). Its defaults are what multinet's formats need; keeping one mapper means
 * a later setting (a feature flag, a module) reaches every typed reader and writer at once.
 * ObjectMapper is thread-safe once configured. The node daemon does not use it: see {@link Json}.
 */
public final class JsonBinding {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonBinding() {
    }
}
