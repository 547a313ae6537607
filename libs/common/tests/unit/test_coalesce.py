"""An answer's head and body leave in one write (servelo_common.coalesce)."""

import asyncio
from typing import Any

from servelo_common.coalesce import CoalescingTransport


class Recorder:
    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []
        self.closed = False

    def writelines(self, lines: list[bytes]) -> None:
        self.sent.append(list(lines))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


async def test_writes_of_one_step_go_out_together() -> None:
    raw = Recorder()
    transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"")
    transport.write(b"{}")
    assert raw.sent == []
    assert transport.get_write_buffer_size() == 21
    await asyncio.sleep(0)
    assert raw.sent == [[b"HTTP/1.1 200 OK\r\n\r\n", b"{}"]]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert raw.sent[-1] == [b"next"]


async def test_close_sends_what_was_written_first() -> None:
    raw = Recorder()
    transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"bye")
    transport.close()
    assert raw.sent == [[b"bye"]] and raw.closed
    transport.write(b"late")
    await asyncio.sleep(0)
    assert raw.sent == [[b"bye"]]  # nothing is written to a closed transport
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
