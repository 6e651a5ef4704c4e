package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** What the rig observed, from the sockets' side. Latencies in microseconds. */
final class RigStats {
  /** One utterance in flight: when its final frame left, whether it falls in the measured window. */
  private static final class Flight {
    final long finalSentNanos;
    final boolean measured;
    volatile boolean placed;

    Flight(long finalSentNanos, boolean measured) {
      this.finalSentNanos = finalSentNanos;
      this.measured = measured;
    }
  }

  final Recorder dispatch = new Recorder(3);
  final Recorder endToEnd = new Recorder(3);
  private final ConcurrentHashMap<String, Flight> flights = new ConcurrentHashMap<>();
  final LongAdder sent = new LongAdder();
  final LongAdder placed = new LongAdder();
  final LongAdder assigns = new LongAdder();
  final LongAdder results = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder backpressure = new LongAdder();
  final LongAdder otherErrors = new LongAdder();
  final LongAdder unknownAssigns = new LongAdder();
  final LongAdder heartbeatsQueued = new LongAdder();
  final LongAdder heartbeatsWritten = new LongAdder();
  final LongAdder slotViolations = new LongAdder();
  final AtomicInteger maxRunningOnANode = new AtomicInteger();
  final ConcurrentHashMap<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
  volatile long measureFromNanos = Long.MAX_VALUE;
  volatile boolean verbose;

  static String key(String sessionId, int index) {
    return sessionId + "#" + index;
  }

  void onFinalSent(String sessionId, int index, long nanos) {
    sent.increment();
    flights.put(key(sessionId, index), new Flight(nanos, nanos >= measureFromNanos));
  }

  void onAssign(String sessionId, int index, int attempt, String nodeId) {
    long now = System.nanoTime();
    assigns.increment();
    Flight f = flights.get(key(sessionId, index));
    if (f == null) {
      unknownAssigns.increment();
      return;
    }
    if (!f.placed) {
      f.placed = true;
      placed.increment();
      if (f.measured && attempt == 1) dispatch.recordValue(Math.max(0, (now - f.finalSentNanos) / 1000));
    }
    if (verbose) System.out.printf("  job_assign   %s utterance %d -> %s (attempt %d)%n", sessionId, index, nodeId, attempt);
  }

  void onResult(String sessionId, int index) {
    long now = System.nanoTime();
    Flight f = flights.remove(key(sessionId, index));
    if (f == null) return; // a duplicate
    results.increment();
    if (f.measured) endToEnd.recordValue(Math.max(0, (now - f.finalSentNanos) / 1000));
    if (verbose) System.out.printf("  translation  %s utterance %d back after %.1f ms%n", sessionId, index, (now - f.finalSentNanos) / 1e6);
  }

  void onJobError(String sessionId, int index, String code) {
    errorCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
    if (flights.remove(key(sessionId, index)) != null) failed.increment();
    if (verbose) System.out.printf("  error        %s utterance %d: %s%n", sessionId, index, code);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One message the target sent, parsed; {@code null} (and counted) when it is not JSON. */
  JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      onOtherError("RIG_INVALID_JSON");
      return null;
    }
  }

  void onOtherError(String code) {
    otherErrors.increment();
    errorCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
  }

  void onRunning(int running, int slots) {
    maxRunningOnANode.accumulateAndGet(running, Math::max);
    if (running > slots) slotViolations.increment();
  }

  /** Utterances sent that have neither a result nor a job error yet. */
  int inFlight() {
    return flights.size();
  }

  Map<String, Long> errorCodes() {
    Map<String, Long> out = new TreeMap<>();
    errorCodes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  static Histogram empty() {
    return new Histogram(3);
  }
}
