"""The frame pipeline shared by stored-video jobs (and, later, live streams): a source (a local copy of an object)
-> a decoder (PyAV: FFmpeg's decoders ship in its wheel) -> frames sampled per feature -> the image operations'
model tasks -> per-feature aggregation (tracks, segments, timelines)."""
