"""The Models view's Hugging Face cache listing and deletion, on a cache laid out in a temp dir."""

import hashlib
import os

import pytest

from llm_playground.errors import InvalidInput
from llm_playground.models import hub_cache


def fake_repo(cache, repo_id: str, payload: bytes, kind: str = "model") -> None:
    """The layout huggingface_hub writes: blobs, snapshot symlinks to them, refs/main.

    Commit hashes are unique per repo, as real ones are (deletion selects revisions by commit hash)."""
    commit = hashlib.sha1(f"{kind}/{repo_id}".encode()).hexdigest()
    root = cache / ("models--" + repo_id.replace("/", "--"))
    (root / "blobs").mkdir(parents=True)
    (root / "refs").mkdir()
    (root / "snapshots" / commit).mkdir(parents=True)
    blob = root / "blobs" / hashlib.sha1(payload).hexdigest()
    blob.write_bytes(payload)
    os.symlink(os.path.relpath(blob, root / "snapshots" / commit), root / "snapshots" / commit / "model.safetensors")
    (root / "refs" / "main").write_text(commit)


@pytest.fixture
def cache(tmp_path):
    return tmp_path


def test_scan_lists_repos_by_size(cache):
    fake_repo(cache, "acme/small", b"x" * 10)
    fake_repo(cache, "acme/big", b"x" * 5000)
    repos = hub_cache.scan(str(cache))
    assert [r.repo_id for r in repos] == ["acme/big", "acme/small"]
    assert repos[0].size_on_disk >= 5000 and repos[0].revisions == 1


def test_delete_frees_the_repo(cache):
    fake_repo(cache, "acme/big", b"x" * 5000)
    fake_repo(cache, "acme/keep", b"y" * 10)
    assert hub_cache.delete("acme/big", str(cache)) >= 5000
    assert [r.repo_id for r in hub_cache.scan(str(cache))] == ["acme/keep"]
    with pytest.raises(InvalidInput, match="not in the local"):
        hub_cache.delete("acme/big", str(cache))


def test_missing_cache_is_empty(tmp_path):
    assert hub_cache.scan(str(tmp_path / "nothing-here")) == []


def fake_dataset(cache, repo_id: str, payload: bytes) -> None:
    """A dataset with the same id as a model: huggingface_hub keeps it under datasets--owner--name."""
    fake_repo(cache, repo_id, payload, kind="dataset")
    model_dir = cache / ("models--" + repo_id.replace("/", "--"))
    model_dir.rename(cache / ("datasets--" + repo_id.replace("/", "--")))


def test_deleting_a_model_keeps_the_dataset_with_the_same_id(cache):
    fake_dataset(cache, "acme/victim-model", b"d" * 100)
    fake_repo(cache, "acme/victim-model", b"m" * 100)
    assert sorted(r.repo_type for r in hub_cache.scan(str(cache))) == ["dataset", "model"]
    hub_cache.delete("acme/victim-model", str(cache))
    assert [(r.repo_id, r.repo_type) for r in hub_cache.scan(str(cache))] == [("acme/victim-model", "dataset")]
    assert (cache / "datasets--acme--victim-model").is_dir()
