/**
 * The leaf every other package may import, and which imports nothing of ours: the records that cross actors and
 * instances. {@link dev.polyglot.scheduler.api.ClusterMessage} marks every message bound to Jackson (never Java
 * serialization); {@link dev.polyglot.scheduler.api.JobOrder} is one attempt of one job with everything
 * {@code job_assign} carries, {@link dev.polyglot.scheduler.api.NodeResult} a node's answer as the scheduler keeps it,
 * {@link dev.polyglot.scheduler.api.Cut} why an utterance was cut; {@link dev.polyglot.scheduler.api.NodeFacts},
 * {@link dev.polyglot.scheduler.api.NodeStatus} and {@link dev.polyglot.scheduler.api.NodeSummary} describe a node;
 * the job's content values ({@code FeatureFlags}, {@code PipelineConfig}, {@code SegmentsMeta}, {@code ExtraResult},
 * {@code JobError}, timings) and the node's facts ({@code ResourceUsage}, {@code InstalledService},
 * {@code CapabilityByType}, {@code LanguageCapabilities}, …) are domain values here: the {@code wire} codec maps frames
 * to and from them, so no actor protocol carries a wire frame. {@link dev.polyglot.scheduler.api.SchedulerClock} is
 * the one clock decisions read; {@link dev.polyglot.scheduler.api.Ids} draws the ids of sessions, jobs and traces.
 *
 * <p>Immutable records and pure functions, no actors: nothing to lose.
 */
package dev.polyglot.scheduler.api;
