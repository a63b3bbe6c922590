package io.multinet;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * multinet's own JSON documents (CNI configs and results, cache entries, flannel's JSON, node
 * reports, the API objects the node daemon reads) as Jackson trees, parsed and written with
 * jackson-core's streaming parser and generator. On purpose without an ObjectMapper: the node
 * daemon runs on every node, and data binding's machinery (its serializer and deserializer
 * factories, introspection, caches: about 400 classes) was the largest part of the classes it
 * loaded (issue 20, docs/benchmarks.md). Typed binding, for the operator, is {@link JsonBinding}.
 *
 * <p>The trees are the ones an ObjectMapper with its defaults reads and writes: integers as int, long
 * or big integer nodes by size, other numbers as doubles, the last of duplicate keys kept, content
 * after the first value ignored, empty input a {@link MissingNode}.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    public static ArrayNode array(Collection<String> values) {
        ArrayNode a = NODES.arrayNode(values.size());
        values.forEach(a::add);
        return a;
    }

    public static ObjectNode object(Map<String, String> values) {
        ObjectNode o = NODES.objectNode();
        values.forEach(o::put);
        return o;
    }

    public static JsonNode parse(String text) throws JsonProcessingException {
        return parseInMemory(() -> FACTORY.createParser(text));
    }

    public static JsonNode parse(byte[] utf8) throws JsonProcessingException {
        return parseInMemory(() -> FACTORY.createParser(utf8));
    }

    private interface InMemory {
        JsonParser open() throws IOException;
    }

    /** Parsing text already in memory fails only as a parse error: no I/O happens. */
    private static JsonNode parseInMemory(InMemory source) throws JsonProcessingException {
        try (JsonParser p = source.open()) {
            return read(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory failed: " + e.getMessage(), e);
        }
    }

    public static JsonNode parse(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    /** Compact, as JsonNode.toString() writes it. */
    public static String write(JsonNode n) {
        return write(n, false);
    }

    public static byte[] bytes(JsonNode n) {
        return write(n).getBytes(StandardCharsets.UTF_8);
    }

    /** Indented, as JsonNode.toPrettyString() writes it. */
    public static String pretty(JsonNode n) {
        return write(n, true);
    }

    private static String write(JsonNode n, boolean pretty) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, n);
        } catch (IOException e) {
            // a StringWriter does not fail; a tree that cannot be written (a POJO node) is a bug here
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode v : n) {
                    write(g, v);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                    default -> g.writeNumber(n.doubleValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case BINARY -> g.writeBinary(n.binaryValue());
            case NULL, MISSING -> g.writeNull();
            default -> throw new IOException("a " + n.getNodeType() + " node is not JSON");
        }
    }

    /** The first value of the input as a tree, without recursion (a deeply nested document cannot overflow the stack). */
    private static JsonNode read(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return MissingNode.getInstance();
        }
        Deque<ContainerNode<?>> open = new ArrayDeque<>();
        String field = null;
        while (true) {
            JsonNode value;
            switch (t) {
                case START_OBJECT -> value = NODES.objectNode();
                case START_ARRAY -> value = NODES.arrayNode();
                case FIELD_NAME -> {
                    field = p.currentName();
                    t = next(p);
                    continue;
                }
                case END_OBJECT, END_ARRAY -> {
                    JsonNode done = open.pop();
                    if (open.isEmpty()) {
                        return done;
                    }
                    t = next(p);
                    continue;
                }
                case VALUE_STRING -> value = NODES.textNode(p.getText());
                case VALUE_NUMBER_INT -> value = switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> value = NODES.numberNode(p.getDoubleValue());
                case VALUE_TRUE -> value = NODES.booleanNode(true);
                case VALUE_FALSE -> value = NODES.booleanNode(false);
                case VALUE_NULL -> value = NODES.nullNode();
                default -> throw new JsonParseException(p, "unexpected " + t);
            }
            ContainerNode<?> parent = open.peek();
            if (parent == null && !value.isContainerNode()) {
                return value; // a scalar document
            }
            if (parent instanceof ObjectNode o) {
                o.set(field, value);
            } else if (parent instanceof ArrayNode a) {
                a.add(value);
            }
            if (value instanceof ContainerNode<?> c) {
                open.push(c);
            }
            t = next(p);
        }
    }

    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new JsonParseException(p, "unexpected end of input");
        }
        return t;
    }
}
