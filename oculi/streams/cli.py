"""`oculi streams ...`: register the sources stream processors read, list them and the processors."""

from __future__ import annotations

import argparse


def cmd_streams(args) -> int:
    from oculi.config import get_settings
    from oculi.services.streams import StreamService
    from oculi.storage.db.session import session_factory
    from oculi.streams.source import redact

    settings = get_settings()
    svc = StreamService(session_factory(settings.db_url), settings)
    if args.action == "add-source":
        svc.register_source(args.stream_arn, args.url)
        print(f"{args.stream_arn} -> {redact(args.url)}")
    elif args.action == "remove-source":
        return 0 if svc.remove_source(args.stream_arn) else 1
    elif args.action == "sources":
        for arn, url in sorted(svc.sources().items()):
            print(f"{arn}\t{redact(url)}")
    else:
        for p in svc.all():
            print("\t".join((p.account, p.region, p.name, p.mode, p.status, p.owner or "-", p.status_message or "")))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    streams = sub.add_parser("streams", help="live streams: the sources stream processors read, the processors")
    actions = streams.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add-source", help="map a Kinesis video stream ARN to a URL (RTSP, HTTP MJPEG/HLS, "
                                                "or a local file played in real time)")
    add.add_argument("stream_arn")
    add.add_argument("url")
    remove = actions.add_parser("remove-source")
    remove.add_argument("stream_arn")
    actions.add_parser("sources", help="list the registered sources")
    actions.add_parser("list", help="list the stream processors of every account with their status")
    streams.set_defaults(func=cmd_streams)
