package dev.polyglot.scheduler.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The scheduler's HTTP API as an operator's script calls it (loopback, bounded in time). */
final class Api {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  record Response(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (Exception e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  private Api() {}

  static Response get(int port, String path) {
    return send(port, path, "GET", null);
  }

  static Response post(int port, String path, String token) {
    return send(port, path, "POST", token);
  }

  static Response send(int port, String path, String method, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) b.header("Authorization", "Bearer " + token);
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed", e);
    }
  }

  static JsonNode json(int port, String path) {
    Response r = get(port, path);
    if (r.status() != 200) throw new AssertionError("GET " + path + " answered " + r.status() + ": " + r.body());
    return r.json();
  }
}
