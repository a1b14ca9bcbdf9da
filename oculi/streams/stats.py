"""Per-processor counters for /metrics (written by the worker processes into the multiprocess folder that
`oculi serve` sets, summed at scrape time like the other counters)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

FRAMES_READ = Counter("oculi_stream_frames_read_total", "frames decoded from a stream processor's source",
                      ["processor"])
FRAMES_ANALYSED = Counter("oculi_stream_frames_analysed_total", "frames a stream processor analysed", ["processor"])
FRAMES_DROPPED = Counter("oculi_stream_frames_dropped_total", "frames due for analysis (by the frame-rate cap) "
                         "replaced by a newer one before the analysis was free", ["processor"])
RECONNECTS = Counter("oculi_stream_reconnects_total", "reconnections to a dropped source", ["processor"])
EVENTS = Counter("oculi_stream_events_total", "events a stream processor emitted", ["processor", "type"])
EVENT_LATENCY = Histogram("oculi_stream_event_latency_seconds", "from the frame leaving the source to its event "
                          "handed to Kinesis/SNS/the webhook outbox", ["processor"],
                          buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10))
