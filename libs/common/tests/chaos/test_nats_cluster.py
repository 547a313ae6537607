"""The production NATS setup (docs/nats.md): three JetStream nodes, the stream at
`SERVELO_NATS_STREAM_REPLICAS=3`. One node SIGKILLed: publishing goes on (a quorum of two).
Two nodes away: publishing stops (no quorum) and resumes when one returns. Publishing as
the relay does (retry with the same Nats-Msg-Id until acknowledged), every message ends up
in the stream exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from servelo_common.bus import StreamSettings, ensure_stream
from servelo_common.events import STREAM
from servelo_dev.devstack.embedded import EmbeddedNats, free_port

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


def cluster(folder: Path) -> list[EmbeddedNats]:
    ports = [free_port() for _ in range(3)]
    return [
        EmbeddedNats(
            folder / f"n{i}",
            name=f"n{i}",
            cluster_port=port,
            routes=tuple(p for p in ports if p != port),
        )
        for i, port in enumerate(ports)
    ]


async def until(what: str, action: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await action()
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.mark.timeout(180)
async def test_three_node_stream_survives_a_node_and_waits_out_a_lost_quorum(
    tmp_path: Path,
) -> None:
    nodes = cluster(tmp_path)
    for node in nodes:
        node.start()
    nc = await nats.connect(
        [n.url for n in nodes], max_reconnect_attempts=-1, reconnect_time_wait=0.2
    )
    try:
        js = nc.jetstream(timeout=2)
        await until("stream", lambda: ensure_stream(js, StreamSettings(replicas=3)), 60)
        info = await js.stream_info(STREAM)
        assert info.config.num_replicas == 3

        sent = 0
        refused = 0

        async def publish(n: int, *, give_up_after: float) -> bool:
            """The relay's way: the same msg id until acknowledged (or we stop trying)."""
            nonlocal refused
            deadline = time.monotonic() + give_up_after
            while True:
                try:
                    await js.publish(
                        "servelo.events.test.thing-happened",
                        b"{}",
                        headers={"Nats-Msg-Id": f"msg-{n}"},
                        timeout=1.0,
                    )
                    return True
                except Exception:
                    refused += 1
                    if time.monotonic() > deadline:
                        return False
                    await asyncio.sleep(0.2)

        for _ in range(20):
            sent += 1
            assert await publish(sent, give_up_after=20)

        # One node down (the stream's leader, the worst one): a new leader is elected and
        # publishing continues.
        placement = (await js.stream_info(STREAM)).cluster
        assert placement is not None
        leader = placement.leader
        victim = next(n for n in nodes if n.name == leader)
        victim.kill()
        started = time.monotonic()
        for _ in range(20):
            sent += 1
            assert await publish(sent, give_up_after=30)
        one_down = round(time.monotonic() - started, 2)

        # A second node down: no quorum, nothing is acknowledged.
        second = next(n for n in nodes if n is not victim and n.proc is not None)
        second.kill()
        sent += 1
        assert not await publish(sent, give_up_after=3)
        pending = sent  # the relay keeps this one and retries it

        # One node back: a quorum again; the retried message lands once.
        victim.start()
        started = time.monotonic()
        assert await publish(pending, give_up_after=60)
        quorum_back = round(time.monotonic() - started, 2)
        for _ in range(20):
            sent += 1
            assert await publish(sent, give_up_after=30)
        second.start()

        # Every message exactly once, read from the stream.
        sub = await until(
            "consumer",
            lambda: js.pull_subscribe(
                "servelo.events.test.>",
                stream=STREAM,
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
            ),
            30,
        )
        ids: Counter[str] = Counter()
        while sum(ids.values()) < sent:
            for msg in await until("fetch", lambda: sub.fetch(batch=100, timeout=2), 30):
                ids[msg.headers["Nats-Msg-Id"]] += 1
        assert set(ids) == {f"msg-{n}" for n in range(1, sent + 1)}
        assert max(ids.values()) == 1
        print(
            f"\nR3 stream: {sent} messages, each once; {refused} refused publish attempts;"
            f" leader lost -> publishing again within {one_down} s;"
            f" quorum back -> within {quorum_back} s"
        )
    finally:
        await nc.close()
        for node in nodes:
            node.stop()
