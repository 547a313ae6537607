"""The stream's replicas and retention are settings: raised on start, never lowered."""

from pathlib import Path

import nats
from nats.js.api import StreamConfig
from servelo_common.bus import RETENTION, SUBJECTS, StreamSettings, ensure_stream
from servelo_common.events import STREAM
from servelo_dev.devstack.embedded import EmbeddedNats
from servelo_dev.testing.plugin import TestStack


async def test_retention_is_raised_and_never_lowered(stack: TestStack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        before = (await js.stream_info(STREAM)).config
        assert before.max_age == RETENTION and before.num_replicas == 1
        longer = RETENTION + 24 * 3600
        await ensure_stream(js, StreamSettings(max_age=longer, max_bytes=2**40))
        raised = (await js.stream_info(STREAM)).config
        assert raised.max_age == longer
        assert raised.max_bytes in (None, -1)  # unlimited already allows 1 TiB: kept
        # A replica started with lower settings (the defaults) changes nothing.
        await ensure_stream(js, StreamSettings(max_age=3600, replicas=1))
        kept = (await js.stream_info(STREAM)).config
        assert kept.max_age == longer and kept.num_replicas == 1
    finally:
        await nc.close()


async def test_a_stream_from_before_replays_gets_the_replay_subjects(tmp_path: Path) -> None:
    # A NATS of its own: the session's stream stays as the services made it.
    server = EmbeddedNats(tmp_path)
    nc = await nats.connect(server.start())
    try:
        js = nc.jetstream()
        # As an older release created it: only the events.
        await js.add_stream(StreamConfig(name=STREAM, subjects=["servelo.events.>"]))
        await ensure_stream(js)
        assert (await js.stream_info(STREAM)).config.subjects == list(SUBJECTS)
    finally:
        await nc.close()
        server.stop()
