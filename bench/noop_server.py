"""A do-nothing HTTP server: answers every request with ``201 {"ok":1}``.

The registration benchmark loads it like the real servers, to show what the load generator
itself can drive on this machine (its ceiling), so the other figures can be read against it.

    python -m bench.noop_server PORT
"""

from __future__ import annotations

import asyncio
import sys

RESPONSE = (
    b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"ok":1}'
)


class NoopProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive: read a request (headers and Content-Length body), answer, repeat."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, rest = self.buffer.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            self.transport.write(RESPONSE)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(NoopProtocol, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
