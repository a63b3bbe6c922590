package io.multinet.api.v1alpha1;

import java.util.List;

/**
 * The planner's verdict on one network. When errors is not empty the network is rejected and
 * allocation holds what it had been given before (possibly null): the running network keeps it.
 */
public record Plan(String network, Allocation allocation, List<String> errors, List<String> warnings) {

    /** How an error that is a capacity limit of the settings (not a fault of the spec) begins. */
    public static final String CAPACITY = "capacity: ";

    public boolean valid() {
        return errors.isEmpty();
    }

    /** All errors as one message for a condition or an Event. */
    public String errorMessage() {
        return String.join("; ", errors);
    }
}
