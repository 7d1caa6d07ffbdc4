"""The local Hugging Face cache: what is downloaded, how big, and deleting entries."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput


@dataclass
class CachedRepo:
    repo_id: str
    repo_type: str
    size_on_disk: int
    revisions: int
    last_accessed: float


def scan(cache_dir: str | None = None) -> list[CachedRepo]:
    """Cached repos, largest first (cache_dir: the HF hub cache, by default HF_HUB_CACHE)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(cache_dir)
    except CacheNotFound:
        return []
    return sorted((CachedRepo(r.repo_id, r.repo_type, r.size_on_disk, len(r.revisions), r.last_accessed or 0)
                   for r in info.repos), key=lambda r: -r.size_on_disk)


def delete(repo_id: str, cache_dir: str | None = None, repo_type: str = "model") -> int:
    """Delete every cached revision of one repo of one type (a dataset or Space may share a model's id:
    it is not touched); returns the bytes freed."""
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(cache_dir)
    repos = [r for r in info.repos if r.repo_id == repo_id and r.repo_type == repo_type]
    if not repos:
        raise InvalidInput("cache.not_cached", name=repo_id, type=repo_type)
    strategy = info.delete_revisions(*(rev.commit_hash for r in repos for rev in r.revisions))
    strategy.execute()
    return strategy.expected_freed_size
