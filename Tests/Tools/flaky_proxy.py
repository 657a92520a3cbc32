#!/usr/bin/env python3
"""A TCP proxy on loopback that drops connections mid-stream, for fault tests.

Usage: flaky_proxy.py LISTEN_PORT TARGET_PORT SEED CUT_PROBABILITY

Each accepted connection, with probability CUT_PROBABILITY, is cut after a random number of bytes
(200..8000, both directions counted): mid-request or mid-response, possibly after the server
committed a batch but before the client read the ack. Prints "listening" once ready and one
"cut" line per dropped connection on stderr.
"""
import asyncio
import random
import sys

listen_port, target_port, seed, cut_probability = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rng = random.Random(seed)


class Cut(Exception):
    pass


async def pipe(reader, writer, budget):
    while True:
        data = await reader.read(16384)
        if not data:
            return
        if budget[0] is not None:
            if len(data) >= budget[0]:
                writer.write(data[: budget[0]])
                await writer.drain()
                raise Cut()
            budget[0] -= len(data)
        writer.write(data)
        await writer.drain()


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    budget = [rng.randint(200, 8000) if rng.random() < cut_probability else None]
    tasks = [asyncio.create_task(pipe(client_reader, server_writer, budget)), asyncio.create_task(pipe(server_reader, client_writer, budget))]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if any(isinstance(t.exception(), Cut) for t in done if not t.cancelled()):
        print("cut", file=sys.stderr, flush=True)
    for writer in (client_writer, server_writer):
        try:
            writer.transport.abort()
        except Exception:
            pass


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("listening", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
