"""Saved artifacts: one checksummed format for all kinds, and files from iar 0.1 still load.

The old layouts are written here by hand, exactly as iar 0.1 wrote them, so the tests need no
stored binary files.
"""

import hashlib
import json

import pytest
import torch
from safetensors.torch import save_file

import iar
from iar import _io
from iar.activations import Activations
from iar.analysis.probes import ProbeReport
from iar.analysis.shifts import ShiftReport
from iar.revision import Revision


def _old_digest(blob, tensors):  # iar 0.1's revision checksum, verbatim
    h = hashlib.sha256(blob.encode())
    for k in sorted(tensors):
        t = tensors[k].detach().float().cpu().contiguous()
        h.update(k.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def test_activations_from_iar_0_1_load(tmp_path):
    z, labels = torch.randn(3, 2, 4, 5), torch.tensor([1, 0, 1], dtype=torch.uint8)
    header = {"format": "iar.activations/1", "sites": json.dumps(["z"]), "meta": json.dumps({"model": "m"})}
    save_file({"site.z": z, "labels": labels}, str(tmp_path / "a.safetensors"), metadata=header)
    acts = Activations.load(tmp_path / "a.safetensors")
    assert torch.equal(acts["z"], z) and acts.labels.tolist() == [True, False, True]
    assert acts.meta == {"model": "m"}


def test_revision_from_iar_0_1_loads_and_its_checksum_is_still_checked(tmp_path):
    tensors = {"directions": torch.randn(2, 3, 4), "sigma": torch.rand(2, 3)}
    blob = json.dumps({"level": "head", "method": "mms", "meta": {"site": "z"}}, sort_keys=True)
    path = str(tmp_path / "r.safetensors")
    save_file(tensors, path, metadata={"iar": blob, "sha256": _old_digest(blob, tensors)})
    rev = Revision.load(path)
    assert rev.level == "head" and torch.equal(rev.directions, tensors["directions"])
    save_file(tensors, path, metadata={"iar": blob, "sha256": "0" * 64})
    with pytest.raises(iar.RevisionError, match="checksum"):
        Revision.load(path)


def test_shift_and_probe_reports_from_iar_0_1_load(tmp_path):
    head = torch.rand(2, 3)
    shift_header = {"format": "iar.ShiftReport", "version": 1, "meta": {"sites": ["z"], "n": 4}}
    save_file({"head.cosine": head, "vector.z": torch.randn(2, 3, 5)}, str(tmp_path / "s.safetensors"),
              metadata={"iar": json.dumps(shift_header)})
    assert torch.equal(ShiftReport.load(tmp_path / "s.safetensors").head["cosine"], head)
    r = iar.probe(torch.randn(20, 2, 3, 4), torch.randn(20, 2, 3, 4), progress=False)
    names = ("accuracy", "train_accuracy", "weights", "bias", "n_iter", "train_index", "val_index", "val_loss")
    tensors = {n: getattr(r, n).contiguous() for n in names if getattr(r, n) is not None}
    probe_header = {"format": "iar.ProbeReport", "version": 1, "site": "z", "meta": r.meta}
    save_file(tensors, str(tmp_path / "p.safetensors"), metadata={"iar": json.dumps(probe_header)})
    assert torch.equal(ProbeReport.load(tmp_path / "p.safetensors").accuracy, r.accuracy)


def test_every_kind_is_written_in_the_one_checksummed_format(tmp_path):
    from safetensors import safe_open

    acts = Activations({"z": torch.randn(4, 2, 3, 5)}, labels=torch.tensor([1, 1, 0, 0]).bool())
    rev = Revision.fit(acts, progress=False, probe=False)
    shift = ShiftReport.from_activations({"z": torch.randn(4, 2, 3, 5)}, {"z": torch.randn(4, 2, 3, 5)})
    probe = iar.probe(torch.randn(20, 2, 3, 4), torch.randn(20, 2, 3, 4), progress=False)
    for name, obj in [("a", acts), ("r", rev), ("s", shift), ("p", probe)]:
        path = obj.save(tmp_path / f"{name}.safetensors")
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata()
        header = json.loads(meta["iar"])
        assert header["version"] == _io.VERSION and header["format"] == f"iar.{type(obj).__name__}"
        assert len(meta["sha256"]) == 64
        type(obj).load(path)  # round trip


def test_an_edited_file_of_any_kind_fails_its_checksum(tmp_path):
    from safetensors import safe_open

    path = Activations({"z": torch.randn(2, 1, 1, 3)}).save(tmp_path / "a.safetensors")
    with safe_open(str(path), framework="pt") as f:
        meta, z = f.metadata(), f.get_tensor("site.z")
    save_file({"site.z": z + 1}, str(path), metadata=meta)
    with pytest.raises(iar.ArtifactError, match="checksum"):
        Activations.load(path)


def test_a_file_of_another_kind_names_what_it_holds(tmp_path):
    path = Revision.fit(torch.randn(6, 3, 4) + 1, torch.randn(6, 3, 4), level="layer", probe=False).save(
        tmp_path / "r.safetensors")
    with pytest.raises(iar.ArtifactError, match="iar.Revision"):
        ShiftReport.load(path)


def test_atomic_dir_leaves_every_file_readable_at_every_depth(tmp_path):
    """A nested file written through mkstemp (mode 0600) comes out 0644, nested folders 0755."""
    import os
    import stat
    import tempfile

    def fill(d):
        (d / "sub").mkdir(mode=0o700)
        fd, name = tempfile.mkstemp(dir=d / "sub")
        os.write(fd, b"x")
        os.close(fd)
        os.replace(name, d / "sub" / "delta.safetensors")
        (d / "top.json").write_text("{}")

    out = _io.atomic_dir(tmp_path / "out", fill)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(out / "sub" / "delta.safetensors") == 0o644
    assert mode(out / "top.json") == 0o644
    assert mode(out / "sub") == 0o755 and mode(out) == 0o755
