"""A sub-folder renamed (or swapped for a link to another folder) while a lock runs: no traceback,
no temporary file or file in both forms left behind, nothing outside touched (red-team D10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gp_guard.vault import agefile, batches, folder, outcome
from gp_guard.vault.journal import Journal


@pytest.fixture(scope="module")
def ids():
    return agefile.X25519Identity.generate(), agefile.X25519Identity.generate()


def lock(root, ids, **kw):
    work, recovery = ids
    return folder.lock(root, [work.recipient(), recovery.recipient()], [work], retry_delay=0.0, **kw)


def files_under(place: Path) -> list[Path]:
    out = []
    for here, _dirs, names in os.walk(place, followlinks=False):
        out += [Path(here) / n for n in names if not (Path(here) / n).is_symlink()]
    return sorted(out)


def check_whole(root: Path, originals: dict[str, bytes], identity) -> int:
    """Each original exists exactly once, in clear or encrypted, under sub or sub.real; the count
    of encrypted ones."""
    encrypted = 0
    for rel, data in originals.items():
        name = os.path.basename(rel)
        places = [root / rel] if "/" not in rel else [root / "sub" / name, root / "sub.real" / name]
        forms = [(p, p.with_name(name + ".age")) for p in places if not p.parent.is_symlink()]
        found = [(kind, path) for plain, age in forms for kind, path in (("plain", plain), ("age", age))
                 if os.path.lexists(path)]
        assert len(found) == 1, (rel, found)  # never lost, never in both forms
        kind, path = found[0]
        if kind == "plain":
            assert path.read_bytes() == data
        else:
            assert agefile.decrypt_bytes(path.read_bytes(), [identity]) == data
            encrypted += 1
    return encrypted


@pytest.mark.parametrize("batch", [1, 3, 64])
@pytest.mark.parametrize("at", [0, 5])
@pytest.mark.parametrize("swap", [False, True], ids=["renamed", "swapped-for-a-link"])
def test_sub_folder_renamed_during_the_lock(tmp_path, ids, monkeypatch, batch, at, swap):
    monkeypatch.setattr(batches, "BATCH_FILES", batch)
    root, outside = tmp_path / "race", tmp_path / "victim"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    originals = {f"top{i}.pdf": os.urandom(20_000) for i in range(3)}
    originals |= {f"sub/{i:02d}.dcm": os.urandom(30_000 + i) for i in range(12)}
    for rel, data in originals.items():
        (root / rel).write_bytes(data)
    for i in range(12):  # the outside folder has files of the same names
        (outside / f"{i:02d}.dcm").write_bytes(b"outside")
        (outside / f"{i:02d}.dcm.age").write_bytes(b"outside age")
    outside_before = {p.name: p.read_bytes() for p in outside.iterdir()}
    moved = []

    def progress(p: folder.Progress) -> None:
        if not moved and p.current == f"sub/{at:02d}.dcm":
            (root / "sub").rename(root / "sub.real")  # the imaging program renames the study folder
            if swap:
                (root / "sub").symlink_to(outside, target_is_directory=True)
            moved.append(True)

    report = lock(root, ids, progress=progress)
    assert moved
    assert not [p for p in files_under(root) if p.name.endswith(".tmp")]
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == outside_before
    check_whole(root, originals, ids[0])
    assert Journal().pending() == []
    assert all(p.message in (folder.P_MOVED, folder.P_CHANGED) for p in report.failed), [p.text() for p in report.failed]
    # the next lock protects whatever is left, in the folder's new place
    again = lock(root, ids)
    assert not again.failed, [(p.name, p.text()) for p in again.failed]
    assert check_whole(root, originals, ids[0]) == len(originals)
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == outside_before


def test_leftovers_of_an_older_interrupted_run_are_cleared_when_provably_the_same(tmp_path, ids):
    """What an older gp_guard left after a renamed folder (both forms; an orphaned temporary copy)
    no longer blocks every later run: a copy that decrypts to exactly the other form goes."""
    work, recovery = ids
    root = tmp_path / "mess"
    root.mkdir()
    data = {name: os.urandom(40_000) for name in ("both.dcm", "orphan.dcm", "other.dcm", "theirs.dcm")}
    for name, content in data.items():
        (root / name).write_bytes(content)
    (root / "both.dcm.age").write_bytes(agefile.encrypt_bytes(data["both.dcm"], [work.recipient()]))
    (root / "orphan.dcm.age.tmp").write_bytes(agefile.encrypt_bytes(data["orphan.dcm"], [work.recipient()]))
    (root / "theirs.dcm.age").write_bytes(agefile.encrypt_bytes(b"another content", [work.recipient()]))
    report = lock(root, ids)
    assert sorted(report.done) == ["both.dcm", "orphan.dcm", "other.dcm"]
    assert [(p.name, p.message) for p in report.failed] == [("theirs.dcm", outcome.P_EXISTS)]  # not the same: kept
    assert sorted(p.name for p in root.iterdir()) == ["both.dcm.age", "orphan.dcm.age", "other.dcm.age",
                                                      "theirs.dcm", "theirs.dcm.age"]
    for name in ("both.dcm", "orphan.dcm", "other.dcm"):
        assert agefile.decrypt_bytes((root / (name + ".age")).read_bytes(), [work]) == data[name]
    # the same on the way back: a plaintext beside its .age, an orphaned decrypted temporary copy
    (root / "theirs.dcm.age").unlink()
    (root / "both.dcm").write_bytes(data["both.dcm"])
    (root / "orphan.dcm.gpguard.tmp").write_bytes(data["orphan.dcm"])
    back = folder.unlock(root, [work], retry_delay=0.0)
    assert back.ok and sorted(back.done) == ["both.dcm.age", "orphan.dcm.age", "other.dcm.age"]
    assert {p.name: p.read_bytes() for p in root.iterdir()} == data
