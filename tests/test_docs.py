"""The README a newcomer reads in five minutes, and docs whose links and dates hold."""

from __future__ import annotations

import re

import pytest


def doc_files(repo_root):
    return [repo_root / "README.md", repo_root / "CHANGELOG.md", *sorted((repo_root / "docs").glob("*.md"))]


def test_the_readme_stays_short(repo_root):
    lines = (repo_root / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move details to docs/"


def test_figures_are_dated_by_release_or_commit_never_by_a_development_session(repo_root):
    for path in doc_files(repo_root):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not re.search(r"\bsessions?\b", line, re.IGNORECASE), f"{path.name}:{n}: {line.strip()}"


def test_every_relative_link_of_the_docs_points_at_a_file(repo_root):
    for path in doc_files(repo_root):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://", target):
                continue
            assert (path.parent / target).exists(), f"{path.name}: link to {target}, which does not exist"


@pytest.mark.parametrize("name", ["tiny", "news-e5-small", "news-e5-small-distance", "wojood-e5-small", "arabertv02"])
def test_the_configurations_the_readme_names_are_at_the_top_of_configs(repo_root, name):
    assert (repo_root / "configs" / f"{name}.toml").is_file()
    assert f"`{name}`" in (repo_root / "README.md").read_text(encoding="utf-8")


def test_the_release_in_pyproject_has_a_changelog_entry(repo_root):
    version = re.search(r'^version = "([^"]+)"', (repo_root / "pyproject.toml").read_text(encoding="utf-8"), re.M)[1]
    assert f"## {version}" in (repo_root / "CHANGELOG.md").read_text(encoding="utf-8")
    import arabic_news_tagger

    assert arabic_news_tagger.__version__ == version
