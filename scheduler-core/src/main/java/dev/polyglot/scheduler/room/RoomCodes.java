package dev.polyglot.scheduler.room;

import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Room codes and room ids (spec/BEHAVIOUR.md §12, PROTOCOL.md §3). A code is 6 random decimal digits
 * {@code 100000}–{@code 999999}, drawn again on collision up to 10 times; from the 12th claim on it is the first 6
 * characters of a random UUID. A room id is a random UUIDv4. The caller's random source decides everything, so a
 * seeded source gives the same codes (for tests); codes are not secrets and need no secure source.
 */
public final class RoomCodes {
  /** Claims made with digit codes: the first draw and up to 10 draws again after a collision. */
  public static final int DIGIT_CLAIMS = 11;

  private RoomCodes() {}

  /** The code to claim on claim number {@code claim} (0 = the first) of one {@code room_create}. */
  public static String code(int claim, RandomGenerator random) {
    if (claim < 0) throw new IllegalArgumentException("claim must be >= 0: " + claim);
    if (claim < DIGIT_CLAIMS) return Integer.toString(100_000 + random.nextInt(900_000));
    return uuid(random).substring(0, 6);
  }

  /** A random UUIDv4 (variant 2), lower-case canonical form. */
  public static String uuid(RandomGenerator random) {
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb).toString();
  }
}
