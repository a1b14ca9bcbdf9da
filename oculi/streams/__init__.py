"""Live video: stream processors reading cameras (sources, runner, modes, outputs, the worker loop)."""
