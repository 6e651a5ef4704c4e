package dev.polyglot.scheduler.edge;

import dev.polyglot.scheduler.config.SchedulerSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Who may connect to this instance (RELIABILITY.md P8): open WebSockets per client address and per kind, sessions
 * opened through this instance's sockets, and the rate of node registrations per address and in total. Shared by
 * the HTTP routes and every socket actor of the instance, so it is thread-safe: atomic counters, and a
 * {@link ConcurrentHashMap} per address touched only when a socket opens or closes or a node registers, never per
 * message. A socket's place is a {@link Ticket} released exactly once when its stream ends.
 *
 * <p>Lost when the instance stops: everything (the counts are of this instance's live connections).
 */
public final class Admission {

  public enum Kind { SESSION, NODE }

  /** What {@link #open} decides: a place ({@link Ticket}) or why not ({@link Refusal}). */
  public sealed interface Decision permits Ticket, Refusal {}

  /** Why a connection or a registration is refused: an error code and a message for the peer. */
  public record Refusal(String code, String message) implements Decision {}

  public static final String TOO_MANY_CONNECTIONS = "TOO_MANY_CONNECTIONS";
  public static final String TOO_MANY_SESSIONS = "TOO_MANY_SESSIONS";
  public static final String REGISTRATION_RATE_LIMITED = "REGISTRATION_RATE_LIMITED";
  /** Distinct addresses whose registration buckets are kept before the full (idle) ones are dropped (once a second). */
  private static final int BUCKETS_KEPT = 4_096;

  private final SchedulerSettings.Admission settings;
  private final LongSupplier monoMillis;
  private final ConcurrentHashMap<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicInteger sessionSockets = new AtomicInteger();
  private final AtomicInteger nodeSockets = new AtomicInteger();
  private final AtomicInteger sessions = new AtomicInteger();
  private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final AtomicReference<TokenBucket> global;
  private final java.util.concurrent.atomic.AtomicLong lastSweepMs = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE / 2);

  public Admission(SchedulerSettings.Admission settings, LongSupplier monoMillis) {
    this.settings = settings;
    this.monoMillis = monoMillis;
    this.global = new AtomicReference<>(TokenBucket.full(settings.registrationsBurst(), monoMillis.getAsLong()));
  }

  // ---------------------------------------------------------------- sockets

  /** Whether a socket of this kind from this address would be admitted now (nothing is taken: before the upgrade). */
  public Optional<Refusal> check(Kind kind, String address) {
    int cap = cap(kind);
    if (cap > 0 && counter(kind).get() >= cap) return Optional.of(full(kind, cap));
    int perAddressCap = settings.maxSocketsPerAddress();
    if (perAddressCap > 0 && perAddress.getOrDefault(address, 0) >= perAddressCap) {
      return Optional.of(addressFull(perAddressCap));
    }
    return Optional.empty();
  }

  /** Takes a place for one socket, or says why not; the ticket must be closed when the socket's stream ends. */
  public Decision open(Kind kind, String address) {
    int cap = cap(kind);
    AtomicInteger counter = counter(kind);
    if (!increment(counter, cap)) return full(kind, cap);
    int perAddressCap = settings.maxSocketsPerAddress();
    boolean[] taken = {false};
    perAddress.compute(address, (k, n) -> {
      int now = n == null ? 0 : n;
      if (perAddressCap > 0 && now >= perAddressCap) return n;
      taken[0] = true;
      return now + 1;
    });
    if (!taken[0]) {
      counter.decrementAndGet();
      return addressFull(perAddressCap);
    }
    return new Ticket(kind, address);
  }

  /** Open sockets of this kind on this instance. */
  public int openSockets(Kind kind) {
    return counter(kind).get();
  }

  /** Open sockets from this address (both kinds). */
  public int openSockets(String address) {
    return perAddress.getOrDefault(address, 0);
  }

  /** One socket's place; {@link #close} gives it back once, however often it is called. */
  public final class Ticket implements Decision, AutoCloseable {
    private final Kind kind;
    private final String address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Ticket(Kind kind, String address) {
      this.kind = kind;
      this.address = address;
    }

    public String address() {
      return address;
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) return;
      counter(kind).decrementAndGet();
      perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  // ---------------------------------------------------------------- sessions

  /** Takes a place for one session, or says why not; {@link #sessionEnded} gives it back. */
  public Optional<Refusal> startSession() {
    int cap = settings.maxSessions();
    if (increment(sessions, cap)) return Optional.empty();
    return Optional.of(new Refusal(TOO_MANY_SESSIONS, "this scheduler instance has " + cap + " sessions open; retry later"));
  }

  public void sessionEnded() {
    sessions.decrementAndGet();
  }

  public int sessions() {
    return sessions.get();
  }

  // ---------------------------------------------------------------- node registrations

  /** Takes one registration from the address's bucket and the instance's, or says why not. */
  public Optional<Refusal> register(String address) {
    long now = monoMillis.getAsLong();
    int burst = settings.registrationsPerAddressBurst();
    double rate = settings.registrationsPerAddressPerSecond();
    if (burst > 0 && rate > 0) {
      long last = lastSweepMs.get();
      if (buckets.size() > BUCKETS_KEPT && now - last >= 1_000 && lastSweepMs.compareAndSet(last, now)) {
        buckets.values().removeIf(b -> b.fullAt(now, rate, burst));
      }
      boolean[] taken = {false};
      buckets.compute(address, (k, b) -> {
        TokenBucket next = (b == null ? TokenBucket.full(burst, now) : b).take(now, rate, burst);
        taken[0] = next != null;
        return next == null ? b : next;
      });
      if (!taken[0]) {
        return Optional.of(new Refusal(REGISTRATION_RATE_LIMITED, "too many node registrations from this address (at"
            + " most " + burst + " at once, then " + rate + " per second); retry later"));
      }
    }
    int globalBurst = settings.registrationsBurst();
    double globalRate = settings.registrationsPerSecond();
    if (globalBurst > 0 && globalRate > 0) {
      while (true) {
        TokenBucket b = global.get();
        TokenBucket next = b.take(now, globalRate, globalBurst);
        if (next == null) {
          return Optional.of(new Refusal(REGISTRATION_RATE_LIMITED, "too many node registrations on this scheduler"
              + " instance (at most " + globalRate + " per second); retry later"));
        }
        if (global.compareAndSet(b, next)) break;
      }
    }
    return Optional.empty();
  }

  /** Addresses whose registration bucket is remembered (bounded: full buckets are dropped past a few thousand). */
  public int registrationBuckets() {
    return buckets.size();
  }

  // ---------------------------------------------------------------- addresses

  /** The key an address is counted under: an IPv4 address, or the /64 prefix of an IPv6 address (one subscriber). */
  public static String key(InetAddress address) {
    if (address instanceof Inet4Address) return address.getHostAddress();
    byte[] b = address.getAddress();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      if (i > 0) s.append(':');
      s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff)));
    }
    return s.append("::/64").toString();
  }

  // ---------------------------------------------------------------- internals

  private int cap(Kind kind) {
    return kind == Kind.NODE ? settings.maxNodeSockets() : settings.maxSessionSockets();
  }

  private AtomicInteger counter(Kind kind) {
    return kind == Kind.NODE ? nodeSockets : sessionSockets;
  }

  private static boolean increment(AtomicInteger counter, int cap) {
    while (true) {
      int n = counter.get();
      if (cap > 0 && n >= cap) return false;
      if (counter.compareAndSet(n, n + 1)) return true;
    }
  }

  private static Refusal full(Kind kind, int cap) {
    return new Refusal(TOO_MANY_CONNECTIONS, "this scheduler instance has " + cap + " "
        + (kind == Kind.NODE ? "node" : "session") + " connections open; retry later");
  }

  private static Refusal addressFull(int cap) {
    return new Refusal(TOO_MANY_CONNECTIONS, "too many connections from your address (at most " + cap + "); close some"
        + " or retry later");
  }
}
