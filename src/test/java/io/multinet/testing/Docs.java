package io.multinet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the project's pages say, read the way tests hold them to the code. */
public final class Docs {

    private static final Pattern METRIC_ROW = Pattern.compile("^\\| `(multinet_[a-z_]+)`");

    private Docs() {
    }

    public static String read(String page) {
        try {
            return Files.readString(Path.of(page));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of a page's section: from its heading to the next heading of the same or a higher level. */
    public static List<String> section(String page, String heading) {
        List<String> lines = read(page).lines().toList();
        int at = lines.indexOf(heading);
        if (at < 0) {
            throw new AssertionError(page + " has no heading '" + heading + "'");
        }
        int level = level(heading);
        List<String> out = new ArrayList<>();
        for (String l : lines.subList(at + 1, lines.size())) {
            if (level(l) > 0 && level(l) <= level) {
                break;
            }
            out.add(l);
        }
        return out;
    }

    /** 2 for "## A heading", 0 for a line that is no heading. */
    private static int level(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == '#') {
            n++;
        }
        return n > 0 && n < line.length() && line.charAt(n) == ' ' ? n : 0;
    }

    /** The `multinet_*` series a section of docs/metrics.md lists, each with whether it exists only after first use. */
    public record Metric(String name, boolean fromFirstUse) {
    }

    public static List<Metric> metrics(String heading) {
        List<Metric> out = new ArrayList<>();
        for (String l : section("docs/metrics.md", heading)) {
            Matcher m = METRIC_ROW.matcher(l);
            if (m.find()) {
                out.add(new Metric(m.group(1), l.contains("from its first use") || l.contains("from its first reconcile")));
            }
        }
        if (out.isEmpty()) {
            throw new AssertionError("docs/metrics.md lists no multinet_ series under " + heading);
        }
        return out;
    }

    /** A documented series in a scrape: the name itself, or its _count/_bucket/_sum for a histogram. */
    public static boolean scraped(String text, String name) {
        return PrometheusText.has(text, name) || PrometheusText.has(text, name + "_count");
    }
}
