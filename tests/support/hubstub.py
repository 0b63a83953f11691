"""A local stand-in for the Hugging Face Hub: the subset of the API huggingface_hub calls.

Serves model info (with file metadata), the tree listing and `/resolve` (HEAD and GET, with
Range), with the headers huggingface_hub needs (X-Repo-Commit, ETag, X-Linked-Size) and the
X-Error-Code headers it maps to exceptions. See ../../../shared/notes/hub-api-for-tests.md.
Never emits xet fields. Point a subprocess at it with `HF_ENDPOINT=stub.url` (read at import).

    with HubStub() as hub:
        hub.add_repo("org/tiny", {"config.json": b"{}", "model.safetensors": data})
        hub.cut("org/tiny", "model.safetensors", after=12 << 20)   # drop the connection once
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")


@dataclass
class StubRepo:
    repo_id: str
    files: dict[str, bytes]
    token: str | None = None  # when set, requests without `Bearer <token>` are refused
    gated: bool = False  # refused as gated (403 GatedRepo) unless the token matches
    commit: str = ""

    def __post_init__(self) -> None:
        if not self.commit:
            digest = hashlib.sha1(self.repo_id.encode())
            for path in sorted(self.files):
                digest.update(path.encode() + hashlib.sha1(self.files[path]).digest())
            self.commit = digest.hexdigest()

    def is_lfs(self, path: str) -> bool:
        return path.endswith(LFS_SUFFIXES)

    def etag(self, path: str) -> str:
        data = self.files[path]
        if self.is_lfs(path):
            return hashlib.sha256(data).hexdigest()
        return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()

    def entry(self, path: str) -> dict:
        data = self.files[path]
        item = {"rfilename": path, "size": len(data), "blobId": self.etag(path) if not self.is_lfs(path)
                else hashlib.sha1(path.encode()).hexdigest()}
        if self.is_lfs(path):
            item["lfs"] = {"size": len(data), "sha256": self.etag(path), "pointerSize": 134}
        return item


@dataclass
class Cut:
    after: int  # bytes of the body sent before the connection is dropped
    times: int = 1  # how many GETs are cut; later ones are served (or refused, see `down`)


@dataclass
class Logged:
    method: str
    path: str
    range: str | None
    authorized: bool
    sent: int = 0  # body bytes sent


@dataclass
class HubStub:
    repos: dict[str, StubRepo] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    cuts: dict[tuple[str, str], Cut] = field(default_factory=dict)
    down: set[tuple[str, str]] = field(default_factory=set)  # (repo, path) answering 503

    def add_repo(self, repo_id: str, files: dict[str, bytes] | Path, **kwargs) -> StubRepo:
        if isinstance(files, Path):
            files = {p.relative_to(files).as_posix(): p.read_bytes() for p in sorted(files.rglob("*"))
                     if p.is_file()}
        self.repos[repo_id] = StubRepo(repo_id, dict(files), **kwargs)
        return self.repos[repo_id]

    def cut(self, repo_id: str, path: str, after: int, times: int = 1) -> None:
        self.cuts[(repo_id, path)] = Cut(after, times)

    def gets(self, path_suffix: str) -> list[Logged]:
        return [e for e in self.log if e.method == "GET" and e.path.endswith(path_suffix) and "/resolve/" in e.path]

    # --- lifecycle
    def __enter__(self) -> HubStub:
        handler = type("Handler", (_Handler,), {"stub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


_INFO = re.compile(r"^/api/models/([^/]+/[^/]+?)(?:/revision/([^/]+))?$")
_TREE = re.compile(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)(?:/(.*))?$")
_RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class _Handler(BaseHTTPRequestHandler):
    stub: HubStub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        entry = Logged(method, path, self.headers.get("Range"), self.headers.get("Authorization") is not None)
        self.stub.log.append(entry)
        for pattern, handler in ((_INFO, self._info), (_TREE, self._tree), (_RESOLVE, self._resolve)):
            match = pattern.match(path)
            if match:
                return handler(method, entry, *(unquote(g) if g else g for g in match.groups()))
        self._error(404, "EntryNotFound", "no such route")

    # --- access control and revisions, as the Hub answers them
    def _repo(self, repo_id: str, revision: str | None) -> StubRepo | None:
        repo = self.stub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
            return None
        if repo.token and self.headers.get("Authorization") != f"Bearer {repo.token}":
            if repo.gated:
                self._error(403, "GatedRepo", "Access to this repo is restricted")
            else:
                self._error(401, "RepoNotFound", "Invalid credentials")
            return None
        if revision not in (None, "main", repo.commit):
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo

    def _info(self, method: str, entry: Logged, repo_id: str, revision: str | None) -> None:
        repo = self._repo(repo_id, revision)
        if repo:
            blobs = "blobs=true" in (urlsplit(self.path).query or "")
            siblings = [repo.entry(p) if blobs else {"rfilename": p} for p in sorted(repo.files)]
            self._json({"id": repo_id, "modelId": repo_id, "sha": repo.commit, "siblings": siblings,
                        "private": bool(repo.token), "gated": repo.gated})

    def _tree(self, method: str, entry: Logged, repo_id: str, revision: str, _sub: str | None) -> None:
        repo = self._repo(repo_id, revision)
        if repo:
            items = []
            for p in sorted(repo.files):
                item = {"type": "file", "path": p, "size": len(repo.files[p]), "oid": repo.entry(p)["blobId"]}
                if repo.is_lfs(p):
                    item["lfs"] = {"oid": repo.etag(p), "size": len(repo.files[p]), "pointerSize": 134}
                items.append(item)
            self._json(items)

    def _resolve(self, method: str, entry: Logged, repo_id: str, revision: str, file: str) -> None:
        repo = self._repo(repo_id, revision)
        if not repo:
            return
        if file not in repo.files:
            self._error(404, "EntryNotFound", f"{file} does not exist", commit=repo.commit)
            return
        if method == "GET" and (repo_id, file) in self.stub.down:
            self._error(503, None, "Service unavailable")
            return
        data = repo.files[file]
        start = _range_start(self.headers.get("Range"), len(data))
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("X-Repo-Commit", repo.commit)
        self.send_header("ETag", f'"{repo.etag(file)}"')
        self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if method == "GET":
            self._send_body(entry, repo_id, file, body)

    def _send_body(self, entry: Logged, repo_id: str, file: str, body: bytes) -> None:
        cut = self.stub.cuts.get((repo_id, file))
        if cut and cut.times > 0:
            cut.times -= 1
            self.wfile.write(body[:cut.after])
            self.wfile.flush()
            entry.sent = min(cut.after, len(body))
            self.connection.shutdown(socket.SHUT_RDWR)  # the client sees a short body: RemoteProtocolError
            self.close_connection = True
            return
        self.wfile.write(body)
        entry.sent = len(body)

    # --- responses
    def _json(self, data: object) -> None:
        payload = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _error(self, status: int, code: str | None, message: str, commit: str | None = None) -> None:
        payload = json.dumps({"error": message}).encode()
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


def _range_start(header: str | None, size: int) -> int:
    match = re.match(r"bytes=(\d+)-$", header or "")
    start = int(match.group(1)) if match else 0
    return start if start < size else 0


def free_port() -> int:
    """A port nothing listens on (for "server down" tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
