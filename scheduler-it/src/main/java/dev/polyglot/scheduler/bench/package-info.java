/**
 * The load rig behind {@code ./scheduler bench} and {@code ./scheduler demo}, not part of the scheduler. Fake node agents
 * and web clients ({@link dev.polyglot.scheduler.bench.RigNode}, {@link dev.polyglot.scheduler.bench.RigSession}) speak
 * PROTOCOL.md over real loopback WebSockets ({@link dev.polyglot.scheduler.bench.Conn}), driven open-loop by
 * {@link dev.polyglot.scheduler.bench.LoadRig} through a {@link dev.polyglot.scheduler.bench.Scenario} against a
 * {@link dev.polyglot.scheduler.bench.TargetServer}: the real scheduler, a bare relay or a reproduction of the previous
 * scheduler's core ({@link dev.polyglot.scheduler.bench.RelayServer}); {@link dev.polyglot.scheduler.bench.Report} writes
 * the figures; {@link dev.polyglot.scheduler.bench.RoomDemo} shows a room's fan-out and relay in {@code ./scheduler demo}.
 * {@link dev.polyglot.scheduler.bench.HostileBench} and {@link dev.polyglot.scheduler.bench.Hostile} run
 * issue 10's attacks with a canary, and {@link dev.polyglot.scheduler.bench.Heap} reads another JVM's heap.
 *
 * <p>Promises: loopback only, every run bounded in count and time and stopping by itself. No scheduler actors live here;
 * a run's figures are lost when it stops unless its report was written.
 */
package dev.polyglot.scheduler.bench;
