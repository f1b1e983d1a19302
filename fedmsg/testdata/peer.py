"""A ZeroMQ peer on libzmq (Debian's python3-zmq) for the fedmsg interoperability tests.

Run it with Debian's /usr/bin/python3: the python3 first on PATH may be another build that
cannot import Debian's zmq module.

  peer.py pub --bind tcp://127.0.0.1:* --file meta_examples.jsonl [--start S] [--count N] [--hold]
      Binds an XPUB socket (a PUB that also lets this script see subscriptions arrive) and
      prints "BOUND <endpoint>". Once a subscriber has subscribed it sends the fixture
      envelopes S..S+N-1 as fedmsg does, send_multipart([topic, json.dumps(envelope)]),
      and prints "SENT <n>". With --hold it then waits for stdin to close (the test kills it
      instead), else it lingers until the messages are out and exits.

  peer.py pub --bind EP --file F --stream RUN [--rate R]
      Like pub, but sends the fixtures round and round until killed, R messages a second,
      each with msg_id "2026-RUN-<sequence number>", so that a test can kill it mid-stream.

  peer.py pub --bind EP --file F --paced RUN --count N [--rate R]
      Like pub, but sends N messages, the fixtures round and round, message i when it is
      due: R a second from a start just after the subscription arrived, late if need be.
      Each gets msg_id "2026-RUN-<i>" and, as its timestamp (when fedmsg says the sender
      made it), the time it was due: the engine's latency benchmark counts from there.
      Prints "SENT <n>" when done.

  peer.py sub --connect tcp://127.0.0.1:PORT --count N [--topic PREFIX]
      Connects a SUB socket, prints "CONNECTED", then prints each message it receives as a
      JSON line {"frames": [<base64 of each frame>]} and exits after N messages.
"""

import argparse
import base64
import json
import sys
import time

import zmq


def out(line):
    print(line, flush=True)


def pub(args):
    with open(args.file, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    end = len(records) if args.count < 0 or args.paced else args.start + args.count
    envelopes = [r["msg"] for r in records[args.start:end]]
    if args.paced and (args.count <= 0 or not envelopes):
        sys.exit("peer.py: --paced needs --count N > 0 and a file with messages")

    ctx = zmq.Context()
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 5000)
    sock.setsockopt(zmq.SNDHWM, 0)  # never drop: the test counts every message
    sock.bind(args.bind)
    out("BOUND " + sock.getsockopt_string(zmq.LAST_ENDPOINT))

    # Wait for a subscription (first byte 1): ZeroMQ drops what a PUB sends before the
    # subscriber's subscription has arrived.
    while True:
        event = sock.recv()
        if event[:1] == b"\x01":
            break

    if args.stream:
        stream(sock, envelopes, args.stream, args.rate)
        return
    if args.paced:
        paced(sock, envelopes, args.paced, args.count, args.rate)
        sock.close()
        ctx.term()
        return

    for env in envelopes:
        # fedmsg: socket.send_multipart([topic.encode('utf-8'), fedmsg.encoding.dumps(msg).encode('utf-8')])
        sock.send_multipart([env["topic"].encode("utf-8"), json.dumps(env).encode("utf-8")])
    out("SENT %d" % len(envelopes))

    if args.hold:
        sys.stdin.read()
    sock.close()
    ctx.term()


def stream(sock, envelopes, run, rate):
    out("STREAMING")
    seq = 0
    while True:
        env = dict(envelopes[seq % len(envelopes)])
        env["msg_id"] = "2026-%s-%08d" % (run, seq)
        sock.send_multipart([env["topic"].encode("utf-8"), json.dumps(env).encode("utf-8")])
        seq += 1
        time.sleep(1.0 / rate)


def paced(sock, envelopes, run, count, rate):
    start = time.time() + 0.05
    for i in range(count):
        due = start + i / rate
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        env = dict(envelopes[i % len(envelopes)])
        env["msg_id"] = "2026-%s-%08d" % (run, i)
        env["timestamp"] = due
        sock.send_multipart([env["topic"].encode("utf-8"), json.dumps(env).encode("utf-8")])
    out("SENT %d" % count)


def sub(args):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt_string(zmq.SUBSCRIBE, args.topic)
    sock.setsockopt(zmq.RCVTIMEO, args.timeout_ms)
    sock.connect(args.connect)
    out("CONNECTED")
    for _ in range(args.count):
        try:
            frames = sock.recv_multipart()
        except zmq.Again:
            out("TIMEOUT")
            sys.exit(2)
        out(json.dumps({"frames": [base64.b64encode(f).decode("ascii") for f in frames]}))
    sock.close(linger=0)
    ctx.term()


def main():
    p = argparse.ArgumentParser()
    modes = p.add_subparsers(dest="mode", required=True)
    pp = modes.add_parser("pub")
    pp.add_argument("--bind", required=True)
    pp.add_argument("--file", required=True)
    pp.add_argument("--start", type=int, default=0)
    pp.add_argument("--count", type=int, default=-1)
    pp.add_argument("--hold", action="store_true")
    pp.add_argument("--stream", default="")
    pp.add_argument("--paced", default="")
    pp.add_argument("--rate", type=float, default=500.0)
    sp = modes.add_parser("sub")
    sp.add_argument("--connect", required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--topic", default="")
    sp.add_argument("--timeout-ms", type=int, default=60000)
    args = p.parse_args()
    {"pub": pub, "sub": sub}[args.mode](args)


if __name__ == "__main__":
    main()
