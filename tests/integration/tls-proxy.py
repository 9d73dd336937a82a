#!/usr/bin/env python3
"""tls-proxy.py CA CERT KEY SOCKET PORTFILE: a TCP+TLS endpoint for the
engine's unix socket, as a TLS-protected dockerd is one: it asks for a
client certificate the CA signed, and passes bytes both ways, half-closes
included (a client's end of stream reaches the engine as one). The port it
listens on (127.0.0.1) is written to PORTFILE. One thread per connection:
no TLS object is shared between threads. Runs until killed."""
import os
import select
import socket
import ssl
import sys
import threading

ca, cert, key, sock_path, port_file = sys.argv[1:6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
# A client's end of stream is a TCP half-close without close_notify (the
# Docker CLI's too): an end of its stream, as Go's TLS reads it, not an error
# that would forbid the answer.
ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF


def serve(conn):
    try:
        t = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    u = socket.socket(socket.AF_UNIX)
    u.connect(sock_path)
    t_open = True
    try:
        while True:
            waiting = [u] + ([t] if t_open else [])
            ready = [t] if t_open and t.pending() else select.select(waiting, [], [])[0]
            if t in ready:
                try:
                    d = t.recv(65536)
                except (ssl.SSLEOFError, ConnectionResetError):
                    d = b""
                if d:
                    u.sendall(d)
                else:
                    t_open = False
                    u.shutdown(socket.SHUT_WR)
            if u in ready:
                d = u.recv(65536)
                if not d:
                    break
                t.sendall(d)
    except OSError:
        pass
    finally:
        t.close()
        u.close()


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
