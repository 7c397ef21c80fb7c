"""The fake GitHub the step scripts talk to, and the action's REST client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from datamodel_action.github import GitHub

from tests.support.fakegithub import FakeGitHub, FakeGitHubServer


@pytest.fixture
def gh() -> FakeGitHub:
    return FakeGitHub(read_only_token="ghs_read_only")


@pytest.fixture
def server(gh: FakeGitHub) -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(gh) as running:
        yield running


@pytest.fixture
def api(gh: FakeGitHub, server: FakeGitHubServer) -> GitHub:
    assert gh.token is not None
    return GitHub(server.url, gh.token, gh.repository)
