package dev.polyglot.scheduler.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one node connection's frames exactly as {@link WireCodec#decodeNode} does, with a fast path for
 * {@code node_heartbeat}: the agent repeats its lists (services, capabilities, models, languages) and its metric
 * objects in every heartbeat, almost always unchanged, so the frame is read with a streaming parser, and a list or
 * metric object whose text is character for character the one this connection sent before is not built into a tree,
 * mapped or checked again: the value decoded from that text last time is used (a pure function of the text). Only
 * the small parts (ids, {@code resource_usage}, the timestamp) are read each time.
 *
 * <p>The fast path only ever accepts: a frame it cannot take as a valid heartbeat (bad JSON, another type, a field
 * that rejects the message, trailing tokens) goes to {@link WireCodec#decodeNode}, which gives the reply it always
 * gave. Unknown fields are skipped as the tree path ignores them, duplicate keys take the last value as it does, and
 * ignored optional fields are reported in the same order. Not thread-safe: one per socket actor; what it remembers is
 * lost with the socket.
 */
public final class NodeDecoder {

  /** The text of one section as last decoded, and what it decoded to (with the fields it ignored). */
  private record Memo(String text, Object value, List<String> ignored) {}

  private static final int SECTIONS = WireCodec.HeartbeatSection.ALL.length;

  private final WireCodec codec;
  private final Memo[] memos = new Memo[SECTIONS];
  private long fastPathHits;

  NodeDecoder(WireCodec codec) {
    this.codec = codec;
  }

  /** The same outcome as {@link WireCodec#decodeNode(String)}. */
  public Decoded<NodeInbound> decode(String text) {
    Decoded<NodeInbound> fast = heartbeat(text);
    return fast != null ? fast : codec.decodeNode(text);
  }

  /** Heartbeats decoded by the fast path (tests). */
  long fastPathHits() {
    return fastPathHits;
  }

  /** A valid heartbeat read the fast way, or null: then the tree path decides. */
  private Decoded<NodeInbound> heartbeat(String text) {
    if (text == null || text.length() > codec.maxDocumentLength()) return null;
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    int[] start = new int[SECTIONS];
    int[] end = new int[SECTIONS];
    try (JsonParser p = codec.factory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        WireCodec.HeartbeatSection section = WireCodec.HeartbeatSection.of(name);
        if (section != null && (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT)) {
          int i = section.ordinal();
          start[i] = (int) p.currentTokenLocation().getCharOffset();
          p.skipChildren();
          end[i] = (int) p.currentLocation().getCharOffset();
          root.remove(name); // the last of duplicate keys wins, as in the tree
        } else if (section != null || name.equals("type") || name.equals("node_id") || name.equals("timestamp")
            || name.equals("resource_usage")) {
          if (section != null) end[section.ordinal()] = 0;
          root.set(name, (JsonNode) codec.valueReader().readTree(p));
        } else {
          p.skipChildren(); // unknown: ignored, as the tree path ignores it
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
    JsonNode type = root.get("type");
    if (type == null || !type.isTextual() || !type.textValue().equals("node_heartbeat")) return null;
    List<String> ignored = new ArrayList<>(0);
    try {
      FieldReader r = new FieldReader(root, "", ignored, codec.inputLimits());
      NodeInbound.Heartbeat h = WireCodec.heartbeat(r, (reader, section) -> {
        int i = section.ordinal();
        return end[i] == 0 ? WireCodec.Sections.TREE.read(reader, section) : section(text, start[i], end[i], section, ignored);
      });
      fastPathHits++;
      return new Decoded.Ok<>(h, ignored);
    } catch (FieldReader.Reject r) {
      return null;
    }
  }

  /** The value of one section from its text: the one decoded last time when the text is the same. */
  private Object section(String text, int from, int to, WireCodec.HeartbeatSection section, List<String> ignored) {
    Memo m = memos[section.ordinal()];
    int len = to - from;
    if (m != null && m.text().length() == len && text.regionMatches(from, m.text(), 0, len)) {
      ignored.addAll(m.ignored());
      return m.value();
    }
    String own = text.substring(from, to);
    ObjectNode holder = JsonNodeFactory.instance.objectNode();
    try {
      holder.set(section.field, codec.reader().readTree(own));
    } catch (IOException e) { // the whole frame parsed, so this does not happen: the tree path decides
      throw new FieldReader.Reject("section " + section.field + " unreadable", false);
    }
    List<String> mine = new ArrayList<>(0);
    Object value = WireCodec.Sections.TREE.read(new FieldReader(holder, "", mine, codec.inputLimits()), section);
    if (value instanceof List<?> list) value = List.copyOf(list); // shared by later heartbeats: never changes
    memos[section.ordinal()] = new Memo(own, value, List.copyOf(mine));
    ignored.addAll(mine);
    return value;
  }
}
