// Package queue runs ladder jobs through a NATS JetStream work queue: Submit
// puts one job per source on a work-queue stream, Worker pulls them from a
// durable consumer, runs each ladder and acknowledges it.
//
// A job (Job, a versioned JSON document) carries everything a worker on
// another machine needs: the source (a URL, or a path on storage every
// worker mounts), the resolved ladder rather than its name, the output
// folder and the encoding options. Its id, sent as the Nats-Msg-Id header,
// hashes those with the ladder plan version, so JetStream drops a second
// submit of the same job within the stream's duplicate window (DedupWindow);
// after it, a resubmitted job runs again and finds its renditions current.
//
// Delivery is at least once: a worker acks a job after it ran, sends
// in-progress heartbeats while ffmpeg's media time advances, naks a failed
// job with a growing delay, and after the last allowed delivery or at once
// for a bad input terminates it and publishes a dead letter (DeadLetter) on
// the dead-letter subject, kept in its own stream.
//
// Each job's State (queued, running on a worker with its progress, failed,
// done with its output, dead with its error) is kept in the key-value
// bucket StateBucket. Every write there is conditional on the revision the
// writer last saw, so a delivery that lost its job to a later one (its
// heartbeat missed) cannot mark the job done: its write fails and it leaves
// the message to the delivery that owns it.
package queue
