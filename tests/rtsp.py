"""A real RTSP camera on 127.0.0.1 for the stream tests: Debian's `rtsp-server-perl` (an RTSP server with a
source port that accepts RECORD), fed by Debian's `ffmpeg` pushing a clip in a loop, in real time, over UDP.
Both are installed by scripts/test; a missing binary fails the test, never skips it. `restart()` is a camera
that reboots: the server and its feed go away, then come back on the same port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.servers import free_port, wait_for


class RtspCamera:
    def __init__(self, clip: Path, folder: Path):
        self.server_bin = shutil.which("rtsp-server-perl")
        self.ffmpeg = shutil.which("ffmpeg")
        assert self.server_bin, "rtsp-server-perl is missing: scripts/test installs Debian's rtsp-server-perl"
        assert self.ffmpeg, "ffmpeg is missing: scripts/test installs Debian's ffmpeg"
        self.clip, self.folder = clip, folder
        self.client_port, self.source_port, self.rtp_port = free_port(), free_port(), free_port() + 2000
        self.url = f"rtsp://127.0.0.1:{self.client_port}/cam#transport=udp"
        self.server = self.feed = None
        self.start()

    def start(self) -> None:
        log = open(self.folder / "rtsp.log", "a")  # noqa: SIM115 (the child keeps it)
        self.server = subprocess.Popen(
            [self.server_bin, "-c", str(self.client_port), "-s", str(self.source_port),
             "--client_listen_address", "127.0.0.1", "--source_listen_address", "127.0.0.1",
             "--rtp_start_port", str(self.rtp_port)], stdout=log, stderr=subprocess.STDOUT)

        def listening():
            try:
                with socket.create_connection(("127.0.0.1", self.source_port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_for(listening, 15, "rtsp-server-perl")
        self.feed = subprocess.Popen(
            [self.ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(self.clip),
             "-c", "copy", "-f", "rtsp", "-rtsp_transport", "udp",
             f"rtsp://127.0.0.1:{self.source_port}/cam"], stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        time.sleep(1.0)

    def stop(self) -> None:
        for proc in (self.feed, self.server):
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    def restart(self, down_for: float = 2.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()
