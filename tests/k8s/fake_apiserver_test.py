#!/usr/bin/env python3
"""Tests of tests/k8s/fake_apiserver.py: the shapes and the list/watch semantics the vipd
Kubernetes client relies on, and the fault injection its tests use. Standard library only; talks
HTTP with http.client and raw sockets. Prints a closing line; exits non-zero when a check fails.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_apiserver.py")
TOKEN = "t0ken"


class Fake:
    """One fake-apiserver process and a small client for it."""

    def __init__(self, *extra, tls=True, tmp=None, port=0, token=TOKEN):
        self.tmp = tmp or tempfile.mkdtemp(prefix="fake-apiserver-test.")
        self.own_tmp = tmp is None
        self.tls = tls
        self.token = token
        args = [sys.executable, SERVER, "--port", str(port), "--port-file",
                os.path.join(self.tmp, "port")]
        if tls:
            args += ["--tls-dir", os.path.join(HERE_TLS(), "tls")]
        if token:
            args += ["--token", token]
        args += list(extra)
        if os.environ.get("FAKE_APISERVER_LOG"):  # the servers' request logs, for debugging
            args.append("--verbose")
        try:
            os.unlink(os.path.join(self.tmp, "port"))
        except FileNotFoundError:
            pass
        log = os.environ.get("FAKE_APISERVER_LOG")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=open(log, "a") if log else subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (https?)://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"fake-apiserver did not start: {line!r}")
        self.port = int(m.group(2))
        with open(os.path.join(self.tmp, "port")) as f:
            assert int(f.read()) == self.port
        self.ctx = None
        if tls:
            self.ctx = ssl.create_default_context(cafile=os.path.join(HERE_TLS(), "tls",
                                                                      "ca.crt"))

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def cleanup(self):
        self.stop()
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def conn(self, timeout=5):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                               timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def req(self, method, path, body=None, ctype="application/json", token=None, conn=None,
            headers=None):
        c = conn or self.conn()
        h = {"Accept": "application/json"}
        tok = self.token if token is None else token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h["Content-Type"] = ctype
        h.update(headers or {})
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode()
        return r.status, dict(r.getheaders()), parsed

    def ctl(self, op, body=None, method="POST"):
        c = self.conn()
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        c.request(method if body is not None or method == "GET" else method, f"/_fake/{op}",
                  body=data)
        r = c.getresponse()
        out = json.loads(r.read())
        c.close()
        if r.status != 200:
            raise AssertionError(f"control {op}: {r.status} {out}")
        return out

    def stats(self):
        return self.ctl("stats", method="GET")

    def watch(self, path, **kw):
        return Watch(self, path, **kw)


_TLS_DIR = None


def HERE_TLS():
    global _TLS_DIR
    if _TLS_DIR is None:
        _TLS_DIR = tempfile.mkdtemp(prefix="fake-apiserver-tls.")
    return _TLS_DIR


class Watch:
    """A watch over a raw socket: the chunked framing is parsed here, so a cut is seen exactly
    (a clean end is the zero-length chunk; a drop is EOF or a reset without it)."""

    def __init__(self, fake: Fake, path: str, token=None):
        self.events: queue.Queue = queue.Queue()
        self.partial = b""
        self.end = None  # "clean", "eof", "reset"
        self.status = None
        self.done = threading.Event()
        s = socket.create_connection(("127.0.0.1", fake.port), timeout=10)
        if fake.tls:
            s = fake.ctx.wrap_socket(s, server_hostname="127.0.0.1")
        self.sock = s
        tok = fake.token if token is None else token
        auth = f"Authorization: Bearer {tok}\r\n" if tok else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Accept: application/json"
                  f"\r\n\r\n".encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, v in
                        (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def _until(self, sep: bytes) -> bytes:
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep)
        out, self.buf = self.buf[:i], self.buf[i + len(sep):]
        return out

    def _read(self):
        line = b""
        try:
            if self.headers.get("transfer-encoding") != "chunked":
                n = int(self.headers.get("content-length", "0"))
                while len(self.buf) < n:
                    self._fill()
                self.body = self.buf[:n]
                self.end = "clean"
                return
            while True:
                size = int(self._until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._until(b"\r\n")
                    self.end = "clean"
                    return
                while len(self.buf) < size + 2:
                    self._fill()
                data, self.buf = self.buf[:size], self.buf[size + 2:]
                line += data
                while b"\n" in line:
                    one, line = line.split(b"\n", 1)
                    self.events.put(json.loads(one))
        except EOFError:
            self.end = "eof"
        except (ConnectionResetError, ssl.SSLError, OSError):
            self.end = "reset"
        finally:
            self.partial = line + (self.buf if self.end != "clean" else b"")
            self.done.set()

    def next(self, timeout=3.0) -> dict:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no watch event within {timeout}s (end={self.end})")

    def none(self, wait=0.3):
        try:
            ev = self.events.get(timeout=wait)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected event {ev}")

    def wait_end(self, timeout=5.0) -> str:
        if not self.done.wait(timeout):
            raise AssertionError("the watch did not end")
        return self.end

    def close(self):
        # Shut down, let the reader see the end, and only then close: closing under a thread
        # blocked in recv() frees the descriptor number, and the next connection of this process
        # would get it and lose its first bytes to the old reader.
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        try:
            self.sock.close()
        except OSError:
            pass


def svc(name, ns=None, labels=None, **spec):
    o = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"ports": [{"port": 80}], **spec}}
    if ns:
        o["metadata"]["namespace"] = ns
    if labels:
        o["metadata"]["labels"] = labels
    return o


def pool(name, ns="metallb-system", addresses=("192.0.2.0/28",)):
    return {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"addresses": list(addresses)}}


class Base(unittest.TestCase):
    fake: Fake
    extra: tuple = ()
    tls = True

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake(*cls.extra, tls=cls.tls)

    @classmethod
    def tearDownClass(cls):
        cls.fake.cleanup()

    def setUp(self):
        self.ns = re.sub(r"[^a-z0-9]", "-", self.id().split(".")[-1].lower())[:50].strip("-")
        self.fake.ctl("load", {"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": self.ns}})
        self.fake.ctl("clear")
        self.watches = []

    def tearDown(self):
        for w in self.watches:
            w.close()

    def watch(self, path, **kw):
        w = self.fake.watch(path, **kw)
        self.watches.append(w)
        return w

    def create(self, path, obj, code=201):
        st, _, body = self.fake.req("POST", path, obj)
        self.assertEqual(st, code, body)
        return body

    def rv(self) -> int:
        return int(self.fake.stats()["resourceVersion"])


# ---------------------------------------------------------------------------------------------


class Shapes(Base):
    def test_discovery(self):
        st, _, body = self.fake.req("GET", "/api")
        self.assertEqual((st, body["kind"], body["versions"]), (200, "APIVersions", ["v1"]))
        st, _, body = self.fake.req("GET", "/api/v1")
        self.assertEqual(body["kind"], "APIResourceList")
        self.assertNotIn("apiVersion", body)
        names = {r["name"]: r for r in body["resources"]}
        self.assertTrue(names["services"]["namespaced"])
        self.assertFalse(names["nodes"]["namespaced"])
        self.assertIn("services/status", names)
        self.assertIn("watch", names["services"]["verbs"])
        st, _, body = self.fake.req("GET", "/apis")
        groups = {g["name"]: g for g in body["groups"]}
        self.assertEqual(body["kind"], "APIGroupList")
        for g in ("discovery.k8s.io", "coordination.k8s.io", "events.k8s.io", "metallb.io"):
            self.assertIn(g, groups)
        self.assertEqual(groups["metallb.io"]["preferredVersion"]["version"], "v1beta2")
        st, _, body = self.fake.req("GET", "/apis/metallb.io/v1beta1")
        self.assertEqual((body["kind"], body["apiVersion"], body["groupVersion"]),
                         ("APIResourceList", "v1", "metallb.io/v1beta1"))
        names = {r["name"] for r in body["resources"]}
        for n in ("ipaddresspools", "ipaddresspools/status", "bgpadvertisements",
                  "l2advertisements", "communities", "bfdprofiles", "servicel2statuses",
                  "servicel2statuses/status", "servicebgpstatuses/status",
                  "bgpsessionstatuses/status", "bgppeers"):
            self.assertIn(n, names)
        st, _, body = self.fake.req("GET", "/apis/metallb.io/v1beta2")
        self.assertEqual([r["name"] for r in body["resources"]], ["bgppeers"])
        st, _, body = self.fake.req("GET", "/apis/nope.example/v1")
        self.assertEqual(st, 404)
        st, _, body = self.fake.req("GET", "/api/v1/nopes")
        self.assertEqual((st, body["reason"]), (404, "NotFound"))

    def test_get_and_list_shapes(self):
        created = self.create(f"/api/v1/namespaces/{self.ns}/services", svc("a"))
        md = created["metadata"]
        self.assertEqual((created["kind"], created["apiVersion"]), ("Service", "v1"))
        for k in ("uid", "creationTimestamp", "resourceVersion"):
            self.assertIn(k, md)
        self.assertRegex(md["creationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(md["namespace"], self.ns)
        self.assertEqual(created["status"], {"loadBalancer": {}})
        st, _, got = self.fake.req("GET", f"/api/v1/namespaces/{self.ns}/services/a")
        self.assertEqual((st, got), (200, created))
        st, _, lst = self.fake.req("GET", f"/api/v1/namespaces/{self.ns}/services")
        self.assertEqual((lst["kind"], lst["apiVersion"]), ("ServiceList", "v1"))
        self.assertEqual(lst["metadata"], {"resourceVersion": str(self.rv())})
        self.assertEqual(len(lst["items"]), 1)
        self.assertNotIn("kind", lst["items"][0])
        self.assertNotIn("apiVersion", lst["items"][0])
        # A CRD's items keep kind and apiVersion (unstructured), as the real server's do.
        p = self.create(f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/ipaddresspools",
                        pool("p", self.ns))
        self.assertEqual(p["metadata"]["generation"], 1)
        st, _, lst = self.fake.req("GET",
                                   f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/ipaddresspools")
        self.assertEqual(lst["kind"], "IPAddressPoolList")
        self.assertEqual(lst["items"][0]["kind"], "IPAddressPool")
        self.assertEqual(lst["items"][0]["apiVersion"], "metallb.io/v1beta1")

    def test_not_found_bodies(self):
        st, _, body = self.fake.req("GET", f"/api/v1/namespaces/{self.ns}/services/x")
        self.assertEqual(st, 404)
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": 'services "x" not found',
                                "reason": "NotFound", "details": {"name": "x", "kind": "services"},
                                "code": 404})
        st, _, body = self.fake.req("GET", f"/apis/coordination.k8s.io/v1/namespaces/{self.ns}/"
                                           "leases/l")
        self.assertEqual(body["message"], 'leases.coordination.k8s.io "l" not found')
        self.assertEqual(body["details"], {"name": "l", "group": "coordination.k8s.io",
                                           "kind": "leases"})
        # No objects in a namespace that does not exist (NamespaceLifecycle admission).
        st, _, body = self.fake.req("POST", "/api/v1/namespaces/nope/services", svc("a", "nope"))
        self.assertEqual((st, body["message"]), (404, 'namespaces "nope" not found'))

    def test_create_errors_and_generate_name(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a"))
        st, _, body = self.fake.req("POST", path, svc("a"))
        self.assertEqual((st, body["reason"], body["message"]),
                         (409, "AlreadyExists", 'services "a" already exists'))
        o = svc("")
        del o["metadata"]["name"]
        o["metadata"]["generateName"] = "gen-"
        body = self.create(path, o)
        self.assertRegex(body["metadata"]["name"], r"^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$")
        del o["metadata"]["generateName"]
        st, _, body = self.fake.req("POST", path, o)
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        st, _, body = self.fake.req("POST", path, svc("b", ns="other"))
        self.assertEqual(st, 400)
        st, _, body = self.fake.req("POST", path, b"{not json")
        self.assertEqual((st, body["reason"]), (400, "BadRequest"))
        st, _, body = self.fake.req("POST", path, {"apiVersion": "v1", "kind": "Node",
                                                   "metadata": {"name": "n"}})
        self.assertEqual(st, 400)
        # Names and metadata types are checked as the API does.
        st, _, body = self.fake.req("POST", path, svc("Bad_Name"))
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        self.assertTrue(body["message"].startswith('Service "Bad_Name" is invalid: metadata.name'))
        st, _, body = self.fake.req("POST", path, svc("1abc"))  # Services: DNS-1035 labels
        self.assertEqual(st, 422)
        bad = svc("x")
        bad["metadata"]["labels"] = ["a"]
        self.assertEqual(self.fake.req("POST", path, bad)[0], 400)
        bad = svc("x")
        bad["status"] = None
        self.assertEqual(self.fake.req("POST", path, bad)[0], 201)
        bad = svc("y")
        bad["spec"]["clusterIP"] = 5
        self.assertEqual(self.fake.req("POST", path, bad)[0], 500)
        self.assertEqual(self.fake.req("GET", path + "/y")[0], 404)  # nothing half-written


class ListSemantics(Base):
    def test_pagination_is_a_consistent_snapshot(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        for n in "abcde":
            self.create(path, svc(n))
        st, _, p1 = self.fake.req("GET", path + "?limit=2")
        self.assertEqual([i["metadata"]["name"] for i in p1["items"]], ["a", "b"])
        self.assertEqual(p1["metadata"]["remainingItemCount"], 3)
        tok = p1["metadata"]["continue"]
        decoded = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
        self.assertEqual(decoded, {"v": "meta.k8s.io/v1", "rv": int(p1["metadata"]
                                                                      ["resourceVersion"]),
                                   "start": "b\x00"})
        # A change between pages is not seen: the pages are served at the first page's RV.
        st, _, c = self.fake.req("GET", path + "/c")
        c["metadata"]["labels"] = {"changed": "yes"}
        st, _, _ = self.fake.req("PUT", path + "/c", c)
        self.assertEqual(st, 200)
        st, _, p2 = self.fake.req("GET", path + "?limit=2&continue=" + urllib.parse.quote(tok))
        self.assertEqual([i["metadata"]["name"] for i in p2["items"]], ["c", "d"])
        self.assertNotIn("labels", p2["items"][0]["metadata"])
        self.assertEqual(p2["metadata"]["resourceVersion"], p1["metadata"]["resourceVersion"])
        st, _, p3 = self.fake.req("GET", path + "?limit=2&continue=" +
                                  urllib.parse.quote(p2["metadata"]["continue"]))
        self.assertEqual([i["metadata"]["name"] for i in p3["items"]], ["e"])
        self.assertNotIn("continue", p3["metadata"])
        # Compacted past the token's RV: 410 Expired with a token to go on inconsistently.
        self.fake.ctl("compact", {})
        st, _, body = self.fake.req("GET", path + "?limit=2&continue=" +
                                    urllib.parse.quote(p2["metadata"]["continue"]))
        self.assertEqual((st, body["reason"], body["code"]), (410, "Expired", 410))
        self.assertTrue(body["message"].startswith("The provided continue parameter is too old"))
        newtok = body["metadata"]["continue"]
        st, _, p4 = self.fake.req("GET", path + "?limit=2&continue=" + urllib.parse.quote(newtok))
        self.assertEqual((st, [i["metadata"]["name"] for i in p4["items"]]), (200, ["e"]))
        st, _, body = self.fake.req("GET", path + "?limit=2&continue=garbage")
        self.assertEqual(st, 400)

    def test_all_namespaces_and_one(self):
        other = self.ns + "-b"
        self.fake.ctl("load", {"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": other}})
        self.create(f"/api/v1/namespaces/{self.ns}/services", svc("x", self.ns))
        self.create(f"/api/v1/namespaces/{other}/services", svc("x", other))
        st, _, body = self.fake.req("GET", "/api/v1/services?fieldSelector=metadata.name%3Dx")
        got = [(i["metadata"]["namespace"]) for i in body["items"]]
        self.assertIn(self.ns, got)
        self.assertIn(other, got)
        st, _, body = self.fake.req("GET", f"/api/v1/namespaces/{other}/services")
        self.assertEqual([i["metadata"]["namespace"] for i in body["items"]], [other])
        st, _, body = self.fake.req("GET", f"/api/v1/services?fieldSelector=metadata.namespace"
                                           f"%3D{other}")
        self.assertEqual([i["metadata"]["namespace"] for i in body["items"]], [other])
        st, _, body = self.fake.req("GET", "/api/v1/services?limit=1&fieldSelector="
                                           "metadata.name%3Dx")
        tok = body["metadata"]["continue"]
        start = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))["start"]
        self.assertIn("/", start)  # across namespaces the key is namespace/name
        self.assertNotIn("remainingItemCount", body["metadata"])  # not with a selector

    def test_selectors(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a", labels={"app": "web", "tier": "1"}))
        self.create(path, svc("b", labels={"app": "db"}))
        self.create(path, svc("c"))

        def names(sel, key="labelSelector"):
            st, _, body = self.fake.req("GET", path + f"?{key}=" + urllib.parse.quote(sel))
            self.assertEqual(st, 200, body)
            return sorted(i["metadata"]["name"] for i in body["items"])

        self.assertEqual(names("app=web"), ["a"])
        self.assertEqual(names("app==db"), ["b"])
        self.assertEqual(names("app!=web"), ["b", "c"])
        self.assertEqual(names("app"), ["a", "b"])
        self.assertEqual(names("!app"), ["c"])
        self.assertEqual(names("app in (web,db)"), ["a", "b"])
        self.assertEqual(names("app notin (web)"), ["b", "c"])
        self.assertEqual(names("app,tier=1"), ["a"])
        self.assertEqual(names("tier>0"), ["a"])
        self.assertEqual(names("metadata.name=b", "fieldSelector"), ["b"])
        self.assertEqual(names("metadata.name!=b", "fieldSelector"), ["a", "c"])
        st, _, body = self.fake.req("GET", path + "?labelSelector=" + urllib.parse.quote("a b c"))
        self.assertEqual((st, body["reason"]), (400, "BadRequest"))
        st, _, body = self.fake.req("GET", path + "?fieldSelector=spec.foo%3Dx")
        self.assertEqual((st, body["message"]), (400, "field label not supported: spec.foo"))

    def test_exact_list_at_old_rv(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a"))
        rv = self.rv()
        self.create(path, svc("b"))
        st, _, body = self.fake.req("GET", path + f"?resourceVersion={rv}"
                                                  "&resourceVersionMatch=Exact")
        self.assertEqual([i["metadata"]["name"] for i in body["items"]], ["a"])
        self.assertEqual(body["metadata"]["resourceVersion"], str(rv))
        self.fake.ctl("compact", {})
        st, _, body = self.fake.req("GET", path + f"?resourceVersion={rv}"
                                                  "&resourceVersionMatch=Exact")
        self.assertEqual((st, body["reason"], body["message"]),
                         (410, "Expired", "The resourceVersion for the provided list is too old."))


class Writes(Base):
    def test_conflict_and_update(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        a = self.create(path, svc("a"))
        a2 = json.loads(json.dumps(a))
        a2["spec"]["ports"][0]["port"] = 81
        st, _, upd = self.fake.req("PUT", path + "/a", a2)
        self.assertEqual(st, 200, upd)
        self.assertGreater(int(upd["metadata"]["resourceVersion"]),
                           int(a["metadata"]["resourceVersion"]))
        self.assertEqual(upd["metadata"]["uid"], a["metadata"]["uid"])
        # The stale copy conflicts, with the exact message.
        a["spec"]["ports"][0]["port"] = 82
        st, _, body = self.fake.req("PUT", path + "/a", a)
        self.assertEqual(st, 409)
        self.assertEqual(body, {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'Operation cannot be fulfilled on services "a": the object has been '
                       'modified; please apply your changes to the latest version and try again',
            "reason": "Conflict", "details": {"name": "a", "kind": "services"}, "code": 409})
        # An update that changes nothing writes nothing: same RV, no event.
        rv = self.rv()
        st, _, same = self.fake.req("PUT", path + "/a", upd)
        self.assertEqual((st, same["metadata"]["resourceVersion"], self.rv()),
                         (200, upd["metadata"]["resourceVersion"], rv))
        # Services take unconditional updates (no resourceVersion) ...
        del upd["metadata"]["resourceVersion"]
        upd["spec"]["ports"][0]["port"] = 83
        st, _, body = self.fake.req("PUT", path + "/a", upd)
        self.assertEqual(st, 200, body)
        # ... a Lease does not (AllowUnconditionalUpdate false) and is created by a PUT.
        lpath = f"/apis/coordination.k8s.io/v1/namespaces/{self.ns}/leases"
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": "vipd"}, "spec": {"holderIdentity": "n1"}}
        st, _, body = self.fake.req("PUT", lpath + "/vipd", lease)
        self.assertEqual(st, 201, body)
        st, _, body = self.fake.req("PUT", lpath + "/vipd", lease)
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        self.assertEqual(body["message"], 'leases.coordination.k8s.io "vipd" is invalid: '
                                          'metadata.resourceVersion: Invalid value: 0x0: must be '
                                          'specified for an update')
        # A CRD is not created by a PUT.
        st, _, body = self.fake.req(
            "PUT", f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/ipaddresspools/p",
            pool("p", self.ns))
        self.assertEqual(st, 404)
        st, _, body = self.fake.req("PUT", path + "/a", svc("zzz"))
        self.assertEqual(st, 400)

    def test_status_subresource_and_generation(self):
        path = f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/ipaddresspools"
        p = pool("p", self.ns)
        p["status"] = {"assignedIPv4": 9}
        p = self.create(path, p)
        self.assertNotIn("status", p)  # create drops the status
        p["status"] = {"assignedIPv4": 1}
        st, _, p2 = self.fake.req("PUT", path + "/p", p)
        self.assertEqual(st, 200)
        self.assertNotIn("status", p2)  # the main resource ignores status: nothing changed
        self.assertEqual(p2["metadata"]["resourceVersion"], p["metadata"]["resourceVersion"])
        st, _, p3 = self.fake.req("PUT", path + "/p/status", p)
        self.assertEqual((st, p3["status"], p3["metadata"]["generation"]),
                         (200, {"assignedIPv4": 1}, 1))
        p3["spec"]["addresses"] = ["192.0.2.128/28"]
        st, _, p4 = self.fake.req("PUT", path + "/p", p3)
        self.assertEqual((p4["metadata"]["generation"], p4["status"]), (2, {"assignedIPv4": 1}))
        p4["spec"]["addresses"] = ["198.51.100.0/24"]
        p4["status"] = {"assignedIPv4": 2}
        st, _, p5 = self.fake.req("PUT", path + "/p/status", p4)
        self.assertEqual(p5["spec"]["addresses"], ["192.0.2.128/28"])  # /status: only status
        self.assertEqual((p5["status"], p5["metadata"]["generation"]), ({"assignedIPv4": 2}, 2))
        # Labels do not move a CRD's generation.
        p5["metadata"]["labels"] = {"x": "y"}
        st, _, p6 = self.fake.req("PUT", path + "/p", p5)
        self.assertEqual(p6["metadata"]["generation"], 2)
        # Service status by merge patch on /status; the spec is left alone.
        spath = f"/api/v1/namespaces/{self.ns}/services"
        self.create(spath, svc("lb", type="LoadBalancer"))
        st, _, s = self.fake.req(
            "PATCH", spath + "/lb/status",
            {"spec": {"type": "ClusterIP"},
             "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}},
            ctype="application/merge-patch+json")
        self.assertEqual((st, s["spec"]["type"], s["status"]["loadBalancer"]["ingress"]),
                         (200, "LoadBalancer", [{"ip": "192.0.2.1"}]))
        st, _, body = self.fake.req("GET", "/api/v1/nodes/x/status")
        self.assertEqual(st, 404)
        st, _, body = self.fake.req("PUT", f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/"
                                           "bgpadvertisements/x/status", {})
        self.assertEqual(st, 404)  # no status subresource there

    def test_patches(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a", labels={"a": "1", "b": "2"}))
        st, _, s = self.fake.req("PATCH", path + "/a", {"metadata": {"labels": {"b": None,
                                                                                 "c": "3"}}},
                                 ctype="application/merge-patch+json")
        self.assertEqual((st, s["metadata"]["labels"]), (200, {"a": "1", "c": "3"}))
        st, _, s = self.fake.req("PATCH", path + "/a", {"metadata": {"annotations": {"x": "y"}}},
                                 ctype="application/strategic-merge-patch+json")
        self.assertEqual((st, s["metadata"]["annotations"]), (200, {"x": "y"}))
        st, _, s = self.fake.req("PATCH", path + "/a", [
            {"op": "add", "path": "/metadata/labels/d", "value": "4"},
            {"op": "replace", "path": "/metadata/labels/a", "value": "one"},
            {"op": "remove", "path": "/metadata/labels/c"},
            {"op": "test", "path": "/metadata/labels/d", "value": "4"}],
            ctype="application/json-patch+json")
        self.assertEqual((st, s["metadata"]["labels"]), (200, {"a": "one", "d": "4"}))
        st, _, body = self.fake.req("PATCH", path + "/a",
                                    [{"op": "remove", "path": "/metadata/labels/nope"}],
                                    ctype="application/json-patch+json")
        self.assertEqual(st, 422)
        # A resourceVersion in the patch is a precondition.
        st, _, body = self.fake.req("PATCH", path + "/a",
                                    {"metadata": {"resourceVersion": "1", "labels": {"z": "z"}}},
                                    ctype="application/merge-patch+json")
        self.assertEqual((st, body["reason"]), (409, "Conflict"))
        st, _, body = self.fake.req("PATCH", path + "/nope", {},
                                    ctype="application/merge-patch+json")
        self.assertEqual(st, 404)
        # CRDs take no strategic merge patch (415), as the real server.
        ppath = f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/ipaddresspools"
        self.create(ppath, pool("p", self.ns))
        st, _, body = self.fake.req("PATCH", ppath + "/p", {"spec": {}},
                                    ctype="application/strategic-merge-patch+json")
        self.assertEqual((st, body["reason"]), (415, "UnsupportedMediaType"))

    def test_apply_and_delete_collection(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        st, _, s = self.fake.req("PATCH", path + "/a?fieldManager=test",
                                 "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                                 "  labels: {app: x}\nspec:\n  ports: [{port: 80}]\n",
                                 ctype="application/apply-patch+yaml")
        self.assertEqual((st, s["metadata"]["labels"]), (201, {"app": "x"}))
        st, _, body = self.fake.req("PATCH", path + "/a", "metadata: {}\n",
                                    ctype="application/apply-patch+yaml")
        self.assertEqual(st, 400)  # fieldManager is required
        self.create(path, svc("b", labels={"app": "x"}))
        self.create(path, svc("c"))
        st, _, lst = self.fake.req("DELETE", path + "?labelSelector=app%3Dx")
        self.assertEqual((st, lst["kind"]), (200, "ServiceList"))
        self.assertEqual(sorted(i["metadata"]["name"] for i in lst["items"]), ["a", "b"])
        st, _, lst = self.fake.req("GET", path)
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["c"])

    def test_delete(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        a = self.create(path, svc("a"))
        rv = self.rv()
        w = self.watch(path + f"?watch=1&resourceVersion={rv}")
        st, _, body = self.fake.req("DELETE", path + "/a")
        self.assertEqual((st, body["kind"], body["metadata"]["uid"]),
                         (200, "Service", a["metadata"]["uid"]))  # ReturnDeletedObject
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("DELETED", "a"))
        self.assertEqual(ev["object"]["metadata"]["resourceVersion"], str(self.rv()))
        st, _, body = self.fake.req("DELETE", path + "/a")
        self.assertEqual(st, 404)
        lpath = f"/apis/coordination.k8s.io/v1/namespaces/{self.ns}/leases"
        lease = self.create(lpath, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                    "metadata": {"name": "l"}, "spec": {}})
        st, _, body = self.fake.req("DELETE", lpath + "/l",
                                    {"preconditions": {"resourceVersion": "1"}})
        self.assertEqual((st, body["reason"]), (409, "Conflict"))
        self.assertIn("Precondition failed: ResourceVersion in precondition: 1", body["message"])
        st, _, body = self.fake.req("DELETE", lpath + "/l")
        self.assertEqual(body, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Success",
                                "details": {"name": "l", "group": "coordination.k8s.io",
                                            "kind": "leases", "uid": lease["metadata"]["uid"]}})
        # Finalizers: the object stays with a deletionTimestamp until they are removed.
        f = svc("f")
        f["metadata"]["finalizers"] = ["example.com/x"]
        self.create(path, f)
        st, _, body = self.fake.req("DELETE", path + "/f")
        self.assertEqual(st, 200)
        self.assertIn("deletionTimestamp", body["metadata"])
        st, _, got = self.fake.req("GET", path + "/f")
        self.assertEqual(st, 200)
        st, _, _ = self.fake.req("PATCH", path + "/f", {"metadata": {"finalizers": None}},
                                 ctype="application/merge-patch+json")
        self.assertEqual(st, 200)
        st, _, _ = self.fake.req("GET", path + "/f")
        self.assertEqual(st, 404)


class WatchSemantics(Base):
    extra = ("--bookmark-interval", "0.3")

    def test_replay_from_rv(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("old"))
        rv = self.rv()
        a = self.create(path, svc("a"))
        a["metadata"]["labels"] = {"x": "1"}
        st, _, a2 = self.fake.req("PUT", path + "/a", a)
        self.fake.req("DELETE", path + "/a")
        w = self.watch(path + f"?watch=true&resourceVersion={rv}")
        self.assertEqual((w.status, w.headers.get("transfer-encoding"),
                          w.headers.get("content-type")), (200, "chunked", "application/json"))
        got = [w.next() for _ in range(3)]
        self.assertEqual([e["type"] for e in got], ["ADDED", "MODIFIED", "DELETED"])
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in got]
        self.assertEqual(rvs, sorted(rvs))
        self.assertGreater(rvs[0], rv)
        self.assertEqual(got[0]["object"]["kind"], "Service")
        w.none()
        # Live events follow.
        self.create(path, svc("b"))
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("ADDED", "b"))

    def test_initial_state_without_rv(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a"))
        self.create(path, svc("b"))
        watches = [self.watch(path + q) for q in ("?watch=1", "?watch=1&resourceVersion=0")]
        for w in watches:
            got = [w.next() for _ in range(2)]
            self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in got],
                             [("ADDED", "a"), ("ADDED", "b")])
            w.none(0.05)
        self.create(path, svc("c"))  # then live
        for w in watches:
            ev = w.next()
            self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("ADDED", "c"))
        # watch-list: the state, then a bookmark annotated k8s.io/initial-events-end.
        w = self.watch(path + "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                              "&resourceVersionMatch=NotOlderThan&resourceVersion=")
        got = [w.next() for _ in range(4)]
        self.assertEqual([e["type"] for e in got], ["ADDED", "ADDED", "ADDED", "BOOKMARK"])
        bm = got[3]
        self.assertEqual(bm["object"], {"kind": "Service", "apiVersion": "v1",
                                        "metadata": {"resourceVersion": str(self.rv()),
                                                     "annotations": {
                                                         "k8s.io/initial-events-end": "true"}}})
        self.create(path, svc("d"))
        self.assertEqual(w.next()["object"]["metadata"]["name"], "d")
        st, _, body = self.fake.req("GET", path + "?watch=1&sendInitialEvents=true")
        self.assertEqual((st, body["reason"]), (422, "Invalid"))

    def test_bookmarks(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        rv = self.rv()
        w = self.watch(path + f"?watch=1&resourceVersion={rv}&allowWatchBookmarks=true")
        bm = w.next(2)
        self.assertEqual(bm, {"type": "BOOKMARK", "object": {
            "kind": "Service", "apiVersion": "v1",
            "metadata": {"resourceVersion": str(self.rv())}}})
        # Without allowWatchBookmarks there are none.
        w2 = self.watch(path + f"?watch=1&resourceVersion={rv}")
        w2.none(0.7)

    def test_too_old_resource_version(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        rv = self.rv()
        self.create(path, svc("a"))
        c = self.fake.ctl("compact", {})
        w = self.watch(path + f"?watch=1&resourceVersion={rv}")
        self.assertEqual(w.status, 200)
        ev = w.next()
        self.assertEqual(ev, {"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"too old resource version: {rv} ({c['compacted']})",
            "reason": "Expired", "code": 410}})
        self.assertEqual(w.wait_end(), "clean")
        # From the compacted RV itself the watch is fine.
        w = self.watch(path + f"?watch=1&resourceVersion={c['compacted']}")
        w.none(0.1)
        self.assertIsNone(w.end)

    def test_timeout_seconds_ends_cleanly(self):
        t0 = time.time()
        w = self.watch(f"/api/v1/namespaces/{self.ns}/services?watch=1&timeoutSeconds=1"
                       f"&resourceVersion={self.rv()}")
        self.assertEqual(w.wait_end(3), "clean")
        self.assertGreaterEqual(time.time() - t0, 0.9)

    def test_label_selector_transitions(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a"))
        w = self.watch(path + f"?watch=1&labelSelector=app%3Dweb&resourceVersion={self.rv()}")
        st, _, _ = self.fake.req("PATCH", path + "/a", {"metadata": {"labels": {"app": "web"}}},
                                 ctype="application/merge-patch+json")
        self.assertEqual(w.next()["type"], "ADDED")
        self.fake.req("PATCH", path + "/a", {"metadata": {"labels": {"x": "y"}}},
                      ctype="application/merge-patch+json")
        self.assertEqual(w.next()["type"], "MODIFIED")
        self.fake.req("PATCH", path + "/a", {"metadata": {"labels": {"app": None}}},
                      ctype="application/merge-patch+json")
        self.assertEqual(w.next()["type"], "DELETED")

    def test_single_object_and_other_namespaces(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        w = self.watch(path + f"?watch=1&fieldSelector=metadata.name%3Db&resourceVersion="
                              f"{self.rv()}")
        self.create(path, svc("a"))
        self.create(path, svc("b"))
        ev = w.next()
        self.assertEqual(ev["object"]["metadata"]["name"], "b")
        w.none(0.1)


class Faults(Base):
    def test_token_expiry(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.assertEqual(self.fake.req("GET", path)[0], 200)
        self.fake.ctl("tokens", {"add": "second"})
        self.assertEqual(self.fake.req("GET", path, token="second")[0], 200)
        self.fake.ctl("tokens", {"expire": "second"})
        st, _, body = self.fake.req("GET", path, token="second")
        self.assertEqual((st, body), (401, {"kind": "Status", "apiVersion": "v1",
                                            "metadata": {}, "status": "Failure",
                                            "message": "Unauthorized", "reason": "Unauthorized",
                                            "code": 401}))
        self.assertEqual(self.fake.req("GET", path, token="wrong")[0], 401)
        self.assertEqual(self.fake.req("GET", path, token="")[0], 401)
        self.assertEqual(self.fake.req("GET", path)[0], 200)

    def test_injected_failures(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.fake.ctl("fail", {"count": 2, "code": 500, "path": "/services$", "verb": "list"})
        st, _, body = self.fake.req("POST", path, svc("a"))  # not a list: passes
        self.assertEqual(st, 201)
        for _ in range(2):
            st, _, body = self.fake.req("GET", path)
            self.assertEqual((st, body["reason"], body["code"]), (500, "InternalError", 500))
            self.assertTrue(body["message"].startswith("Internal error occurred: "))
        self.assertEqual(self.fake.req("GET", path)[0], 200)
        self.fake.ctl("fail", {"code": 429, "retryAfter": 2})
        st, h, body = self.fake.req("GET", path)
        self.assertEqual((st, h.get("Retry-After"), body),
                         (429, "2", "Too many requests, please try again later.\n"))
        self.fake.ctl("fail", {"code": 503, "message": "etcd is away"})
        st, _, body = self.fake.req("GET", path)
        self.assertEqual((st, body["reason"], body["message"]),
                         (503, "ServiceUnavailable", "etcd is away"))
        self.fake.ctl("fail", {"action": "close", "verb": "GET"})
        with self.assertRaises((http.client.HTTPException, ConnectionError, ssl.SSLError)):
            self.fake.req("GET", path)
        self.assertEqual(self.fake.req("GET", path)[0], 200)

    def test_stall(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.fake.ctl("stall", {"ms": 300, "count": 1, "path": "services"})
        t0 = time.time()
        self.fake.req("GET", path)
        self.assertGreaterEqual(time.time() - t0, 0.29)
        t0 = time.time()
        self.fake.req("GET", path)
        self.assertLess(time.time() - t0, 0.25)
        # A freeze: requests and watches wait, nothing is lost.
        w = self.watch(path + f"?watch=1&resourceVersion={self.rv()}")
        self.fake.ctl("stall", {"mode": "freeze", "ms": 400})
        t0 = time.time()
        threading.Thread(target=lambda: self.fake.ctl("load", svc("a", self.ns))).start()
        st, _, _ = self.fake.req("GET", path)
        self.assertGreaterEqual(time.time() - t0, 0.35)
        self.assertEqual(w.next()["type"], "ADDED")

    def test_cut_watches(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        base = f"{path}?watch=1&resourceVersion={self.rv()}"
        clean, drop = self.watch(base + "&x=clean"), self.watch(base + "&x=drop")
        time.sleep(0.1)
        self.assertEqual(self.fake.ctl("cut", {"mode": "clean", "path": "x=clean"})["cut"], 1)
        self.assertEqual(clean.wait_end(), "clean")
        self.fake.ctl("cut", {"mode": "drop", "path": "x=drop"})
        self.assertIn(drop.wait_end(), ("eof", "reset"))
        # Mid-event: half of the next event's line, then the connection is reset.
        mid = self.watch(base + "&x=mid")
        time.sleep(0.1)
        self.fake.ctl("cut", {"mode": "mid-event", "path": "x=mid"})
        self.create(path, svc("a"))
        self.assertIn(mid.wait_end(), ("eof", "reset"))
        self.assertTrue(mid.partial.startswith(b'{"type":"ADDED"'), mid.partial)
        self.assertNotIn(b"\n", mid.partial)
        with self.assertRaises(ValueError):
            json.loads(mid.partial)
        mid.none(0.05)

    def test_resume_without_relist(self):
        """What a reflector does after a cut, and how a test sees it in the stats."""
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.fake.ctl("stats/reset", {})
        st, _, lst = self.fake.req("GET", path)
        w = self.watch(path + f"?watch=1&resourceVersion={lst['metadata']['resourceVersion']}")
        time.sleep(0.1)
        s = self.fake.stats()
        self.assertEqual(s["open_watches"], 1)
        self.fake.ctl("cut", {"mode": "mid-event"})
        self.create(path, svc("a"))
        w.wait_end()
        w2 = self.watch(path + f"?watch=1&resourceVersion={lst['metadata']['resourceVersion']}")
        self.assertEqual(w2.next()["object"]["metadata"]["name"], "a")
        s = self.fake.stats()
        self.assertEqual(s["requests"]["list services"], 1)
        self.assertEqual(s["requests"]["watch services"], 2)
        self.assertEqual(s["requests"]["create services"], 1)
        self.fake.ctl("stats/reset", {})
        self.assertEqual(self.fake.stats()["requests"], {})

    def test_disconnect_and_bad_input(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        c = self.fake.conn()
        self.assertEqual(self.fake.req("GET", path, conn=c)[0], 200)  # keep-alive
        self.assertEqual(self.fake.req("GET", path, conn=c)[0], 200)
        w = self.watch(path + "?watch=1")
        time.sleep(0.1)
        self.assertGreaterEqual(self.fake.ctl("disconnect", {})["disconnected"], 2)
        self.assertIn(w.wait_end(), ("eof", "reset"))
        with self.assertRaises((http.client.HTTPException, ConnectionError, ssl.SSLError,
                                OSError)):
            self.fake.req("GET", path, conn=c)
        c.close()
        # Garbage never takes the server down.
        s = socket.create_connection(("127.0.0.1", self.fake.port), timeout=3)
        s = self.fake.ctx.wrap_socket(s, server_hostname="127.0.0.1")
        s.sendall(b"\x00\x01garbage\r\n\r\n")
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()
        raw = socket.create_connection(("127.0.0.1", self.fake.port), timeout=3)
        raw.sendall(b"GET / HTTP/1.1\r\n\r\n")  # plain HTTP to the TLS port
        raw.close()
        for body, ctype in ((b"\xff\xfe", "application/json"), (b"[1,2]", "application/json"),
                            (b"{}", "application/json-patch+json"),
                            (b"- [", "application/apply-patch+yaml")):
            st, _, _ = self.fake.req("PATCH", path + "/x", body, ctype=ctype)
            self.assertIn(st, (400, 404, 415, 422))
        st, _, _ = self.fake.req("GET", path + "?limit=x")
        self.assertEqual(st, 400)
        st, _, body = self.fake.req("POST", "/api/v1/services", svc("x"))
        self.assertEqual((st, body["reason"]), (405, "MethodNotAllowed"))
        with self.assertRaises(AssertionError):  # bad control arguments: 400, nothing armed
            self.fake.ctl("stall", {"ms": 100, "count": "x"})
        with self.assertRaises(AssertionError):
            self.fake.ctl("fail", {"code": "x"})
        st, _, _ = self.fake.req("GET", path + "?watch=1&resourceVersion=abc")
        self.assertEqual(st, 400)
        self.assertEqual(self.fake.req("GET", path)[0], 200)


    def test_restart_in_place(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        self.create(path, svc("a"))
        rv_old = self.rv()
        self.create(path, svc("b"))
        w = self.watch(path + f"?watch=1&resourceVersion={self.rv()}")
        time.sleep(0.05)
        out = self.fake.ctl("restart", {"down_ms": 300})
        self.assertEqual(out["compacted"], out["resourceVersion"])
        self.assertIn(w.wait_end(), ("eof", "reset"))
        with self.assertRaises((http.client.HTTPException, ConnectionError, ssl.SSLError,
                                OSError)):
            self.fake.req("GET", path)
        time.sleep(0.35)
        st, _, lst = self.fake.req("GET", path)
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["a", "b"])
        w = self.watch(path + f"?watch=1&resourceVersion={rv_old}")
        self.assertEqual(w.next()["object"]["reason"], "Expired")
        w = self.watch(path + f"?watch=1&resourceVersion={lst['metadata']['resourceVersion']}")
        self.create(path, svc("c"))
        self.assertEqual(w.next()["object"]["metadata"]["name"], "c")

    def test_watch_client_going_away(self):
        path = f"/api/v1/namespaces/{self.ns}/services"
        before = self.fake.stats()["open_watches"]
        w = self.watch(path + "?watch=1&timeoutSeconds=0")  # 0: the server's default timeout
        time.sleep(0.1)
        self.assertEqual(self.fake.stats()["open_watches"], before + 1)
        self.assertIsNone(w.end)
        self.assertIn("audit-id", w.headers)
        self.assertNotIn("server", w.headers)
        w.close()
        deadline = time.time() + 2
        while self.fake.stats()["open_watches"] != before and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.fake.stats()["open_watches"], before)


class Control(Base):
    def test_load_and_delete(self):
        docs = f"""
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: p1
  namespace: {self.ns}
spec:
  addresses: [192.0.2.0/28]
status:
  assignedIPv4: 3
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: node-{self.ns}
  status:
    addresses: [{{type: InternalIP, address: 10.0.0.1}}]
"""
        out = self.fake.ctl("load", docs)
        self.assertEqual([a["action"] for a in out["applied"]], ["created", "created"])
        st, _, p = self.fake.req("GET", f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/"
                                        "ipaddresspools/p1")
        self.assertEqual(p["status"], {"assignedIPv4": 3})  # the loader sets status too
        out = self.fake.ctl("load", docs)
        self.assertEqual([a["action"] for a in out["applied"]], ["unchanged", "unchanged"])
        out = self.fake.ctl("load", docs.replace("192.0.2.0/28", "192.0.2.16/28"))
        self.assertEqual(out["applied"][0]["action"], "configured")
        st, _, p2 = self.fake.req("GET", f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/"
                                         "ipaddresspools/p1")
        self.assertEqual((p2["metadata"]["generation"], p2["metadata"]["uid"]),
                         (2, p["metadata"]["uid"]))
        # The same BGPPeer in both versions.
        self.fake.ctl("load", {"apiVersion": "metallb.io/v1beta2", "kind": "BGPPeer",
                               "metadata": {"name": "r", "namespace": self.ns},
                               "spec": {"myASN": 64512, "peerASN": 64513,
                                        "peerAddress": "192.0.2.254"}})
        for v in ("v1beta1", "v1beta2"):
            st, _, b = self.fake.req("GET", f"/apis/metallb.io/{v}/namespaces/{self.ns}/"
                                            "bgppeers/r")
            self.assertEqual((st, b["apiVersion"]), (200, f"metallb.io/{v}"))
        self.fake.ctl("delete", {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
                                 "metadata": {"name": "p1", "namespace": self.ns}})
        st, _, _ = self.fake.req("GET", f"/apis/metallb.io/v1beta1/namespaces/{self.ns}/"
                                        "ipaddresspools/p1")
        self.assertEqual(st, 404)
        objs = self.fake.ctl("objects?resource=nodes", method="GET")
        self.assertIn(f"node-{self.ns}", [o["metadata"]["name"] for o in objs["items"]])

    def test_other_resources_round_trip(self):
        """Every resource of the table takes a create, a get, a list and a delete."""
        st, _, groups = self.fake.req("GET", "/apis")
        gvs = ["v1"] + [v["groupVersion"] for g in groups["groups"] for v in g["versions"]]
        n = 0
        for gv in gvs:
            prefix = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            st, _, rl = self.fake.req("GET", prefix)
            for r in rl["resources"]:
                if "/" in r["name"]:
                    continue
                name = f"o-{self.ns}-{n}"[:60]
                n += 1
                base = (f"{prefix}/namespaces/{self.ns}/{r['name']}" if r["namespaced"]
                        else f"{prefix}/{r['name']}")
                obj = {"apiVersion": gv, "kind": r["kind"], "metadata": {"name": name}}
                st, _, body = self.fake.req("POST", base, obj)
                self.assertEqual(st, 201, (base, body))
                self.assertEqual(self.fake.req("GET", f"{base}/{name}")[0], 200)
                st, _, lst = self.fake.req("GET", base)
                self.assertEqual(lst["kind"], r["kind"] + "List")
                self.assertEqual(self.fake.req("DELETE", f"{base}/{name}")[0], 200)
        self.assertGreaterEqual(n, 17)


class PlainHttpAndRestart(unittest.TestCase):
    """Plain HTTP, no token; --state across a restart (the port is kept)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fake-apiserver-state.")
        self.state = os.path.join(self.tmp, "state.json")
        self.fakes = []

    def tearDown(self):
        for f in self.fakes:
            f.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, *extra, port=0):
        f = Fake("--state", self.state, "--history-events", "50", *extra, tls=False,
                 tmp=self.tmp, port=port, token=None)
        self.fakes.append(f)
        return f

    def test_restart_keeps_objects_and_rv(self):
        f = self.start()
        path = "/api/v1/namespaces/default/services"
        self.assertEqual(f.req("POST", path, svc("a"))[0], 201)
        rv_mid = int(f.stats()["resourceVersion"])
        self.assertEqual(f.req("POST", path, svc("b"))[0], 201)
        rv = int(f.stats()["resourceVersion"])
        port = f.port
        f.stop()
        f = self.start(port=port)
        self.assertEqual(f.port, port)
        st, _, lst = f.req("GET", path)
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["a", "b"])
        self.assertEqual(lst["metadata"]["resourceVersion"], str(rv))
        # A restarted apiserver's watch cache begins at the current RV: an older RV gets 410,
        # the current one resumes.
        w = f.watch(path + f"?watch=1&resourceVersion={rv_mid}")
        self.assertEqual(w.next()["object"]["code"], 410)
        w.close()
        w = f.watch(path + f"?watch=1&resourceVersion={rv}")
        f.req("POST", path, svc("c"))
        self.assertEqual(w.next()["object"]["metadata"]["name"], "c")
        w.close()
        # The next write continued the RV sequence.
        self.assertEqual(int(f.stats()["resourceVersion"]), rv + 1)

    def test_restart_with_history(self):
        f = self.start("--save-interval", "0")
        path = "/api/v1/namespaces/default/services"
        rv0 = int(f.stats()["resourceVersion"])
        f.req("POST", path, svc("a"))
        f.req("POST", path, svc("b"))
        port = f.port
        f.stop(signal.SIGKILL)  # --save-interval 0: written on every write, not only at SIGTERM
        f = self.start("--persist-history", port=port)
        w = f.watch(path + f"?watch=1&resourceVersion={rv0}")
        self.assertEqual([w.next()["object"]["metadata"]["name"] for _ in range(2)], ["a", "b"])
        w.close()

    def test_history_window(self):
        f = Fake("--history-events", "3", tls=False, token=None)
        self.fakes.append(f)
        path = "/api/v1/namespaces/default/services"
        rv0 = int(f.stats()["resourceVersion"])
        for n in "abcde":
            f.req("POST", path, svc(n))
        w = f.watch(path + f"?watch=1&resourceVersion={rv0}")
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["reason"]), ("ERROR", "Expired"))
        self.assertRegex(ev["object"]["message"], rf"^too old resource version: {rv0} \(\d+\)$")
        w.close()
        w = f.watch(path + f"?watch=1&resourceVersion={rv0 + 2}")
        self.assertEqual([w.next()["object"]["metadata"]["name"] for _ in range(3)],
                         ["c", "d", "e"])
        w.close()


def main() -> int:
    t0 = time.time()
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if len(sys.argv) > 1:
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:],
                                                              sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1 if not os.environ.get("VERBOSE") else 2
                                     ).run(suite)
    if _TLS_DIR:
        shutil.rmtree(_TLS_DIR, ignore_errors=True)
    ok = result.wasSuccessful()
    print(f"fake_apiserver_test: {result.testsRun} tests, "
          f"{len(result.failures) + len(result.errors)} failed, {time.time() - t0:.1f} s: "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
