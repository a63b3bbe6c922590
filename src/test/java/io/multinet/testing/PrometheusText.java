package io.multinet.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads Prometheus' text exposition format strictly enough to catch a malformed scrape. */
public final class PrometheusText {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    /** Every problem in the text, one per line; empty when it is valid. */
    public static List<String> problems(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                if (p.length != 4 || !NAME.matcher(p[2]).matches()
                        || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3])) {
                    problems.add(n + ": bad TYPE line: " + line);
                } else if (types.put(p[2], p[3]) != null) {
                    problems.add(n + ": second TYPE for " + p[2]);
                }
            } else if (line.startsWith("#")) {
                if (!line.startsWith("# HELP ") && !line.startsWith("# EOF")) {
                    problems.add(n + ": unknown comment: " + line);
                }
            } else if (!SAMPLE.matcher(line).matches()) {
                problems.add(n + ": bad sample: " + line);
            }
        }
        return problems;
    }

    public static List<Sample> samples(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                Map<String, String> labels = new HashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4).replace("+Inf", "Infinity"))));
            }
        }
        return out;
    }

    /** The value of the one sample with this name and these labels (others may exist). */
    public static double value(String text, String name, Map<String, String> labels) {
        return samples(text).stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    public static boolean has(String text, String name) {
        return samples(text).stream().anyMatch(s -> s.name().equals(name));
    }
}
