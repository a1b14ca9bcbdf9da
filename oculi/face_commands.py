"""`oculi celebrities add|list|remove` and `oculi collections reindex`: the face commands beyond enrolment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _services():
    from oculi.config import get_settings
    from oculi.services.analysis import Analyzer
    from oculi.wiring import collection_service

    settings = get_settings()
    analyzer = Analyzer(settings)
    return settings, analyzer, collection_service(settings, analyzer)


def _loader(analyzer, settings, path: Path):
    from oculi.services.imaging import ALL_FORMATS

    return lambda: analyzer.from_bytes(path.read_bytes(), formats=ALL_FORMATS,
                                       max_bytes=settings.max_upload_bytes).rgb


def cmd_celebrities(args) -> int:
    from tqdm import tqdm

    from oculi.console import photos as list_photos
    from oculi.console import table
    from oculi.services.celebrities import CelebrityService
    from oculi.services.errors import ServiceError

    settings, analyzer, collections = _services()
    gallery = CelebrityService(collections)
    try:
        if args.action == "list":
            table(["id", "name", "gender", "faces", "urls"],
                   [(c.id, c.name, c.known_gender or "-", c.face_count, " ".join(c.urls)) for c in gallery.list()])
            return 0
        if args.action == "remove":
            gallery.remove(args.id)
            print(f"removed {args.id}")
            return 0
        photos = list_photos(args.photos)
        bar = tqdm(photos, desc=f"adding {args.name}", unit="photo", disable=len(photos) < 2)
        added = gallery.add(args.name, ((p.name, _loader(analyzer, settings, p)) for p in bar), args.url or [],
                            args.gender)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for s in added.skipped:
        print(f"  skipped {s.photo}: {s.reason}", file=sys.stderr)
    c = added.celebrity
    print(f"{c.id} {c.name}: {len(added.face_ids)} face(s) added, {c.face_count} in the gallery")
    return 0 if added.face_ids else 1


def add_celebrity_commands(sub: argparse._SubParsersAction) -> None:
    cel = sub.add_parser("celebrities", help="the celebrity gallery RecognizeCelebrities searches (empty at first)")
    actions = cel.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add photos of a well-known person (the largest face of each)")
    add.add_argument("name")
    add.add_argument("photos", nargs="+", help="photos or folders of photos")
    add.add_argument("--url", action="append", help="a page about the person (repeatable, up to 10)")
    add.add_argument("--gender", choices=["Male", "Female", "Nonbinary", "Unlisted"], help="KnownGender")
    add.set_defaults(func=cmd_celebrities)
    actions.add_parser("list", help="the people in the gallery with their ids").set_defaults(func=cmd_celebrities)
    remove = actions.add_parser("remove", help="remove a person and their faces")
    remove.add_argument("id")
    remove.set_defaults(func=cmd_celebrities)


def cmd_reindex(args) -> int:
    from tqdm import tqdm

    from oculi.services.collections import Scope
    from oculi.services.errors import ServiceError
    from oculi.services.imaging import ALL_FORMATS
    from oculi.services.reindex import FolderSources, StoreSources, reindex

    settings, analyzer, collections = _services()

    def decode(data: bytes):
        return analyzer.from_bytes(data, formats=ALL_FORMATS, max_bytes=settings.max_upload_bytes).rgb

    if args.from_dir:
        folder = Path(args.from_dir)
        if not folder.is_dir():
            print(f"error: {folder} is not a folder", file=sys.stderr)
            return 1
        sources = FolderSources(folder, decode)
    else:
        sources = StoreSources(collections, analyzer.store, decode)
    scope = Scope(settings.rest_account if args.account is None else args.account,
                  settings.rest_region if args.region is None else args.region)

    def bar(faces, total):
        return tqdm(faces, total=total, desc=f"reindexing {args.collection}", unit="face")

    try:
        done = reindex(collections, scope, args.collection, sources, args.model, args.drop_missing, bar)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for m in done.dropped:
        print(f"  dropped {m.face_id}: {m.reason}", file=sys.stderr)
    print(f"{done.collection}: {done.moved} face(s) moved from {done.embedder_before} to {done.embedder} "
          f"({done.face_model_version}), {len(done.dropped)} dropped")
    return 0


def add_reindex_command(collection_actions: argparse._SubParsersAction) -> None:
    """`oculi collections reindex NAME --from DIR | --from-store`"""
    cmd = collection_actions.add_parser(
        "reindex", help="move a collection to the configured face model by indexing its faces again from their "
                        "source pictures (FaceIds, users and ExternalImageIds are kept)")
    cmd.add_argument("collection")
    where = cmd.add_mutually_exclusive_group(required=True)
    where.add_argument("--from", dest="from_dir", metavar="DIR",
                       help="photos named by each face's ImageId or ExternalImageId (file name or stem)")
    where.add_argument("--from-store", action="store_true",
                       help="the originals the upload pipeline kept, else the face crops (OCULI_KEEP_FACE_CROPS)")
    cmd.add_argument("--model", help="the face embedding implementation (default: OCULI_MODELS__FACE_EMBEDDING)")
    cmd.add_argument("--drop-missing", action="store_true",
                     help="delete the faces without a usable source instead of stopping")
    cmd.add_argument("--account", help="the collection's account (default: OCULI_REST_ACCOUNT)")
    cmd.add_argument("--region", help="the collection's region (default: OCULI_REST_REGION)")
    cmd.set_defaults(func=cmd_reindex)
