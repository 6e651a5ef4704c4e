package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.session.ResultOrder.Mode;
import dev.polyglot.scheduler.session.ResultOrder.Release;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ResultOrderTest {

    private ResultOrder<String> order = ResultOrder.create(Mode.INDEX, 3000);

    private List<String> ready(String stream, int index, long now) {
        Release<String> r = order.resultReady(stream, index, stream + index, now);
        order = r.next();
        return r.released();
    }

    private List<String> ended(String stream, int index, long now) {
        Release<String> r = order.jobEnded(stream, index, now);
        order = r.next();
        return r.released();
    }

    private List<String> timer(long now) {
        Release<String> r = order.onHoldTimer(now);
        order = r.next();
        return r.released();
    }

    private void live(String stream, int... indices) {
        for (int i : indices) order = order.jobLive(stream, i);
    }

    @Test
    void a_result_with_no_earlier_live_job_is_released_at_once() {
        live("en", 0);
        assertEquals(List.of("en0"), ready("en", 0, 0));
        assertEquals(0, order.held());
        assertEquals(OptionalLong.empty(), order.holdDueAt());
    }

    @Test
    void index_2_before_1_waits_for_1_and_both_leave_in_index_order() {
        live("en", 1, 2);
        assertEquals(List.of(), ready("en", 2, 100));
        assertEquals(1, order.held());
        assertEquals(OptionalLong.of(3100), order.holdDueAt());
        assertEquals(List.of("en1", "en2"), ready("en", 1, 500));
        assertEquals(0, order.held());
        assertEquals(OptionalLong.empty(), order.holdDueAt());
    }

    @Test
    void index_2_before_1_is_released_after_3_seconds_if_1_never_comes_and_not_1_ms_before() {
        live("en", 1, 2);
        ready("en", 2, 100);
        assertEquals(List.of(), timer(3099));
        assertEquals(1, order.held());
        assertEquals(List.of("en2"), timer(3100));
        assertEquals(0, order.held());
    }

    @Test
    void a_failed_1_releases_2_at_once() {
        live("en", 1, 2);
        ready("en", 2, 100);
        assertEquals(List.of("en2"), ended("en", 1, 200));
        assertEquals(OptionalLong.empty(), order.holdDueAt());
    }

    @Test
    void held_results_leave_in_index_order_when_the_blocker_ends() {
        live("en", 1, 2, 3, 4);
        ready("en", 4, 0);
        ready("en", 2, 10);
        ready("en", 3, 20);
        assertEquals(3, order.held());
        assertEquals(OptionalLong.of(3000), order.holdDueAt(), "earliest deadline");
        assertEquals(List.of("en2", "en3", "en4"), ended("en", 1, 30));
    }

    @Test
    void a_blocker_releases_only_the_results_below_the_next_live_job() {
        live("en", 1, 2, 3);
        ready("en", 3, 0);
        ready("en", 2, 10);
        assertEquals(List.of("en2", "en3"), ended("en", 1, 20), "2 and 3 are both done: both leave");
        assertEquals(0, order.held());

        order = ResultOrder.create(Mode.INDEX, 3000);
        live("en", 1, 2, 3);
        ready("en", 3, 0);
        assertEquals(List.of("en1"), ready("en", 1, 10), "2 is still live: 3 stays held");
        assertEquals(1, order.held());
        assertEquals(List.of("en2", "en3"), ready("en", 2, 20));
    }

    @Test
    void arrival_mode_never_holds() {
        order = ResultOrder.create(Mode.ARRIVAL, 3000);
        live("en", 1, 2);
        assertEquals(List.of("en2"), ready("en", 2, 0));
        assertEquals(0, order.held());
        assertEquals(OptionalLong.empty(), order.holdDueAt());
        assertEquals(List.of("en1"), ready("en", 1, 10));
        assertEquals(List.of(), ended("en", 3, 20));
    }

    @Test
    void a_hold_expiry_unblocks_the_earlier_live_jobs_for_good() {
        live("en", 1, 2, 3);
        ready("en", 2, 0);
        assertEquals(List.of("en2"), timer(3000));
        assertEquals(1, order.blocking("en"), "1 stopped blocking; 3 still blocks");
        order = order.jobLive("en", 1);                     // e.g. a re-dispatch of the silent job
        assertEquals(1, order.blocking("en"), "it never blocks again");
        assertEquals(List.of(), ready("en", 4, 3100), "4 is behind the still-live 3: held");
        // 1 no longer blocks: 4 only waits for 3
        assertEquals(List.of("en3", "en4"), ready("en", 3, 3200));
        assertEquals(List.of("en1"), ready("en", 1, 9000), "the late earlier result leaves at once");
    }

    @Test
    void a_silent_job_delays_later_results_only_once() {
        live("en", 0, 1, 2, 3);
        ready("en", 1, 0);
        assertEquals(List.of("en1"), timer(3000));
        assertEquals(List.of("en2"), ready("en", 2, 3500), "not held again by the silent 0");
        assertEquals(List.of("en3"), ready("en", 3, 4000));
    }

    @Test
    void the_hold_deadline_counts_from_each_results_own_arrival() {
        live("en", 1, 2, 3);
        ready("en", 3, 0);
        ready("en", 2, 1000);
        assertEquals(OptionalLong.of(3000), order.holdDueAt());
        assertEquals(List.of("en2", "en3"), timer(3000), "3 expired: 1 and 2 unblock; 2 is already done");
    }

    @Test
    void an_expired_hold_does_not_release_results_behind_a_later_live_job() {
        live("en", 1, 2, 3);
        ready("en", 2, 0);
        ready("en", 4, 2000);                               // behind live 3 (and 1)
        assertEquals(List.of("en2"), timer(3000));
        assertEquals(1, order.held());
        assertEquals(OptionalLong.of(5000), order.holdDueAt());
        assertEquals(List.of("en4"), timer(5000));
        assertEquals(0, order.blocking("en"));
    }

    @Test
    void several_streams_are_independent() {
        live("en", 1, 2);
        live("ja", 1, 2);
        ready("en", 2, 0);
        assertEquals(List.of(), ready("ja", 2, 10));
        assertEquals(2, order.held());
        assertEquals(List.of("ja1", "ja2"), ready("ja", 1, 20), "ja's 1 does not release en's 2");
        assertEquals(1, order.held());
        assertEquals(List.of("en2"), timer(3000));
        assertEquals(List.of("en1"), ready("en", 1, 3100));
    }

    @Test
    void a_stream_without_any_live_job_releases_at_once() {
        live("en", 1);
        assertEquals(List.of("ja5"), ready("ja", 5, 0));
    }

    @Test
    void a_hold_timer_firing_early_or_with_nothing_held_releases_nothing() {
        assertEquals(List.of(), timer(0));
        live("en", 1, 2);
        ready("en", 2, 0);
        ResultOrder<String> before = order;
        assertEquals(List.of(), timer(2999));
        assertSame(before, order);
    }

    @Test
    void session_close_releases_everything_in_index_order_and_later_results_leave_at_once() {
        live("en", 1, 2, 3, 4);
        live("ja", 7, 8);
        ready("en", 4, 0);
        ready("en", 2, 10);
        ready("ja", 8, 20);
        Release<String> all = order.releaseAll();
        order = all.next();
        assertEquals(List.of("en2", "en4", "ja8"), all.released());
        assertEquals(0, order.held());
        assertEquals(OptionalLong.empty(), order.holdDueAt());
        assertEquals(List.of("en3"), ready("en", 3, 100), "the flush job's result still leaves");
    }

    @Test
    void calls_never_change_the_instance_they_are_applied_to() {
        live("en", 1, 2);
        ResultOrder<String> before = order;
        ready("en", 2, 0);
        assertEquals(0, before.held());
        assertEquals(2, before.blocking("en"));
        assertEquals(List.of("x"), before.resultReady("en", 1, "x", 0).released());
    }
}
