package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.session.Segmenter.GapMode;
import dev.polyglot.scheduler.session.Segmenter.Outcome;
import dev.polyglot.scheduler.session.Segmenter.Reason;
import dev.polyglot.scheduler.session.Segmenter.Settings;
import dev.polyglot.scheduler.session.Segmenter.Step;
import dev.polyglot.scheduler.session.Segmenter.Utterance;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SegmenterTest {

    /** Deterministic turn ids t1, t2, ... */
    private static final class Ids implements Supplier<String> {
        int n;
        @Override public String get() { return "t" + (++n); }
    }

    private final Ids ids = new Ids();
    private Segmenter seg = Segmenter.initial(Settings.defaults(), "opus");
    private final List<Utterance> jobs = new ArrayList<>();

    private static byte[] bytes(int n) { return bytes(n, (byte) 1); }

    private static byte[] bytes(int n, byte fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, fill);
        return b;
    }

    private Step apply(Step s) {
        seg = s.next();
        jobs.addAll(s.ready());
        return s;
    }

    private Step chunk(long now, int n) { return apply(seg.onChunk(bytes(n), false, null, now, ids)); }
    private Step fin(long now) { return apply(seg.onChunk(new byte[0], true, null, now, ids)); }
    private Step pause(long now) { return apply(seg.onPauseTimer(now, ids)); }
    private Step hangover(long now) { return apply(seg.onHangoverTimer(now, ids)); }

    /** Defaults with a 5000-byte cap, so opus chunks reach the cap long before max duration. */
    private static Settings smallCap() {
        Settings d = Settings.defaults();
        return new Settings(d.pauseMs(), d.maxDurationMs(), 5000, d.hangoverAutoMs(), d.hangoverManualMs(),
                d.paddingAutoMs(), d.paddingManualMs(), d.opusBytesPerFrame(), d.gapMode(), d.playbackWindowMaxMs());
    }

    private static Settings with(GapMode mode) {
        Settings d = Settings.defaults();
        return new Settings(d.pauseMs(), d.maxDurationMs(), d.maxBufferBytes(), d.hangoverAutoMs(), d.hangoverManualMs(),
                d.paddingAutoMs(), d.paddingManualMs(), d.opusBytesPerFrame(), mode, d.playbackWindowMaxMs());
    }

    // ------------------------------------------------------------------ defaults and estimates

    @Test
    void defaults_are_the_numbers_of_section_16() {
        assertEquals(new Settings(3000, 10000, 512000, 150, 200, 220, 280, 60, GapMode.NEXT_UTTERANCE, 60000), Settings.defaults());
    }

    @Test
    void opus_estimate_is_floor_of_bytes_over_60_times_20_per_chunk() {
        chunk(0, 119);       // 1 frame -> 20
        chunk(10, 59);       // 0 frames -> 0 (per chunk, not per buffer)
        chunk(20, 780);      // 13 frames -> 260
        assertEquals(280, seg.estMs());
        assertEquals(958, seg.bufferedBytes());
    }

    @Test
    void pcm16_estimate_is_exact_at_16_kHz_and_other_formats_estimate_zero() {
        Segmenter p = Segmenter.initial(Settings.defaults(), "pcm16");
        p = p.onChunk(bytes(16_000), false, null, 0, ids).next();
        p = p.onChunk(bytes(16_000), false, null, 1, ids).next();
        assertEquals(1000, p.estMs());
        Segmenter w = Segmenter.initial(Settings.defaults(), "wav").onChunk(bytes(100_000), false, null, 0, ids).next();
        assertEquals(0, w.estMs());
    }

    // ------------------------------------------------------------------ §17 item 9: manual cut

    @Test
    void chunks_of_256_ms_then_an_empty_is_final_give_one_manual_cut_with_padding_280_released_200_ms_after_the_final_chunk() {
        byte[] a = bytes(780, (byte) 1), b = bytes(780, (byte) 2), c = bytes(780, (byte) 3);
        apply(seg.onChunk(a, false, 111L, 0, ids));
        apply(seg.onChunk(b, false, 222L, 256, ids));
        apply(seg.onChunk(c, false, null, 512, ids));
        Step s = fin(768);
        assertEquals(Outcome.OK, s.outcome());
        assertTrue(s.ready().isEmpty(), "hangover is a timer, not immediate");
        assertEquals(OptionalLong.of(968), seg.hangoverDueAt());
        assertEquals(1, seg.index(), "chunks after the seal go to the new index");
        assertEquals(1, seg.sealedWaiting());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());

        assertTrue(hangover(967).ready().isEmpty(), "not 1 ms before");
        Step r = hangover(968);
        assertEquals(1, r.ready().size());
        Utterance u = r.ready().get(0);
        assertEquals(0, u.index());
        assertEquals(Reason.IS_FINAL, u.reason());
        assertTrue(u.manualCut());
        assertFalse(u.timeoutTriggered());
        assertFalse(u.maxDurationTriggered());
        assertEquals(280, u.paddingMs());
        assertEquals(780 * 3, u.audio().length);
        assertEquals(1, u.audio()[0]);
        assertEquals(2, u.audio()[780]);
        assertEquals(3, u.audio()[1560]);
        assertEquals(780, u.estMs());
        assertEquals(111L, u.firstClientTs());
        assertEquals("t1", u.turnId());
        assertEquals(OptionalLong.empty(), seg.hangoverDueAt());
        assertEquals(0, seg.sealedWaiting());
    }

    @Test
    void a_non_empty_is_final_chunk_is_appended_before_the_cut() {
        apply(seg.onChunk(bytes(600), false, null, 0, ids));
        apply(seg.onChunk(bytes(120), true, null, 100, ids));
        hangover(300);
        assertEquals(1, jobs.size());
        assertEquals(720, jobs.get(0).audio().length);
    }

    // ------------------------------------------------------------------ §17 item 10: timeouts

    @Test
    void three_seconds_without_chunks_give_a_timer_cut_with_timeout_flag_padding_220_and_hangover_150() {
        chunk(0, 780);
        chunk(256, 780);
        assertEquals(OptionalLong.of(3256), seg.pauseDueAt());
        assertTrue(pause(3255).ready().isEmpty());
        assertEquals(1560, seg.bufferedBytes(), "a stale early timer does not seal");
        assertEquals(OptionalLong.of(3256), seg.pauseDueAt());
        Step s = pause(3256);
        assertEquals(Outcome.OK, s.outcome());
        assertEquals(0, seg.bufferedBytes());
        assertEquals(1, seg.index());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
        assertEquals(OptionalLong.of(3406), seg.hangoverDueAt());
        assertTrue(hangover(3405).ready().isEmpty());
        Utterance u = hangover(3406).ready().get(0);
        assertEquals(Reason.TIMEOUT_TIMER, u.reason());
        assertTrue(u.timeoutTriggered());
        assertFalse(u.manualCut());
        assertFalse(u.maxDurationTriggered());
        assertEquals(220, u.paddingMs());
        assertEquals(1560, u.audio().length);
    }

    @Test
    void the_first_chunk_after_a_gap_opens_index_plus_one_and_never_forms_a_one_chunk_job() {
        chunk(0, 780);
        pause(3000);
        hangover(3150);
        assertEquals(1, jobs.size());
        Step s = chunk(5000, 780);          // 5 s after the previous chunk
        assertTrue(s.ready().isEmpty());
        assertEquals(0, seg.sealedWaiting(), "no one-chunk job");
        assertEquals(1, seg.index());
        assertEquals(780, seg.bufferedBytes());
        chunk(5256, 780);
        fin(5300);
        hangover(5500);
        assertEquals(2, jobs.size());
        assertEquals(1, jobs.get(1).index());
        assertEquals(1560, jobs.get(1).audio().length);
    }

    @Test
    void in_next_utterance_mode_a_late_timer_lets_the_gap_rule_seal_the_old_buffer_and_the_new_chunk_starts_the_next() {
        chunk(0, 780);
        Step s = chunk(3001, 600);          // the pause timer has not fired yet
        assertTrue(s.ready().isEmpty());
        assertEquals(1, seg.index());
        assertEquals(600, seg.bufferedBytes());
        assertEquals(OptionalLong.of(3151), seg.hangoverDueAt());
        assertEquals(OptionalLong.of(6001), seg.pauseDueAt());
        Utterance u = hangover(3151).ready().get(0);
        assertEquals(Reason.TIMEOUT_GAP, u.reason());
        assertTrue(u.timeoutTriggered());
        assertEquals(220, u.paddingMs());
        assertEquals(780, u.audio().length);
    }

    @Test
    void a_gap_of_exactly_3000_ms_is_not_a_gap() {
        chunk(0, 780);
        chunk(3000, 780);
        assertEquals(0, seg.sealedWaiting());
        assertEquals(1560, seg.bufferedBytes());
    }

    @Test
    void empty_chunks_neither_move_last_chunk_at_nor_trigger_the_gap_rule() {
        chunk(0, 780);
        chunk(2000, 0);
        assertEquals(OptionalLong.of(3000), seg.pauseDueAt());
        apply(seg.onChunk(null, false, null, 4000, ids));   // absent payload
        assertEquals(0, seg.sealedWaiting());
        assertEquals(780, seg.bufferedBytes());
    }

    @Test
    void in_current_utterance_mode_the_gap_chunk_is_appended_and_the_whole_buffer_sealed_with_timeout() {
        seg = Segmenter.initial(with(GapMode.CURRENT_UTTERANCE), "opus");
        chunk(0, 780);
        chunk(3500, 600);                   // timer did not fire in time
        assertEquals(0, seg.bufferedBytes());
        assertEquals(1, seg.index());
        assertEquals(OptionalLong.of(3650), seg.hangoverDueAt());
        Utterance u = hangover(3650).ready().get(0);
        assertEquals(Reason.TIMEOUT_GAP, u.reason());
        assertTrue(u.timeoutTriggered());
        assertEquals(1380, u.audio().length);
        assertEquals(220, u.paddingMs());
    }

    @Test
    void in_current_utterance_mode_after_a_timer_cut_the_gap_chunk_alone_is_sealed_as_lingua_does() {
        // literal B§7.2: the gap is noted even though the timer already emptied the buffer
        seg = Segmenter.initial(with(GapMode.CURRENT_UTTERANCE), "opus");
        chunk(0, 780);
        pause(3000);
        chunk(5000, 600);
        hangover(5150);
        assertEquals(List.of(0, 1), jobs.stream().map(Utterance::index).toList());
        assertEquals(600, jobs.get(1).audio().length);
        assertEquals(Reason.TIMEOUT_GAP, jobs.get(1).reason());
    }

    @Test
    void in_current_utterance_mode_is_final_on_the_gap_chunk_wins_over_timeout() {
        seg = Segmenter.initial(with(GapMode.CURRENT_UTTERANCE), "opus");
        chunk(0, 780);
        apply(seg.onChunk(bytes(600), true, null, 3500, ids));
        Utterance u = hangover(3700).ready().get(0);
        assertEquals(Reason.IS_FINAL, u.reason());
        assertTrue(u.manualCut());
        assertFalse(u.timeoutTriggered());
        assertEquals(1380, u.audio().length);
    }

    // ------------------------------------------------------------------ §17 item 11: max duration and turn id

    @Test
    void thirty_thousand_bytes_of_opus_give_a_max_duration_cut_sharing_turn_id_with_the_closing_job_and_the_next_turn_gets_a_new_one() {
        long t = 0;
        for (int i = 0; i < 49; i++, t += 200) chunk(t, 600);       // 49 * 200 ms = 9800 ms
        assertEquals(9800, seg.estMs());
        assertEquals(0, seg.sealedWaiting());
        chunk(t, 600);                                               // 30 000 bytes, 10 000 ms
        assertEquals(1, seg.sealedWaiting());
        assertEquals(1, seg.index());
        assertEquals(0, seg.estMs());
        assertEquals(OptionalLong.of(t + 150), seg.hangoverDueAt());
        chunk(t + 100, 600);
        fin(t + 120);                                                // closing job, due t + 320
        Utterance md = hangover(t + 150).ready().get(0);
        assertEquals(Reason.MAX_DURATION, md.reason());
        assertEquals(30_000, md.audio().length);
        assertEquals(10_000, md.estMs());
        assertTrue(md.maxDurationTriggered());
        assertFalse(md.manualCut());
        assertFalse(md.timeoutTriggered());
        assertEquals(220, md.paddingMs());
        assertEquals("t1", md.turnId());
        assertEquals("t1", seg.turnId().orElseThrow(), "max duration stores the turn");

        Utterance closing = hangover(t + 320).ready().get(0);
        assertEquals(Reason.IS_FINAL, closing.reason());
        assertEquals(1, closing.index());
        assertEquals("t1", closing.turnId());
        assertTrue(seg.turnId().isEmpty(), "is_final clears the turn");

        chunk(t + 1000, 600);
        fin(t + 1100);
        hangover(t + 1300);
        assertEquals("t2", jobs.get(2).turnId());
    }

    @Test
    void timeout_clears_the_turn_and_max_length_and_session_close_leave_it() {
        Settings d = Settings.defaults();
        // max duration 1000 ms (3000 bytes of opus) and a 5000-byte cap, to reach both quickly
        seg = Segmenter.initial(new Settings(d.pauseMs(), 1000, 5000, d.hangoverAutoMs(), d.hangoverManualMs(),
                d.paddingAutoMs(), d.paddingManualMs(), d.opusBytesPerFrame(), d.gapMode(), d.playbackWindowMaxMs()), "opus");
        chunk(0, 3000);                                  // MaxDuration
        hangover(150);                                   // released, turn = t1
        assertEquals("t1", seg.turnId().orElseThrow());
        chunk(200, 2000);
        chunk(210, 3200);                                // 5200 > 5000: MaxLength (wins over MaxDuration), at once
        assertEquals(Reason.MAX_LENGTH, jobs.get(1).reason());
        assertEquals("t1", jobs.get(1).turnId());
        assertEquals("t1", seg.turnId().orElseThrow(), "max length leaves the turn");
        chunk(230, 600);
        apply(seg.onSessionClose(240, ids));
        assertEquals(Reason.SESSION_CLOSE, jobs.get(2).reason());
        assertEquals("t1", jobs.get(2).turnId());
        assertEquals("t1", seg.turnId().orElseThrow(), "session close leaves the turn");

        Segmenter s2 = Segmenter.initial(Settings.defaults(), "opus");
        long u = 0;
        for (int i = 0; i < 50; i++, u += 200) s2 = s2.onChunk(bytes(600), false, null, u, ids).next();
        s2 = s2.onHangoverTimer(u, ids).next();
        s2 = s2.onChunk(bytes(600), false, null, u + 10, ids).next();
        Step p = s2.onPauseTimer(u + 3010, ids);
        Step h = p.next().onHangoverTimer(u + 3160, ids);
        assertEquals(Reason.TIMEOUT_TIMER, h.ready().get(0).reason());
        assertEquals(s2.turnId().orElseThrow(), h.ready().get(0).turnId(), "the timeout job closes the turn");
        assertTrue(h.next().turnId().isEmpty(), "timeout clears the turn");
    }

    @Test
    void max_length_with_no_turn_takes_a_new_id_and_leaves_the_session_without_a_turn() {
        seg = Segmenter.initial(smallCap(), "opus");
        chunk(0, 3000);
        Step s = chunk(10, 3000);
        assertEquals("t1", s.ready().get(0).turnId());
        assertTrue(seg.turnId().isEmpty());
        chunk(20, 600);
        fin(30);
        hangover(230);
        assertEquals("t2", jobs.get(1).turnId());
    }

    // ------------------------------------------------------------------ §17 item 12: empty finalize

    @Test
    void an_empty_is_final_after_a_timer_cut_creates_nothing_and_keeps_the_index() {
        chunk(0, 780);
        pause(3000);
        hangover(3150);
        assertEquals(1, seg.index());
        Step s = fin(3200);
        assertEquals(Outcome.EMPTY_FINALIZE, s.outcome());
        assertTrue(s.ready().isEmpty());
        assertEquals(1, seg.index());
        assertEquals(0, seg.sealedWaiting());
        assertEquals(OptionalLong.empty(), seg.hangoverDueAt());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
        hangover(10_000);
        assertEquals(1, jobs.size());
    }

    @Test
    void an_is_final_on_a_fresh_session_is_an_empty_finalize_at_index_0() {
        Step s = fin(0);
        assertEquals(Outcome.EMPTY_FINALIZE, s.outcome());
        assertEquals(0, seg.index());
    }

    @Test
    void a_pause_timer_firing_on_an_empty_buffer_is_an_empty_finalize() {
        Step s = pause(5000);
        assertEquals(Outcome.EMPTY_FINALIZE, s.outcome());
        assertTrue(s.ready().isEmpty());
        assertEquals(0, seg.index());
    }

    // ------------------------------------------------------------------ §17 item 13: playback window

    @Test
    void with_the_playback_window_open_a_5_second_gap_does_not_cut_and_3_seconds_after_tts_play_ended_the_timer_does() {
        chunk(0, 780);
        apply(seg.onTtsStarted(100, ids));
        assertTrue(seg.playbackWindowOpen());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt(), "tts_started disarms the pause timer");
        assertEquals(OptionalLong.of(60_100), seg.playbackWindowDueAt());
        assertTrue(pause(3100).ready().isEmpty());
        assertEquals(780, seg.bufferedBytes(), "the pause timer never seals while the window is open");
        chunk(5100, 780);                                           // 5 s gap
        assertEquals(0, seg.sealedWaiting(), "the gap rule never seals while the window is open");
        assertEquals(1560, seg.bufferedBytes());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt(), "chunks in the window do not arm the timer");

        apply(seg.onTtsPlayEnded(7000, ids));
        assertFalse(seg.playbackWindowOpen());
        assertEquals(OptionalLong.empty(), seg.playbackWindowDueAt());
        assertEquals(OptionalLong.of(10_000), seg.pauseDueAt());
        assertTrue(pause(9999).ready().isEmpty());
        assertEquals(0, seg.sealedWaiting());
        pause(10_000);
        assertEquals(1, seg.sealedWaiting());
        Utterance u = hangover(10_150).ready().get(0);
        assertEquals(Reason.TIMEOUT_TIMER, u.reason());
        assertEquals(1560, u.audio().length);
    }

    @Test
    void with_the_window_open_is_final_max_duration_and_max_length_still_cut() {
        apply(seg.onTtsStarted(0, ids));
        chunk(10, 600);
        fin(20);
        assertEquals(1, seg.sealedWaiting());
        long t = 100;
        for (int i = 0; i < 50; i++, t += 10) chunk(t, 600);
        assertEquals(2, seg.index(), "max duration cut inside the window");
        assertEquals(1, seg.sealedWaiting());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
        assertEquals(2, seg.index());
        hangover(t + 1000);
        assertEquals(List.of(Reason.IS_FINAL, Reason.MAX_DURATION), jobs.stream().map(Utterance::reason).toList());
        seg = Segmenter.initial(smallCap(), "opus").onTtsStarted(0, ids).next();
        chunk(10, 3000);
        Step s = chunk(20, 3000);
        assertEquals(Reason.MAX_LENGTH, s.ready().get(0).reason());
    }

    @Test
    void the_window_closes_by_itself_after_60_s_and_a_repeated_tts_started_restarts_the_limit() {
        apply(seg.onTtsStarted(0, ids));
        apply(seg.onTtsStarted(10_000, ids));
        assertEquals(OptionalLong.of(70_000), seg.playbackWindowDueAt());
        chunk(20_000, 780);
        apply(seg.onPlaybackWindowTimer(60_000, ids));              // stale timer of the first tts_started
        assertTrue(seg.playbackWindowOpen());
        apply(seg.onPlaybackWindowTimer(70_000, ids));
        assertFalse(seg.playbackWindowOpen());
        assertEquals(OptionalLong.empty(), seg.playbackWindowDueAt());
        assertEquals(OptionalLong.of(73_000), seg.pauseDueAt(), "closing resets last_chunk_at and re-arms");
        pause(73_000);
        hangover(73_150);
        assertEquals(1, jobs.size());
    }

    @Test
    void closing_the_window_with_an_empty_buffer_arms_nothing() {
        apply(seg.onTtsStarted(0, ids));
        apply(seg.onTtsPlayEnded(500, ids));
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
    }

    @Test
    void tts_play_ended_without_an_open_window_still_resets_last_chunk_at_and_re_arms_the_timer() {
        chunk(0, 780);
        assertEquals(OptionalLong.of(3000), seg.pauseDueAt());
        apply(seg.onTtsPlayEnded(2000, ids));
        assertEquals(OptionalLong.of(5000), seg.pauseDueAt());
        assertTrue(pause(3000).ready().isEmpty());
        assertEquals(0, seg.sealedWaiting(), "the old due time is stale");
        chunk(4500, 780);                       // 2.5 s after the reset: not a gap
        assertEquals(0, seg.sealedWaiting());
        assertEquals(1560, seg.bufferedBytes());
    }

    @Test
    void tts_started_resets_last_chunk_at_so_a_chunk_right_after_closing_is_no_gap() {
        chunk(0, 780);
        apply(seg.onTtsStarted(2500, ids));
        apply(seg.onTtsPlayEnded(2600, ids));
        chunk(5000, 780);                       // 5 s after the chunk, 2.4 s after the reset
        assertEquals(0, seg.sealedWaiting());
    }

    // ------------------------------------------------------------------ buffer cap

    @Test
    void a_buffer_over_the_cap_is_cut_as_max_length_with_padding_0_no_flags_and_no_hangover() {
        seg = Segmenter.initial(Settings.defaults(), "raw");     // no duration estimate: only the 512 000-byte cap
        chunk(0, 300_000);
        assertTrue(chunk(10, 212_000).ready().isEmpty(), "exactly at the cap is not over it");
        Step s = chunk(20, 1);
        assertEquals(1, s.ready().size(), "hangover 0 releases in the same step");
        Utterance u = s.ready().get(0);
        assertEquals(Reason.MAX_LENGTH, u.reason());
        assertEquals(512_001, u.audio().length);
        assertEquals(0, u.paddingMs());
        assertFalse(u.manualCut() || u.timeoutTriggered() || u.maxDurationTriggered());
        assertEquals(OptionalLong.empty(), seg.hangoverDueAt());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
        assertEquals(1, seg.index());
    }

    @Test
    void max_length_wins_over_is_final_on_the_same_chunk() {
        seg = Segmenter.initial(smallCap(), "opus");
        chunk(0, 3000);
        Step s = apply(seg.onChunk(bytes(3000), true, null, 10, ids));
        assertEquals(Reason.MAX_LENGTH, s.ready().get(0).reason());
        assertEquals(Outcome.OK, s.outcome());
        assertEquals(1, seg.index());
        assertEquals(0, seg.sealedWaiting(), "one reason only: is_final is consumed");
    }

    @Test
    void a_chunk_whose_payload_alone_is_over_the_cap_is_rejected_and_not_appended() {
        chunk(0, 780);
        Step s = chunk(10, 512_001);
        assertEquals(Outcome.CHUNK_TOO_LARGE, s.outcome());
        assertEquals(780, seg.bufferedBytes());
        assertEquals(OptionalLong.of(3000), seg.pauseDueAt(), "a rejected chunk does not move last_chunk_at");
        assertEquals(Outcome.OK, chunk(20, 512_000).outcome(), "a chunk exactly at the cap is accepted");
    }

    @Test
    void a_rejected_chunk_with_is_final_still_cuts() {
        chunk(0, 780);
        Step s = apply(seg.onChunk(bytes(600_000), true, null, 10, ids));
        assertEquals(Outcome.CHUNK_TOO_LARGE, s.outcome());
        assertEquals(1, seg.sealedWaiting());
        Utterance u = hangover(210).ready().get(0);
        assertEquals(Reason.IS_FINAL, u.reason());
        assertEquals(780, u.audio().length);

        Step e = apply(seg.onChunk(bytes(600_000), true, null, 300, ids));
        assertEquals(Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE, e.outcome());
        assertEquals(1, seg.index());
    }

    // ------------------------------------------------------------------ index reservation (§7.4, §8)

    @Test
    void sealing_skips_indices_reserved_by_utterance_messages() {
        seg = seg.reserveIndex(0);
        assertEquals(1, seg.index(), "the collecting index moves off a reserved one");
        seg = seg.reserveIndex(2).reserveIndex(3).reserveIndex(0);
        chunk(0, 780);
        fin(10);
        assertEquals(4, seg.index());
        chunk(20, 780);
        fin(30);
        hangover(1000);
        assertEquals(List.of(1, 4), jobs.stream().map(Utterance::index).toList());
        assertEquals(5, seg.index());
    }

    @Test
    void reserving_the_index_being_collected_keeps_the_buffer_for_the_next_free_index() {
        chunk(0, 780);
        seg = seg.reserveIndex(0);
        assertEquals(1, seg.index());
        assertEquals(780, seg.bufferedBytes());
        fin(10);
        hangover(210);
        assertEquals(1, jobs.get(0).index());
    }

    @Test
    void reserving_an_index_already_behind_changes_nothing() {
        chunk(0, 780);
        fin(10);
        Segmenter before = seg;
        assertSame(before, seg.reserveIndex(0));
    }

    // ------------------------------------------------------------------ FIFO and session close

    @Test
    void jobs_are_released_in_index_order_even_when_a_later_hangover_is_shorter() {
        seg = Segmenter.initial(smallCap(), "opus");
        chunk(0, 780);
        fin(0);                                         // index 0, hangover 200: due 200
        chunk(10, 3000);
        Step s = chunk(20, 3000);                       // index 1, MaxLength, hangover 0: due 20, but behind index 0
        assertTrue(s.ready().isEmpty());
        assertEquals(2, seg.sealedWaiting());
        assertEquals(OptionalLong.of(200), seg.hangoverDueAt(), "the head decides the timer");
        assertTrue(hangover(199).ready().isEmpty());
        Step r = hangover(200);
        assertEquals(List.of(0, 1), r.ready().stream().map(Utterance::index).toList());
        assertEquals(List.of(Reason.IS_FINAL, Reason.MAX_LENGTH), r.ready().stream().map(Utterance::reason).toList());
        assertEquals(OptionalLong.empty(), seg.hangoverDueAt());
    }

    @Test
    void a_timeout_behind_a_manual_cut_is_released_after_it_and_turn_ids_follow_release_order() {
        Settings d = Settings.defaults();
        seg = Segmenter.initial(new Settings(100, d.maxDurationMs(), d.maxBufferBytes(), d.hangoverAutoMs(), d.hangoverManualMs(),
                d.paddingAutoMs(), d.paddingManualMs(), d.opusBytesPerFrame(), d.gapMode(), d.playbackWindowMaxMs()), "opus");
        chunk(0, 780);
        fin(0);                                         // index 0 due 200
        chunk(10, 780);
        pause(110);                                     // index 1 timeout, due 260
        assertEquals(OptionalLong.of(200), seg.hangoverDueAt());
        hangover(200);
        assertEquals(OptionalLong.of(260), seg.hangoverDueAt());
        hangover(260);
        assertEquals(List.of(0, 1), jobs.stream().map(Utterance::index).toList());
        assertEquals(List.of("t1", "t2"), jobs.stream().map(Utterance::turnId).toList());
    }

    @Test
    void a_timeout_sealed_right_after_a_manual_cut_waits_for_it() {
        chunk(0, 780);
        fin(0);                                         // due 200
        chunk(10, 780);
        Step s = chunk(3100, 780);                      // gap: index 1 sealed at 3100 due 3250
        // the head was due long ago: released in this step, index 1 still waits
        assertEquals(List.of(0), s.ready().stream().map(Utterance::index).toList());
        assertEquals(OptionalLong.of(3250), seg.hangoverDueAt());
    }

    @Test
    void session_close_flushes_the_buffer_and_releases_every_sealed_utterance_at_once() {
        chunk(0, 780);
        fin(0);                                         // index 0 due 200
        chunk(10, 780);
        chunk(20, 600);
        apply(seg.onTtsStarted(30, ids));
        Step s = apply(seg.onSessionClose(50, ids));
        assertEquals(2, s.ready().size());
        Utterance a = s.ready().get(0), b = s.ready().get(1);
        assertEquals(0, a.index());
        assertEquals(Reason.IS_FINAL, a.reason());
        assertEquals(1, b.index());
        assertEquals(Reason.SESSION_CLOSE, b.reason());
        assertEquals(1380, b.audio().length);
        assertEquals(220, b.paddingMs());
        assertFalse(b.manualCut() || b.timeoutTriggered() || b.maxDurationTriggered());
        assertEquals(OptionalLong.empty(), seg.hangoverDueAt());
        assertEquals(OptionalLong.empty(), seg.pauseDueAt());
        assertEquals(OptionalLong.empty(), seg.playbackWindowDueAt());
        assertEquals(0, seg.sealedWaiting());
        assertEquals(2, seg.index());
    }

    @Test
    void session_close_with_an_empty_buffer_creates_nothing() {
        Step s = apply(seg.onSessionClose(0, ids));
        assertTrue(s.ready().isEmpty());
        assertEquals(0, seg.index());
        assertEquals(0, ids.n, "no turn id drawn");
    }

    // ------------------------------------------------------------------ purity and efficiency

    @Test
    void events_never_change_the_instance_they_are_applied_to() {
        chunk(0, 780);
        Segmenter before = seg;
        byte[] payload = bytes(600, (byte) 7);
        Step s = before.onChunk(payload, true, null, 10, ids);
        payload[0] = 99;                                // the caller reuses its array
        assertEquals(780, before.bufferedBytes());
        assertEquals(0, before.index());
        assertEquals(0, before.sealedWaiting());
        assertEquals(OptionalLong.of(3000), before.pauseDueAt());
        Utterance u = s.next().onHangoverTimer(210, ids).ready().get(0);
        assertEquals(7, u.audio()[780], "chunks are copied on append");
        // the old state can still be driven independently
        Step other = before.onPauseTimer(3000, ids);
        assertEquals(1, other.next().sealedWaiting());
        assertEquals(Reason.TIMEOUT_TIMER, other.next().onHangoverTimer(3150, ids).ready().get(0).reason());
    }

    @Test
    void appending_many_small_chunks_does_not_copy_the_buffer_each_time() {
        Segmenter s0 = Segmenter.initial(Settings.defaults(), "raw");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Segmenter s = s0;
            byte[] c = bytes(25);
            for (int i = 0; i < 20_000; i++) s = s.onChunk(c, false, null, i, ids).next();
            assertEquals(500_000, s.bufferedBytes());
            Step f = s.onChunk(null, true, null, 20_000, ids).next().onHangoverTimer(20_200, ids);
            assertEquals(500_000, f.ready().get(0).audio().length);
        });
    }
}
