package io.multinet.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/** Standard Kubernetes conditions; lastTransitionTime moves only when the status flips. */
public final class Conditions {

    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    private Conditions() {
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Returns a new list with the condition set, keeping the old transition time when the status is unchanged. */
    public static List<Condition> set(List<Condition> previous, List<Condition> building, String type, boolean status,
            String reason, String message, Long generation, String now) {
        String s = status ? "True" : "False";
        String since = find(previous, type).filter(c -> s.equals(c.getStatus())).map(Condition::getLastTransitionTime).orElse(now);
        List<Condition> out = new ArrayList<>(building);
        out.add(new ConditionBuilder().withType(type).withStatus(s).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(since).build());
        return out;
    }
}
