"""YouTubeUploader end to end on local fakes: real HTTP, a real OAuthClient and vault, injected faults."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from tests.plugins._fake_youtube import QUANTUM, FakeYouTube, youtube_app
from tests.security.fakes import CANARY, FakeAuth, LocalServer, auth_app
from timeline_lab.core.events import Event, EventBus
from timeline_lab.plugins import CommandError, PermissionDenied, PluginRegistry
from timeline_lab.plugins.builtin.youtube import (
    MANIFEST,
    RetryPolicy,
    UploadCancelled,
    UploadError,
    UploadProgress,
    YouTubeUploader,
)
from timeline_lab.security import YOUTUBE, OAuthClient, TokenSet, Vault

SIZE = 5 * QUANTUM + 12_345  # five full chunks and a short last one
FAST = RetryPolicy(max_attempts=5, base_delay=0.001, max_delay=0.005)
LOCAL = {"network": ["127.0.0.1"], "fs_read": ["."]}


@dataclass
class Env:
    reg: PluginRegistry
    plugin: YouTubeUploader
    yt: FakeYouTube
    auth: FakeAuth
    client: OAuthClient
    vault: Vault
    video: Path
    data: bytes
    events: list[Event]

    def upload(self, **payload: Any) -> Any:
        return self.reg.handle("youtube", "upload", {"path": "clip.mp4", "title": "Holiday", **payload})

    def progress(self) -> list[UploadProgress]:
        return [e for e in self.events if isinstance(e, UploadProgress)]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[LocalServer, FakeAuth, LocalServer, FakeYouTube]]:
    auth = FakeAuth()
    yt = FakeYouTube(auth)
    with LocalServer(auth_app(auth)) as a, LocalServer(youtube_app(yt)) as u:
        yield a, auth, u, yt


@pytest.fixture
def env(
    servers: tuple[LocalServer, FakeAuth, LocalServer, FakeYouTube],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Env]:
    """A workspace with clip.mp4, a passphrase vault holding signed-in tokens, the plugin registered."""
    a, auth, u, yt = servers
    yt.reset()
    auth.expires_in = 3600
    monkeypatch.setenv("TIMELINE_LAB_VAULT", str(tmp_path / "default-vault.json"))
    monkeypatch.delenv("TIMELINE_LAB_VAULT_PASSPHRASE", raising=False)
    ws = tmp_path / "ws"
    ws.mkdir()
    data = random.Random(7).randbytes(SIZE)
    (ws / "clip.mp4").write_bytes(data)
    vault = Vault(tmp_path / "vault.json", passphrase="vault-pass", prefer="passphrase", scrypt_n=2**14)
    client = OAuthClient(YOUTUBE.rebased(a.url), auth.client_id, auth.client_secret, vault=vault)
    vault.set(client.token_entry, TokenSet.from_response(auth.issue(refresh=True), time.time()).dumps())
    kw: dict[str, Any] = {"base_url": u.url, "oauth": client, "permissions": LOCAL, "chunk_size": QUANTUM}
    kw.update(getattr(request, "param", {}))
    plugin = YouTubeUploader(retry=FAST, **kw)
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(Event, events.append)
    with PluginRegistry(bus, ws) as reg:
        reg.register(plugin, source="test")
        assert reg.start() == ["youtube"]
        yield Env(reg, plugin, yt, auth, client, vault, ws / "clip.mp4", data, events)
    assert not yt.violations


def check_progress(env: Env) -> None:
    sent = [e.bytes_sent for e in env.progress()]
    assert sent[0] == 0 and sent == sorted(set(sent)), sent  # strictly increasing from 0
    assert env.progress()[-1].fraction == 1.0 and env.progress()[-1].total == SIZE


def test_chunked_upload_reassembles_the_file(env: Env) -> None:
    video_id = env.upload(description="sea", tags=["beach", "summer 2024"], privacy="unlisted", category="19")
    session = env.yt.only()
    assert bytes(session.data) == env.data and video_id == session.video_id
    starts = range(0, SIZE, QUANTUM)
    assert env.yt.log == [("POST", "session")] + [
        ("PUT", f"bytes {s}-{min(s + QUANTUM, SIZE) - 1}/{SIZE}") for s in starts
    ]
    assert session.content_type == "video/mp4"
    assert session.metadata == {
        "snippet": {
            "title": "Holiday",
            "description": "sea",
            "categoryId": "19",
            "tags": ["beach", "summer 2024"],
        },
        "status": {"privacyStatus": "unlisted"},
    }
    check_progress(env)
    assert len(env.progress()) == 1 + len(starts)
    assert env.reg.state("youtube") == "active"


def test_dropped_connection_mid_chunk_resumes_from_the_server_offset(env: Env) -> None:
    env.yt.drop_chunk = 2
    env.upload()
    assert bytes(env.yt.only().data) == env.data
    log = env.yt.log
    i = log.index(("PUT", "dropped"))
    assert log[i + 1] == ("PUT", f"bytes */{SIZE}")  # asked the server what it has
    resumed = int(log[i + 2][1].split()[1].split("-")[0])
    assert 2 * QUANTUM < resumed < 3 * QUANTUM  # the server kept part of the cut chunk
    check_progress(env)


@pytest.mark.parametrize(
    ("post_faults", "put_faults"),
    [([], [503]), ([], [503, 500, 502]), ([503, 429], []), ([504], [503])],
)
def test_transient_errors_back_off_and_finish(
    env: Env, post_faults: list[int], put_faults: list[int]
) -> None:
    env.yt.post_faults, env.yt.put_faults = list(post_faults), list(put_faults)
    env.upload()
    assert bytes(env.yt.only().data) == env.data
    assert not env.yt.post_faults and not env.yt.put_faults
    assert [m for m, _ in env.yt.log].count("POST") == 1 + len(post_faults)
    check_progress(env)


def test_retry_delays_grow_exponentially_with_jitter_and_a_cap() -> None:
    policy, rng = RetryPolicy(base_delay=1.0, max_delay=8.0), random.Random(1)
    for failures, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = {policy.delay(failures, rng) for _ in range(20)}
        assert all(cap / 2 <= d <= cap for d in delays) and len(delays) > 1


def test_retries_are_bounded(env: Env) -> None:
    env.yt.put_faults = [503] * 50
    with pytest.raises(UploadError, match=r"gave up after 5 failed attempts .*HTTP 503"):
        env.upload()
    assert len(env.yt.put_faults) == 50 - 5


def test_401_refreshes_the_token_through_the_vault_and_continues(env: Env) -> None:
    env.yt.revoke_after_chunks = 2
    before, n = env.vault.get("oauth.youtube.default").reveal(), len(env.auth.token_requests)
    env.upload()
    assert bytes(env.yt.only().data) == env.data
    assert [r["grant_type"] for r in env.auth.token_requests[n:]] == ["refresh_token"]
    assert env.vault.get("oauth.youtube.default").reveal() != before  # rotated tokens stored
    assert ("PUT", f"bytes */{SIZE}") in env.yt.log
    check_progress(env)


def test_a_token_about_to_expire_is_refreshed_before_the_upload(env: Env) -> None:
    env.auth.expires_in = 60  # inside the client's 300 s refresh margin
    tokens = TokenSet.from_response(env.auth.issue(refresh=True), time.time())
    env.vault.set(env.client.token_entry, tokens.dumps())
    n = len(env.auth.token_requests)
    env.upload()
    assert env.auth.token_requests[n]["grant_type"] == "refresh_token"
    assert bytes(env.yt.only().data) == env.data


def test_refresh_that_fails_stops_with_a_clear_error(env: Env) -> None:
    env.yt.revoke_after_chunks = 1
    env.auth.refresh_tokens.clear()  # the refresh token was revoked too
    with pytest.raises(CommandError, match=r"could not be refreshed .*invalid_grant"):
        env.upload()


@pytest.mark.parametrize("where", ["../outside.mp4", "ABS", "link.mp4"])
def test_a_file_outside_fs_read_is_refused(env: Env, where: str) -> None:
    outside = env.video.parent.parent / "outside.mp4"
    outside.write_bytes(b"secret")
    (env.video.parent / "link.mp4").symlink_to(outside)
    path = str(outside) if where == "ABS" else where
    with pytest.raises(CommandError, match=r"may not read .*fs_read") as err:
        env.upload(path=path)
    assert isinstance(err.value.__cause__, PermissionDenied)
    with pytest.raises(PermissionDenied):
        env.plugin.upload(path, title="direct call")
    assert env.yt.log == [] and env.reg.state("youtube") == "active"


@pytest.mark.parametrize(
    "env", [{"permissions": {"network": ["www.googleapis.com"], "fs_read": ["."]}}], indirect=True
)
def test_an_undeclared_host_is_refused(env: Env) -> None:
    n = len(env.auth.token_requests)
    with pytest.raises(CommandError, match=r"may not connect to host '127.0.0.1' .*/upload/youtube") as err:
        env.upload()
    assert isinstance(err.value.__cause__, PermissionDenied)
    with pytest.raises(CommandError, match="may not connect"):
        env.reg.handle("youtube", "configure", {"base_url": "https://evil.example.com"})
    assert env.yt.log == [] and len(env.auth.token_requests) == n


def test_a_token_endpoint_on_an_undeclared_host_is_refused(env: Env) -> None:
    real_google = OAuthClient(YOUTUBE, env.auth.client_id, env.auth.client_secret, vault=env.vault)
    plugin = YouTubeUploader(base_url=env.plugin.base_url, oauth=real_google, permissions=LOCAL)
    with PluginRegistry(EventBus(), env.video.parent) as reg:
        reg.register(plugin)
        reg.start()
        with pytest.raises(CommandError, match=r"may not connect to host 'oauth2\.googleapis\.com'"):
            reg.handle("youtube", "upload", {"path": "clip.mp4", "title": "t"})
    assert env.yt.log == []


def test_a_session_uri_on_an_undeclared_host_gets_no_bytes(env: Env) -> None:
    env.yt.location_host = "localhost"
    with pytest.raises(CommandError, match="may not connect to host 'localhost'"):
        env.upload()
    assert env.yt.log == [("POST", "session")]


def test_a_refusal_is_reported_without_retrying(env: Env) -> None:
    env.yt.refuse_post = (
        403,
        {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}},
    )
    with pytest.raises(UploadError, match="HTTP 403 while opening the upload session: quotaExceeded: quota"):
        env.upload()
    assert env.yt.log == [("POST", "session")] and env.reg.state("youtube") == "active"


def test_cancel_stops_the_upload_and_the_plugin_stays_usable(env: Env) -> None:
    def stop(ev: UploadProgress) -> None:
        if ev.bytes_sent >= 2 * QUANTUM:
            env.reg.handle("youtube", "cancel", {"job_id": ev.job_id})

    sub = env.reg.bus.subscribe(UploadProgress, stop)
    with pytest.raises(UploadCancelled, match="youtube upload job-7: cancelled"):
        env.upload(job_id="job-7")
    sub.close()
    assert len(env.yt.only().data) == 2 * QUANTUM
    assert env.reg.handle("youtube", "cancel", {"job_id": "job-7"}) == []  # no longer running
    env.yt.sessions.clear()
    env.upload(job_id="job-7")
    assert bytes(env.yt.only().data) == env.data


def test_a_job_id_already_running_is_refused(env: Env) -> None:
    refusals: list[str] = []

    def again(ev: UploadProgress) -> None:
        if ev.bytes_sent == 0:
            with pytest.raises(CommandError, match="already running") as err:
                env.upload(job_id="same")
            refusals.append(str(err.value))

    with env.reg.bus.subscribe(UploadProgress, again):
        env.upload(job_id="same")
    assert len(refusals) == 1 and bytes(env.yt.only().data) == env.data


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"title": ""}, "title"),
        ({"title": "a <b>"}, "title"),
        ({"privacy": "secret"}, "privacy"),
        ({"tags": ["x" * 501]}, "tags"),
        ({"job_id": "../x"}, "job_id"),
        ({"bogus": 1}, "bogus"),
        ({"path": "missing.mp4"}, "cannot read 'missing.mp4'"),
    ],
)
def test_bad_payloads_are_refused_before_any_request(env: Env, payload: dict[str, Any], error: str) -> None:
    with pytest.raises(CommandError, match=error):
        env.upload(**payload)
    assert env.yt.log == [] and env.reg.state("youtube") == "active"


def test_configure_checks_its_settings(env: Env) -> None:
    with pytest.raises(CommandError, match="256 KiB"):
        env.reg.handle("youtube", "configure", {"chunk_size": 1000})
    with pytest.raises(CommandError, match="must be https"):
        env.reg.handle("youtube", "configure", {"base_url": "http://www.googleapis.com"})
    out = env.reg.handle("youtube", "configure", {"chunk_size": 2 * QUANTUM})
    assert out["chunk_size"] == 2 * QUANTUM
    env.upload()
    assert len([m for m, r in env.yt.log if r.startswith("bytes ") and "*" not in r]) == 3


def test_no_token_in_logs_events_or_errors(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    env.yt.revoke_after_chunks, env.yt.drop_chunk, env.yt.put_faults = 1, 3, [503]
    env.upload()
    env.yt.refuse_post = (400, {"error": {"message": "bad"}})
    errors: list[BaseException] = []
    for payload in ({}, {"path": "../x.mp4"}):
        with pytest.raises(CommandError) as err:
            env.upload(**payload)
        errors.append(err.value)
    env.auth.refresh_tokens.clear()
    env.yt.refuse_post, env.yt.revoke_after_chunks, env.yt.chunks_stored = None, 1, 0
    with pytest.raises(UploadError) as err:
        env.upload()
    errors.append(err.value)
    assert "refreshing the access token" in caplog.text and "retrying" in caplog.text
    texts = [
        caplog.text,
        repr(env.plugin),
        *map(repr, env.events),
        *(f"{e!s} {e!r} {e.__cause__!r}" for e in errors),
    ]
    assert all(CANARY not in t for t in texts)


def test_the_entry_point_is_this_class_and_its_manifest_declares_what_it_uses(tmp_path: Path) -> None:
    (ep,) = [e for e in entry_points(group="timeline_lab.plugins") if e.name == "youtube"]
    assert ep.load() is YouTubeUploader
    perms = MANIFEST.permissions
    assert perms.network == ("www.googleapis.com", "oauth2.googleapis.com") and perms.fs_read == (".",)
    with PluginRegistry(EventBus(), tmp_path) as reg:
        assert {"blur", "youtube"} <= set(reg.discover())
        assert "youtube" in reg.start()


def test_without_an_injected_client_the_default_vault_must_hold_one(env: Env, tmp_path: Path) -> None:
    assert os.environ["TIMELINE_LAB_VAULT"].startswith(str(tmp_path))  # never the user's vault
    with PluginRegistry(EventBus(), env.video.parent) as reg:
        reg.register(YouTubeUploader)  # as discovered: the real hosts, nothing injected
        reg.start()
        with pytest.raises(UploadError, match=r"no OAuth client .*youtube.client_id"):
            reg.handle("youtube", "upload", {"path": "clip.mp4", "title": "t"})
        assert reg.state("youtube") == "active"


def test_video_metadata_is_still_the_plugins() -> None:
    """The models load on first use; ``youtube.VideoMetadata`` is the same class."""
    from timeline_lab.plugins.builtin import _youtube_metadata, youtube

    assert youtube.VideoMetadata is _youtube_metadata.VideoMetadata
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        youtube.Nope  # noqa: B018
