"""Prometheus metrics (the CloudWatch of the seeds). With several processes (uvicorn workers, queue
workers) `oculi serve` sets PROMETHEUS_MULTIPROC_DIR so every process writes there and /metrics sums them."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("oculi_requests_total", "HTTP requests", ["api", "operation", "status"])
REQUEST_SECONDS = Histogram("oculi_request_seconds", "HTTP request latency", ["api", "operation"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TASKS = Counter("oculi_tasks_total", "queue task runs by outcome", ["task", "outcome"])
TASK_SECONDS = Histogram("oculi_task_seconds", "queue task duration", ["task"],
                         buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
TASK_FAILURES = Counter("oculi_task_failures_total", "tasks that failed for good (dead-letter)", ["task"])
QUEUE_LATENCY = Histogram("oculi_queue_latency_seconds", "upload to start of analysis",
                          buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
WEBHOOK_DELIVERIES = Counter("oculi_webhook_deliveries_total", "webhook attempts by outcome", ["outcome"])
WEBHOOK_FAILURES = Counter("oculi_webhook_failures_total", "webhook deliveries given up (dead-letter)")


class GaugeCollector:
    """Values read at scrape time (queue depth, jobs by state) from the shared queue and database."""

    def __init__(self, read):
        self.read = read

    def collect(self):
        depth, states = self.read()
        yield GaugeMetricFamily("oculi_queue_depth", "tasks waiting in the queue", value=depth)
        jobs = GaugeMetricFamily("oculi_jobs", "jobs by state", labels=["state"])
        for state, count in states.items():
            jobs.add_metric([state], count)
        yield jobs


def render(read_gauges) -> bytes:
    gauges = CollectorRegistry()
    gauges.register(GaugeCollector(read_gauges))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    return generate_latest(counters) + generate_latest(gauges)
