"""The callback clients' TLS context is made once per process (`shared_tls_context`): loading
the CA bundle was 25-60 ms of every start. It is made anew when the bundle is another one."""

from __future__ import annotations

import os
import shutil
import ssl
from pathlib import Path

import certifi
import httpx
import pytest

from channels.webhook import adapter
from channels.webhook.adapter import WebhookChannel, shared_tls_context
from channels.webhook.settings import WebhookSource
from complaints.clock import ManualClock
from tests.conftest import START


async def nothing(*_: object) -> None:
    return None


async def test_every_start_loads_the_ca_bundle_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    create = httpx.create_ssl_context

    def create_ssl_context() -> ssl.SSLContext:
        made.append(create())
        return made[-1]

    monkeypatch.setattr(adapter, "_tls", None)
    monkeypatch.setattr(adapter.httpx, "create_ssl_context", create_ssl_context)
    sources = {
        name: WebhookSource(name=name, secret="s" * 32, callback_url=f"https://{name}.test/")
        for name in ("shop", "crm")
    }
    channels = [WebhookChannel(sources, nothing, ManualClock(START), 1000, 10) for _ in range(3)]
    for channel in channels:
        await channel.stop()
    assert len(made) == 1 and shared_tls_context() is made[0]
    assert made[0].verify_mode == ssl.CERT_REQUIRED and made[0].check_hostname


def test_another_or_changed_ca_bundle_makes_a_new_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    default = shared_tls_context()
    bundle = tmp_path / "ca.pem"
    shutil.copyfile(certifi.where(), bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    named = shared_tls_context()
    assert named is not default and shared_tls_context() is named
    stat = bundle.stat()
    os.utime(bundle, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert shared_tls_context() is not named
    monkeypatch.delenv("SSL_CERT_FILE")
    assert shared_tls_context() is not named
