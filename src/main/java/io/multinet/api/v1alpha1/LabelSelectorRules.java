package io.multinet.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

/**
 * The API server's rules for a label selector, which a CRD's schema cannot express: an expression
 * needs a key and one of four operators, In and NotIn need values, Exists and DoesNotExist take
 * none. Checked before acting, so a selector never reaches the matcher half-formed.
 */
public final class LabelSelectorRules {

    private static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

    private LabelSelectorRules() {
    }

    public static List<String> problems(String field, LabelSelector selector) {
        List<String> out = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> {
                if (k == null || k.isEmpty()) {
                    out.add(field + ".matchLabels: a key is empty");
                }
            });
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
        if (expressions == null) {
            return out;
        }
        for (int i = 0; i < expressions.size(); i++) {
            LabelSelectorRequirement r = expressions.get(i);
            String at = field + ".matchExpressions[" + i + "]";
            if (r == null) {
                out.add(at + ": is empty");
                continue;
            }
            if (r.getKey() == null || r.getKey().isEmpty()) {
                out.add(at + ".key: is required");
            }
            String op = r.getOperator();
            if (op == null || !OPERATORS.contains(op)) {
                out.add(at + ".operator: " + (op == null ? "is required" : "'" + Quote.cut(op) + "' is not one of In, NotIn, Exists, DoesNotExist"));
                continue;
            }
            boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
            if ((op.equals("In") || op.equals("NotIn")) && !hasValues) {
                out.add(at + ".values: " + op + " needs at least one value");
            }
            if ((op.equals("Exists") || op.equals("DoesNotExist")) && hasValues) {
                out.add(at + ".values: " + op + " takes no values");
            }
        }
        return out;
    }
}
