#!/usr/bin/python3
"""A local stand-in for the Hugging Face hub's download endpoints, for tests without the internet.

Serves folders as model repositories with the hub's real response headers:
  GET  /api/models/ORG/NAME/revision/REV   JSON {"id", "sha", "siblings": [{"rfilename"}]}
  HEAD/GET /ORG/NAME/resolve/REV/FILE       regular files: 200, ETag = git blob sha1, X-Repo-Commit;
                                            LFS files (*.safetensors): 302 to /cdn-lfs/SHA256 with
                                            X-Linked-Etag (the sha256), X-Linked-Size, X-Repo-Commit
  GET  /cdn-lfs/SHA256                      the bytes, with Range / 206 / Content-Range (redirects name
                                            the server "localhost", a host other than the hub's)
Errors carry X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) like the hub.

Fault switches, set with POST /_mock/config (JSON body) or GET /_mock/config?set=JSON, and reset
with an empty object:
  drop_after: N, drop_count: K   the next K LFS transfers stop after N bytes (connection closed)
  corrupt: true                  LFS bytes are served with one byte changed (sha256 mismatch)
  gated: true                    /api and /resolve need "Authorization: Bearer <token>" (401 without
                                 a token, 403 with another token)
  token: "hf_mock"               the token that opens a gated repo
  rate: BYTES_PER_SECOND         throttle LFS transfers (slow network)
  stall: true                    LFS transfers send nothing after the headers (a timeout)
GET /_mock/log returns the requests seen (method, path, range, authorization present);
/_mock/clear-log (GET or POST) empties it.

Usage: mock_hub.py --repo nvidia/QLIP-B-16-256=DIR [--add nvidia/QLIP-B-16-256:vocab.json=FILE] [--port 0]
Prints "PORT <n>" once it listens.
"""
import argparse
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
CONFIG = {}
LOG = []


class Repo:
    def __init__(self, repo_id):
        self.id = repo_id
        self.commit = hashlib.sha1(("mock commit of " + repo_id).encode()).hexdigest()
        self.files = {}  # name -> path
        self.cache = {}  # name -> meta

    def add(self, name, path):
        self.files[name] = path

    def meta(self, name):
        if name in self.cache:  # hashing a large file once is enough
            return self.cache[name]
        self.cache[name] = self._meta(name)
        return self.cache[name]

    def _meta(self, name):
        path = self.files[name]
        data = open(path, "rb").read()
        lfs = name.endswith(".safetensors") or len(data) > 10 * 1024 * 1024
        sha256 = hashlib.sha256(data).hexdigest()
        git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return {"data": data, "lfs": lfs, "sha256": sha256, "git": git}


REPOS = {}
BLOBS = {}  # sha256 -> bytes


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def record(self):
        with LOCK:
            LOG.append({"method": self.command, "path": self.path, "range": self.headers.get("Range"),
                        "authorization": self.headers.get("Authorization") is not None})

    def send(self, status, headers=None, body=b"", head=False):
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def error(self, status, code, message, head=False):
        body = json.dumps({"error": message}).encode()
        self.send(status, {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json"}, body, head)

    def auth_ok(self, repo, head):
        if not CONFIG.get("gated"):
            return True
        auth = self.headers.get("Authorization", "")
        want = "Bearer " + CONFIG.get("token", "hf_mock")
        if not auth:
            self.error(401, "GatedRepo", "Access to model %s is restricted. You must be authenticated to access it." % repo.id, head)
            return False
        if auth != want:
            self.error(403, "GatedRepo", "Access to model %s is restricted and you are not in the authorized list." % repo.id, head)
            return False
        return True

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def do_POST(self):
        self.record()
        length = int(self.headers.get("Content-Length", "0"))
        payload = self.rfile.read(length) if length else b""
        if self.path == "/_mock/config":
            with LOCK:
                CONFIG.clear()
                CONFIG.update(json.loads(payload or b"{}"))
            self.send(200, {"Content-Type": "application/json"}, b"{}")
        elif self.path == "/_mock/clear-log":
            with LOCK:
                LOG.clear()
            self.send(200, {}, b"")
        else:
            self.send(404, {}, b"")

    def route(self, head):
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        if parts[:2] == ["_mock", "log"]:
            with LOCK:
                body = json.dumps(LOG).encode()
            return self.send(200, {"Content-Type": "application/json"}, body, head)
        if parts[:2] == ["_mock", "config"]:  # GET /_mock/config?set=<json>, for clients without POST
            query = urllib.parse.parse_qs(url.query)
            with LOCK:
                CONFIG.clear()
                CONFIG.update(json.loads(query.get("set", ["{}"])[0]))
            return self.send(200, {"Content-Type": "application/json"}, b"{}", head)
        if parts[:2] == ["_mock", "clear-log"]:
            with LOCK:
                LOG.clear()
            return self.send(200, {}, b"", head)
        self.record()
        if len(parts) >= 6 and parts[0] == "api" and parts[1] == "models" and parts[4] == "revision":
            return self.api_revision("/".join(parts[2:4]), "/".join(parts[5:]), head)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.resolve("/".join(parts[0:2]), parts[3], "/".join(parts[4:]), head)
        if len(parts) == 2 and parts[0] == "cdn-lfs":
            return self.cdn(parts[1], head)
        self.send(404, {}, b"", head)

    def find_repo(self, repo_id, head):
        repo = REPOS.get(repo_id)
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found", head)
        return repo

    def api_revision(self, repo_id, rev, head):
        repo = self.find_repo(repo_id, head)
        if repo is None or not self.auth_ok(repo, head):
            return
        if rev not in ("main", repo.commit):
            return self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rev, head)
        body = json.dumps({"id": repo.id, "modelId": repo.id, "sha": repo.commit, "private": False,
                           "gated": "manual" if CONFIG.get("gated") else False,
                           "siblings": [{"rfilename": n} for n in sorted(repo.files)]}).encode()
        self.send(200, {"Content-Type": "application/json"}, body, head)

    def resolve(self, repo_id, rev, name, head):
        repo = self.find_repo(repo_id, head)
        if repo is None or not self.auth_ok(repo, head):
            return
        if rev not in ("main", repo.commit):
            return self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rev, head)
        if name not in repo.files:
            return self.error(404, "EntryNotFound", "%s does not exist on \"%s\"" % (name, rev), head)
        m = repo.meta(name)
        common = {"X-Repo-Commit": repo.commit, "Accept-Ranges": "bytes"}
        if m["lfs"]:
            BLOBS[m["sha256"]] = m["data"]
            # Another host name for the same server, as the hub's CDN is another host: clients must
            # not send the hub token there.
            location = "http://localhost:%d/cdn-lfs/%s?name=%s" % (self.server.server_address[1], m["sha256"],
                                                                  urllib.parse.quote(name))
            common.update({"Location": location, "X-Linked-Etag": '"%s"' % m["sha256"],
                           "X-Linked-Size": str(len(m["data"])), "ETag": '"%s"' % m["git"]})
            return self.send(302, common, b"", head)
        common.update({"ETag": '"%s"' % m["git"], "Content-Type": "application/octet-stream"})
        self.send(200, common, m["data"], head)

    def cdn(self, sha, head):
        data = BLOBS.get(sha)
        if data is None:
            return self.send(404, {}, b"", head)
        with LOCK:
            corrupt = CONFIG.get("corrupt", False)
            drop = None
            if CONFIG.get("drop_count", 0) > 0:
                CONFIG["drop_count"] -= 1
                drop = CONFIG.get("drop_after", 0)
            rate = CONFIG.get("rate")
            stall = CONFIG.get("stall", False)
        if corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        start, status, headers = 0, 200, {"ETag": '"%s"' % sha, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            first = int(rng[6:].split("-")[0])
            if first >= len(data):
                return self.send(416, {"Content-Range": "bytes */%d" % len(data)}, b"", head)
            start, status = first, 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (first, len(data) - 1, len(data))
        body = data[start:]
        headers["Content-Length"] = str(len(body))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        if stall:
            time.sleep(3600)
        sent, chunk = 0, 64 * 1024
        t0 = time.time()
        while sent < len(body):
            piece = body[sent:sent + chunk]
            if drop is not None and sent + len(piece) > drop:
                piece = piece[:max(0, drop - sent)]
                self.wfile.write(piece)
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(piece)
            sent += len(piece)
            if rate:
                ahead = sent / rate - (time.time() - t0)
                if ahead > 0:
                    time.sleep(ahead)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--repo", action="append", default=[], help="ORG/NAME=DIR: every file of DIR")
    ap.add_argument("--add", action="append", default=[], help="ORG/NAME:FILE=PATH: one more file")
    args = ap.parse_args()
    for spec in args.repo:
        repo_id, folder = spec.split("=", 1)
        repo = REPOS.setdefault(repo_id, Repo(repo_id))
        for name in sorted(os.listdir(folder)):
            if os.path.isfile(os.path.join(folder, name)):
                repo.add(name, os.path.join(folder, name))
    for spec in args.add:
        left, path = spec.split("=", 1)
        repo_id, name = left.split(":", 1)
        REPOS.setdefault(repo_id, Repo(repo_id)).add(name, path)
    # Ends with the test that started it, even when that test crashed (its parent changes).
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
