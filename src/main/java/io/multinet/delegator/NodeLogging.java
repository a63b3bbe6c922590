package io.multinet.delegator;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The node daemon's log: java.util.logging on stderr in the operator's line format (time in UTC,
 * level, category, message), at multinet.node.log-level.
 */
final class NodeLogging {

    private NodeLogging() {
    }

    static void configure(String level) {
        Level l = level(level);
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler h = new ConsoleHandler();
        h.setLevel(l);
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String category = r.getLoggerName() == null ? "" : r.getLoggerName().replace("io.multinet.", "i.m.");
                String level = name(r.getLevel());
                StringBuilder sb = new StringBuilder().append(UtcTime.clock(r.getMillis())).append(' ').append(level)
                        .append("     ", level.length(), 5).append(" [").append(category).append("] ").append(formatMessage(r));
                if (r.getThrown() != null) {
                    java.io.StringWriter w = new java.io.StringWriter();
                    r.getThrown().printStackTrace(new java.io.PrintWriter(w));
                    sb.append('\n').append(w);
                }
                return sb.append('\n').toString();
            }
        });
        root.addHandler(h);
        root.setLevel(l);
    }

    static Level level(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "ERROR", "SEVERE", "FATAL" -> Level.SEVERE;
            case "WARN", "WARNING" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG", "FINE" -> Level.FINE;
            case "TRACE", "FINEST", "ALL" -> Level.FINEST;
            case "OFF" -> Level.OFF;
            default -> throw new IllegalArgumentException("multinet.node.log-level (env MULTINET_NODE_LOG_LEVEL): '" + name
                    + "' is not one of ERROR, WARN, INFO, DEBUG, TRACE, OFF");
        };
    }

    private static String name(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (l.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (l.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return l.intValue() >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }
}
