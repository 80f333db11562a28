"""data/pretrained/fetch.py on tarballs made here (no network): a good one is
extracted and reused; a tampered, truncated or missing tarball, a missing or
linked member and a hostile package list are each one line naming the file,
exit 1, and the cache as it was."""
import base64
import hashlib
import io
import os
import subprocess
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FETCH = os.path.join(ROOT, "data", "pretrained", "fetch.py")
PY = "/usr/bin/python3"


def make_tgz(path, files, links=()):
    with tarfile.open(path, "w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)


def integrity(path):
    with open(path, "rb") as f:
        return "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()


FILES = {"package/LICENSE": b"MIT\n", "package/models/m.json": b'{"a": 1}',
         "package/models/m.bin": bytes(range(256)) * 40}


@pytest.fixture
def env(tmp_path):
    reg = tmp_path / "registry"
    (reg / "@sc" / "pkg" / "-").mkdir(parents=True)
    tgz = reg / "@sc" / "pkg" / "-" / "pkg-1.2.3.tgz"
    make_tgz(tgz, FILES)
    listfile = tmp_path / "packages.txt"
    listfile.write_text(f"# test\n@sc/pkg 1.2.3 {integrity(tgz)} " + " ".join(FILES) + "\n")
    return {"tmp": tmp_path, "reg": reg, "tgz": tgz, "list": listfile, "cache": tmp_path / "cache"}


def run(env, *extra, listfile=None):
    cmd = [PY, FETCH, "--list", str(listfile or env["list"]), "--cache", str(env["cache"]),
           "--registry", "file://" + str(env["reg"]), *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def dest(env):
    return env["cache"] / "@sc+pkg@1.2.3"


def one_line_error(r, *words):
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def no_leftovers(env):
    if env["cache"].exists():
        assert not [p for p in os.listdir(env["cache"]) if p.startswith(".fetch-")]


def test_fetches_listed_members_and_reuses_them(env):
    r = run(env)
    assert r.returncode == 0, r.stderr
    assert "fetched (3 files)" in r.stderr
    for name, data in FILES.items():
        assert (dest(env) / name).read_bytes() == data
    no_leftovers(env)
    env["tgz"].unlink()  # the registry is gone: the cache is enough
    r = run(env)
    assert r.returncode == 0 and "cached" in r.stderr, r.stderr


def test_edited_cache_is_fetched_again(env):
    assert run(env).returncode == 0
    member = dest(env) / "package/models/m.bin"
    member.write_bytes(b"edited")
    r = run(env)
    assert r.returncode == 0 and "fetched" in r.stderr, r.stderr
    assert member.read_bytes() == FILES["package/models/m.bin"]


def test_tampered_tarball_is_refused_and_nothing_extracted(env):
    data = bytearray(env["tgz"].read_bytes())
    data[len(data) // 2] ^= 1
    env["tgz"].write_bytes(bytes(data))
    line = one_line_error(run(env), "integrity", "pkg-1.2.3.tgz", "@sc/pkg@1.2.3")
    assert "nothing was extracted" in line
    assert not dest(env).exists()
    no_leftovers(env)


def test_truncated_tarball_is_refused(env):
    data = env["tgz"].read_bytes()
    env["tgz"].write_bytes(data[: len(data) // 2])
    one_line_error(run(env), "integrity")
    assert not dest(env).exists()
    # even when the list records the truncated file's own hash, it is not a tarball
    env["list"].write_text(f"@sc/pkg 1.2.3 {integrity(env['tgz'])} package/LICENSE\n")
    one_line_error(run(env), "not a readable .tgz", "pkg-1.2.3.tgz")
    assert not dest(env).exists()
    no_leftovers(env)


def test_missing_tarball_says_how_to_get_it(env):
    env["tgz"].unlink()
    one_line_error(run(env), "cannot download", "pkg-1.2.3.tgz", "--tarballs")
    assert not dest(env).exists()
    no_leftovers(env)


def test_missing_member_is_named(env):
    env["list"].write_text(env["list"].read_text().replace("package/LICENSE", "package/LICENSE.md"))
    one_line_error(run(env), "no 'package/LICENSE.md' inside", "1 listed member(s) missing")
    assert not dest(env).exists()
    no_leftovers(env)


def test_linked_member_is_refused(env, tmp_path):
    make_tgz(env["tgz"], {"package/LICENSE": b"x"}, links=[("package/models/m.bin", "/etc/passwd")])
    env["list"].write_text(f"@sc/pkg 1.2.3 {integrity(env['tgz'])} package/LICENSE package/models/m.bin\n")
    one_line_error(run(env), "'package/models/m.bin' inside is not a regular file")
    assert not dest(env).exists()


def test_failed_refetch_keeps_the_previous_cache(env):
    assert run(env).returncode == 0
    (dest(env) / "package/LICENSE").write_bytes(b"edited")  # stale: will be fetched again
    env["tgz"].write_bytes(b"not a tarball")
    one_line_error(run(env), "integrity")
    assert (dest(env) / "package/models/m.json").read_bytes() == FILES["package/models/m.json"]
    no_leftovers(env)


def test_local_tarball_directory_is_used_before_the_registry(env, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    os.rename(env["tgz"], local / "pkg-1.2.3.tgz")
    r = run(env, "--tarballs", str(local))
    assert r.returncode == 0, r.stderr
    assert (dest(env) / "package/LICENSE").read_bytes() == b"MIT\n"


def test_cache_entry_that_is_a_symlink_is_left_alone(env, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep").write_text("keep")
    env["cache"].mkdir()
    os.symlink(target, dest(env))
    one_line_error(run(env), "not a directory", "@sc+pkg@1.2.3")
    assert (target / "keep").read_text() == "keep" and os.listdir(target) == ["keep"]


@pytest.mark.parametrize("line,word", [
    ("@sc/pkg 1.2.3 {i} package/../../etc/passwd", "not a plain relative path"),
    ("@sc/pkg 1.2.3 {i} /etc/passwd", "not a plain relative path"),
    ("@sc/pkg 1.2.3 {i} package/a/./b", "not a plain relative path"),
    ("@sc/pkg ^1.2.3 {i} package/LICENSE", "not an exact version"),
    ("@sc/pkg 1.2.3 sha1-abc package/LICENSE", "not an npm sha512 integrity"),
    ("Bad;Name 1.2.3 {i} package/LICENSE", "not an npm package name"),
    ("@sc/pkg 1.2.3 {i}", "expected 'package version integrity member...'"),
    ("@sc/pkg 1.2.3 {i} package/LICENSE package/LICENSE", "listed twice"),
])
def test_hostile_package_list_is_refused_by_line(env, line, word):
    env["list"].write_text("# header\n" + line.format(i=integrity(env["tgz"])) + "\n")
    one_line_error(run(env), f"{env['list']}:2", word)
    assert not env["cache"].exists()


def test_list_that_is_not_a_regular_file(env, tmp_path):
    one_line_error(run(env, listfile=tmp_path), "not a regular file")
    one_line_error(run(env, listfile=tmp_path / "none"), "cannot read")
