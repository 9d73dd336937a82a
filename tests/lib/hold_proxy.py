#!/usr/bin/env python3
"""A forwarding proxy in front of an engine's unix socket that can hold one request.

usage: hold_proxy.py LISTEN UPSTREAM DIR [N before|after]

Listens on the unix socket LISTEN and forwards HTTP/1.1 to the unix socket
UPSTREAM: requests and answers with Content-Length, chunked or read-to-close
bodies, and connections upgraded or hijacked (a 101, or an answer without a
length: exec and attach) are piped both ways from then on. Each connection
to LISTEN has its own to UPSTREAM; requests are counted across connections
(from 1) and each request line is appended to DIR/log as "N METHOD TARGET",
its answer as "N -> STATUS".

With N and a mode, request N is held: "before" it is forwarded, "during"
(forwarded, its answer not read yet: the engine may be at work on it), or
"after" the engine answered it (the whole answer read, not yet passed back). While
it is held, DIR/held exists (its content: "N MODE"); the proxy waits for
DIR/release (to be made whole at once: written beside and renamed), then
goes on, or, when that file says "drop", closes the connection instead (the
client never gets an answer). DIR/ready appears once
LISTEN accepts connections.
"""
import os
import socket
import sys
import threading
import time

listen_path, upstream_path, state = sys.argv[1], sys.argv[2], sys.argv[3]
if upstream_path.startswith("unix://"):
    upstream_path = upstream_path[len("unix://"):]
hold_n = int(sys.argv[4]) if len(sys.argv) > 4 else 0
hold_mode = sys.argv[5] if len(sys.argv) > 5 else "before"

count_lock = threading.Lock()
count = 0


class Closed(Exception):
    pass


def log(line):
    with count_lock:
        with open(os.path.join(state, "log"), "a") as f:
            f.write(line + "\n")


class Reader:
    """Buffered reads from a socket; Closed at an end before what was asked for."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        """The start line and headers, raw, and the headers by lower-case name."""
        raw = self.line()
        while raw == b"\r\n":  # stray CRLF between messages
            raw = self.line()
        headers = {}
        while True:
            ln = self.line()
            raw += ln
            if ln == b"\r\n":
                break
            name, _, value = ln.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return raw, headers

    def rest(self):
        out, self.buf = self.buf, b""
        return out


def body(reader, headers, emit):
    """The message body by its framing, handed to emit piece by piece.
    Returns False when there is no framing (the body runs to the close)."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = reader.line()
            emit(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    ln = reader.line()
                    emit(ln)
                    if ln == b"\r\n":
                        return True
            emit(reader.exactly(size + 2))
    if "content-length" in headers:
        left = int(headers["content-length"])
        while left > 0:
            if not reader.buf:
                reader.fill()
            piece = reader.buf[:left]
            reader.buf = reader.buf[len(piece):]
            left -= len(piece)
            emit(piece)
        return True
    return False


def pipe(a, b):
    """Bytes from a to b until a ends; then b's writing side is shut."""
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def hold(n, mode):
    """Request n is held: DIR/held says so until DIR/release; True to go on, False to drop."""
    held = os.path.join(state, "held")
    release = os.path.join(state, "release")
    with open(held + ".tmp", "w") as f:
        f.write("%d %s\n" % (n, mode))
    os.rename(held + ".tmp", held)
    while not os.path.exists(release):
        time.sleep(0.02)
    with open(release) as f:
        how = f.read().strip()
    os.unlink(held)
    return how != "drop"


def serve(client):
    global count
    up = None
    try:
        creader = Reader(client)
        while True:
            try:
                raw, headers = creader.head()
            except Closed:
                return
            method, target = raw.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
            with count_lock:
                count += 1
                n = count
            log("%d %s %s" % (n, method, target))
            held = n == hold_n
            # the request, whole, before anything goes to the engine
            req = [raw]
            body(creader, headers, req.append)
            if held and hold_mode == "before" and not hold(n, "before"):
                log("%d -> dropped" % n)
                return
            if up is None:
                up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                up.connect(upstream_path)
                ureader = Reader(up)
            up.sendall(b"".join(req))
            if held and hold_mode == "during" and not hold(n, "during"):
                log("%d -> dropped" % n)
                return
            # the answer: passed on as it comes, or whole after the hold
            resp = []
            emit = resp.append if held and hold_mode == "after" else client.sendall
            while True:
                rraw, rheaders = ureader.head()
                status = int(rraw.split(b" ", 2)[1])
                emit(rraw)
                if status >= 200 or status == 101:
                    break  # 100 Continue and the like: the real answer follows
            log("%d -> %d" % (n, status))
            framed = True
            if status == 101 or status in (204, 304) or method == "HEAD":
                framed = status != 101
            else:
                framed = body(ureader, rheaders, emit)
            if held and hold_mode == "after":
                if not hold(n, "after"):
                    log("%d -> dropped" % n)
                    return
                client.sendall(b"".join(resp))
            if not framed:
                # upgraded or hijacked (exec, attach), or a body up to the close:
                # bytes both ways until both sides are done
                if ureader.buf:
                    client.sendall(ureader.rest())
                if creader.buf:
                    up.sendall(creader.rest())
                t = threading.Thread(target=pipe, args=(client, up), daemon=True)
                t.start()
                pipe(up, client)
                t.join()
                return
            if "close" in rheaders.get("connection", "").lower() or \
                    "close" in headers.get("connection", "").lower():
                return
    except (Closed, OSError):
        return  # either side gone: the other is closed below
    except (ValueError, IndexError) as e:
        sys.stderr.write("hold_proxy: not HTTP as expected: %r\n" % e)
        return
    finally:
        for s in (client, up):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def main():
    if os.path.exists(listen_path):
        os.unlink(listen_path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(listen_path)
    s.listen(64)
    open(os.path.join(state, "ready"), "w").close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


main()
