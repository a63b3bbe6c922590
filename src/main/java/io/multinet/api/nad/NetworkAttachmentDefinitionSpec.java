package io.multinet.api.nad;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkAttachmentDefinitionSpec {

    @JsonPropertyDescription("NetworkAttachmentDefinition config is a JSON-formatted CNI configuration")
    public String config;

    public NetworkAttachmentDefinitionSpec() {
    }

    public NetworkAttachmentDefinitionSpec(String config) {
        this.config = config;
    }
}
