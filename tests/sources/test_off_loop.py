"""Parsing runs in a worker thread: a multi-megabyte page does not stall the event loop."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from monitor.config import SourceSettings
from monitor.sources.base import SourceState
from monitor.sources.http import HttpClient
from monitor.sources.telegram import TelegramSource
from tests.support.httpserver import LocalServer, Reply

DATA = Path(__file__).parent / "testdata" / "telegram"


def big_preview_page(size: int) -> str:
    """The fixture's newest page with its messages repeated (new ids) to `size` characters."""
    html = (DATA / "page-newest.html").read_text("utf-8")
    start = html.index('        <div class="tgme_widget_message_wrap')
    end = html.index("      </section>", start)
    head, block, tail = html[:start], html[start:end], html[end:]
    blocks: list[str] = []
    number = 10_000

    def renumber(_: re.Match[str]) -> str:
        nonlocal number
        number += 1
        return f'data-post="MID_Russia/{number}"'

    total = len(head) + len(tail)
    while total < size:
        blocks.append(re.sub(r'data-post="MID_Russia/\d+"', renumber, block))
        total += len(blocks[-1])
    return head + "".join(blocks) + tail


async def test_a_big_telegram_page_parses_while_the_loop_keeps_ticking(
    http_server: LocalServer,
) -> None:
    page = big_preview_page(3_000_000)
    http_server.route(
        "/s/MID_Russia", Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    settings = SourceSettings.model_validate(
        {
            "name": "mid",
            "platform": "telegram",
            "handle": "MID_Russia",
            "base_url": http_server.base_url,
            "backfill": 5,
        }
    )
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.05)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async with HttpClient(timeout=10.0, max_bytes=10 * 1024 * 1024) as http:
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.1)
        started = time.monotonic()
        result = await TelegramSource(settings, http).fetch(SourceState())
        parse_time = time.monotonic() - started
        done.set()
        await ticking
    assert gaps, f"the fetch took {parse_time:.2f}s"
    # A parse on the loop would stall it for the whole fetch; off the loop, the loop only
    # waits for its turn at the interpreter (longer on an overloaded machine, whose fetch
    # takes longer too).
    limit = max(0.5, parse_time / 4)
    assert max(gaps) < limit, f"the loop stalled {max(gaps):.2f}s during a {parse_time:.2f}s fetch"
    assert len(result.items) == 5
