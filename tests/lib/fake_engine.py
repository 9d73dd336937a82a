#!/usr/bin/env python3
"""A misbehaving engine on a unix socket, for sbx's tests of what it says.

usage: fake_engine.py SOCKET MODE
  503    every request is answered 503 with a JSON message
  hang   requests are read and never answered
  ping   /_ping is answered (API 1.41), every other request is read and never
         answered; each request line is appended to SOCKET.log
"""
import json
import os
import socket
import sys

path, mode = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
os.umask(0)  # the socket: any user may connect (a test's other user)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
    req = c.recv(65536)
    line = req.split(b"\r\n", 1)[0]
    if mode == "ping":
        with open(path + ".log", "ab") as log:
            log.write(line + b"\n")
        if b" /_ping " in line:
            c.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 2\r\nConnection: close\r\n\r\nOK")
            c.close()
            conns.pop()
    if mode == "503":
        body = json.dumps({"message": "engine is starting up"}).encode()
        c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        c.close()
        conns.pop()
