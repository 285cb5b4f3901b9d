"""A wheel packed from installed packages' own files: the site carries this package (and the
pure-Python `graphviz` it imports) into the browser without a build step or a network."""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import zipfile
from pathlib import Path

__all__ = ["pack_wheel"]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def pack_wheel(distribution: str, packages: list[str], out_dir: Path) -> Path:
    """`{distribution}-{version}-py3-none-any.whl` in `out_dir`, holding each package's files
    as they are imported here (no caches), with the metadata a wheel needs."""
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        version = "0.0.0"
    stem = f"{distribution.replace('-', '_')}-{version}"
    files: dict[str, bytes] = {}
    for package in packages:
        folder = Path(importlib.import_module(package).__file__).parent
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{package}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    info = f"{stem}.dist-info"
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {distribution}\n"
                                 f"Version: {version}\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: autodiff.lab\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [_record_line(name, data) for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return path
