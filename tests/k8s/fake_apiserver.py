#!/usr/bin/env python3
"""A test Kubernetes API server with real list/watch semantics (issue 13, deliverable 6).

No kube-apiserver can be installed on the test machines, so vipd's Kubernetes client, its
reflectors, the Lease elector and the whole daemon are tested against this one. It is a test tool
but it is meant to be faithful: the behaviour and the bodies below follow the apiserver's own code
(k8s.io/apiserver: registry/generic/registry/store.go, storage/cacher, storage/etcd3;
k8s.io/apimachinery: api/errors/errors.go; apiextensions-apiserver: registry/customresource),
which each place cites. What it does not do is listed in tests/k8s/README.md.

Python 3.11 standard library and PyYAML only. Usage: tests/k8s/README.md, or --help.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime
import http.server
import ipaddress
import json
import os
import random
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

try:
    import yaml  # python3-yaml; only the control API's loader and YAML bodies need it

    YAMLError: type = yaml.YAMLError
except ImportError:  # pragma: no cover
    yaml = None
    YAMLError = ValueError


# ---------------------------------------------------------------------------------------------
# The resource table. One row per (group, version, resource); add a row to serve a new type.
# ---------------------------------------------------------------------------------------------


@dataclass
class Resource:
    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    status: bool = False  # has a /status subresource
    crd: bool = False  # served as a CustomResourceDefinition (unstructured) would be
    # How metadata.generation moves: "spec" = 1 on create, +1 when anything but metadata (and
    # status, with a status subresource) changes (customresource/strategy.go); "eps" = the same
    # plus label changes (discovery/endpointslice/strategy.go); None = the server does not manage
    # it (kept from the create request, never changed by an update: rest.BeforeUpdate).
    generation: Optional[str] = None
    create_on_update: bool = False  # strategy.AllowCreateOnUpdate
    unconditional_update: bool = True  # strategy.AllowUnconditionalUpdate
    return_deleted: bool = False  # Store.ReturnDeletedObject (else a Success Status)
    status_on_create: bool = False  # create keeps .status (nodes); else PrepareForCreate drops it
    short_names: tuple = ()
    singular: str = ""
    fields: tuple = ()  # field selector paths beyond metadata.name/metadata.namespace
    storage: str = ""  # objects are shared between rows with the same storage (bgppeers)
    defaulter: Optional[Callable[["Server", dict, Optional[dict]], None]] = None

    def __post_init__(self):
        if not self.singular:
            self.singular = self.kind.lower()
        if not self.storage:
            self.storage = self.qualified()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def qualified(self) -> str:
        """schema.GroupResource.String(): "services", "leases.coordination.k8s.io"."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def qualified_kind(self) -> str:
        """schema.GroupKind.String(): "Service", "Lease.coordination.k8s.io"."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


def _default_service(server: "Server", obj: dict, old: Optional[dict]) -> None:
    """The defaults a real apiserver fills in a Service (core/v1 defaults.go and the Service
    REST's IP and port allocators), enough that clients see the fields they read."""
    spec = obj.setdefault("spec", {})
    ospec = (old or {}).get("spec") or {}
    if not isinstance(spec, dict) or not isinstance(ospec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for p in spec.get("ports", []) or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
            if "port" in p:
                p.setdefault("targetPort", p["port"])
    if spec["type"] != "ExternalName":
        if not spec.get("clusterIP"):
            spec["clusterIP"] = ospec.get("clusterIP") or server.allocate_cluster_ip()
        if spec["clusterIP"] != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
            fam = "IPv6" if ":" in spec["clusterIP"] else "IPv4"
            spec.setdefault("ipFamilies", [fam])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        if spec["type"] == "NodePort" or spec.get("allocateLoadBalancerNodePorts", True):
            oldports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                        for p in ospec.get("ports", []) or [] if isinstance(p, dict)}
            for p in spec.get("ports", []) or []:
                if isinstance(p, dict) and not p.get("nodePort"):
                    p["nodePort"] = (oldports.get((p.get("port"), p.get("protocol")))
                                     or server.allocate_node_port())
    if old is None:
        if not isinstance(obj.get("status"), dict):
            obj["status"] = {}
        obj["status"].setdefault("loadBalancer", {})


def _default_namespace(server: "Server", obj: dict, old: Optional[dict]) -> None:
    # core/v1 defaults and namespace strategy: the "kubernetes" finalizer, phase Active.
    if old is None:
        for k in ("spec", "status"):
            if not isinstance(obj.get(k), dict):
                obj[k] = {}
        obj["spec"].setdefault("finalizers", ["kubernetes"])
        obj["status"].setdefault("phase", "Active")
    obj.setdefault("metadata", {}).setdefault("labels", {})[
        "kubernetes.io/metadata.name"] = obj["metadata"].get("name", "")


_EVENT_FIELDS = ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                 "involvedObject.uid", "involvedObject.apiVersion",
                 "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                 "reportingComponent", "source", "type")


def _crd(plural, kind, version="v1beta1", status=False, storage="", short=()):
    return Resource("metallb.io", version, plural, kind, namespaced=True, status=status, crd=True,
                    generation="spec", unconditional_update=False, storage=storage,
                    short_names=short)


RESOURCES: list[Resource] = [
    Resource("", "v1", "services", "Service", status=True, create_on_update=True,
             return_deleted=True, short_names=("svc",), fields=("spec.clusterIP", "spec.type"),
             defaulter=_default_service),
    Resource("", "v1", "nodes", "Node", namespaced=False, status=True, status_on_create=True,
             short_names=("no",), fields=("spec.unschedulable",)),
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, status=True,
             return_deleted=True, short_names=("ns",), fields=("status.phase",),
             defaulter=_default_namespace),
    Resource("", "v1", "events", "Event", create_on_update=True, short_names=("ev",),
             fields=_EVENT_FIELDS),
    # BGPPeer passwordSecret: the speaker reads Secrets of its namespace.
    Resource("", "v1", "secrets", "Secret", fields=("type",)),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", generation="eps"),
    Resource("coordination.k8s.io", "v1", "leases", "Lease", create_on_update=True,
             unconditional_update=False),
    Resource("events.k8s.io", "v1", "events", "Event", create_on_update=True,
             short_names=("ev",)),
    _crd("ipaddresspools", "IPAddressPool", status=True),
    _crd("bgpadvertisements", "BGPAdvertisement"),
    _crd("l2advertisements", "L2Advertisement"),
    _crd("communities", "Community"),
    _crd("bfdprofiles", "BFDProfile"),
    _crd("servicel2statuses", "ServiceL2Status", status=True),
    _crd("servicebgpstatuses", "ServiceBGPStatus", status=True),
    _crd("bgpsessionstatuses", "BGPSessionStatus", status=True),
    # One stored BGPPeer served in two versions (MetalLB converts with a webhook; here only
    # apiVersion changes).
    _crd("bgppeers", "BGPPeer", version="v1beta1", storage="bgppeers.metallb.io"),
    _crd("bgppeers", "BGPPeer", version="v1beta2", storage="bgppeers.metallb.io"),
]

# The preferred (storage) version per group, for discovery; the last row of a group wins.
PREFERRED = {"metallb.io": "v1beta2"}


# ---------------------------------------------------------------------------------------------
# Status bodies (k8s.io/apimachinery/pkg/api/errors/errors.go), field order as Go encodes them.
# ---------------------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: dict, headers: Optional[dict] = None):
        super().__init__(status.get("message", ""))
        self.status = status
        self.headers = headers or {}

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 500)


def status_body(code: int, reason: str, message: str, details: Optional[dict] = None,
                status: str = "Failure", cont: str = "") -> dict:
    body: dict = {"kind": "Status", "apiVersion": "v1", "metadata": {}}
    if cont:
        body["metadata"]["continue"] = cont
    body["status"] = status
    if message:
        body["message"] = message
    if reason:
        body["reason"] = reason
    if details:
        # StatusDetails: name, group, kind, uid, causes, retryAfterSeconds (omitempty each)
        body["details"] = {k: details[k] for k in
                           ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")
                           if details.get(k)}
    if code:
        body["code"] = code
    return body


def _gr_details(res: Resource, name: str) -> dict:
    return {"name": name, "group": res.group, "kind": res.plural}


def err_not_found(res: Resource, name: str) -> ApiError:
    return ApiError(status_body(404, "NotFound", f'{res.qualified()} "{name}" not found',
                                _gr_details(res, name)))


def err_already_exists(res: Resource, name: str) -> ApiError:
    return ApiError(status_body(409, "AlreadyExists", f'{res.qualified()} "{name}" already exists',
                                _gr_details(res, name)))


OPTIMISTIC_LOCK = "the object has been modified; please apply your changes to the latest version and try again"


def err_conflict(res: Resource, name: str, why: str = OPTIMISTIC_LOCK) -> ApiError:
    return ApiError(status_body(
        409, "Conflict", f'Operation cannot be fulfilled on {res.qualified()} "{name}": {why}',
        _gr_details(res, name)))


def err_invalid(group_kind: tuple, name: str, causes: list) -> ApiError:
    """NewInvalid: causes are (type, field, body) like field.Error; the message aggregates
    "field: body" the way ErrorList.ToAggregate() prints them."""
    group, kind = group_kind
    qk = f"{kind}.{group}" if group else kind
    msgs = [f"{f}: {b}" for _, f, b in causes]
    agg = msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"
    return ApiError(status_body(422, "Invalid", f'{qk} "{name}" is invalid: {agg}', {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": t, "message": b, "field": f} for t, f, b in causes]}))


def err_bad_request(message: str) -> ApiError:
    return ApiError(status_body(400, "BadRequest", message))


def err_expired(message: str, cont: str = "") -> ApiError:
    return ApiError(status_body(410, "Expired", message, cont=cont))


def err_internal(message: str) -> ApiError:
    return ApiError(status_body(500, "InternalError", f"Internal error occurred: {message}",
                                {"causes": [{"message": message}]}))


def err_unknown(code: int, message: str) -> ApiError:
    # ErrorToAPIStatus for errors that are not a StatusError: reason "" (Unknown).
    return ApiError(status_body(code, "", message))


def err_too_large_rv(rv: int, current: int) -> ApiError:
    # storage.NewTooLargeResourceVersionError -> NewTimeoutError, retry after 1 s.
    return ApiError(status_body(504, "Timeout",
                                f"Timeout: Too large resource version: {rv}, current: {current}",
                                {"causes": [{"reason": "ResourceVersionTooLarge",
                                             "message": "Too large resource version"}],
                                 "retryAfterSeconds": 1}))


_DNS1123_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"


def validate_object(res: "Resource", obj: dict) -> None:
    """What decoding into ObjectMeta (400) and ValidateObjectMeta (422) reject: wrong types and
    names that are not DNS names, so a client bug shows here as it would on a cluster."""
    md = obj.get("metadata")
    if not isinstance(md, dict):
        raise err_bad_request("metadata: expected an object")
    for k in ("name", "generateName", "namespace", "resourceVersion", "uid"):
        if k in md and not isinstance(md[k], str):
            raise err_bad_request(f"json: cannot unmarshal {type(md[k]).__name__} into Go struct "
                                  f"field ObjectMeta.metadata.{k} of type string")
    for k in ("labels", "annotations"):
        v = md.get(k)
        if v is not None and not (isinstance(v, dict) and all(
                isinstance(x, str) and isinstance(y, str) for x, y in v.items())):
            raise err_bad_request(f"json: cannot unmarshal into Go struct field "
                                  f"ObjectMeta.metadata.{k} of type map[string]string")
    f = md.get("finalizers")
    if f is not None and not (isinstance(f, list) and all(isinstance(x, str) for x in f)):
        raise err_bad_request("json: cannot unmarshal into Go struct field "
                              "ObjectMeta.metadata.finalizers of type []string")
    for k in ("spec", "status"):
        if k in obj and obj[k] is not None and not isinstance(obj[k], dict) and not res.crd:
            raise err_bad_request(f"json: cannot unmarshal into Go struct field {res.kind}.{k}")
    name = md.get("name", "")
    if name:
        if res.plural in ("services",):
            rx, what, most = _DNS1035_LABEL, "a DNS-1035 label", 63
        elif res.plural == "namespaces":
            rx, what, most = _DNS1123_LABEL, "a lowercase RFC 1123 label", 63
        else:
            rx, what, most = _DNS1123_SUBDOMAIN, "a lowercase RFC 1123 subdomain", 253
        if not re.fullmatch(rx, name) or len(name) > most:
            raise err_invalid((res.group, res.kind), name, [(
                "FieldValueInvalid", "metadata.name",
                f'Invalid value: "{name}": {what} must consist of lower case alphanumeric '
                f"characters or '-'" + (", and must start with an alphabetic character"
                                         if rx == _DNS1035_LABEL else "")
                + f" (regex used for validation is '{rx}')")])


UNAUTHORIZED = status_body(401, "Unauthorized", "Unauthorized")
NOT_FOUND_PATH = status_body(404, "NotFound", "the server could not find the requested resource",
                             {})

# Reasons for injected failures (api/errors: NewInternalError, NewServiceUnavailable,
# NewTimeoutError, NewTooManyRequests, ...).
FAIL_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 422: "Invalid",
                429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                504: "Timeout"}

# etcd3/errors.go
CONTINUE_EXPIRED = ("The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use the "
                    "continue token in this response to retrieve the remainder of the results. "
                    "Continuing with the provided token results in an inconsistent list - objects "
                    "that were created, modified, or deleted between the time the first chunk was "
                    "returned and now may show up in the list.")
LIST_EXPIRED = "The resourceVersion for the provided list is too old."


# ---------------------------------------------------------------------------------------------
# Selectors (k8s.io/apimachinery/pkg/labels and fields)
# ---------------------------------------------------------------------------------------------

_LABEL_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_LABEL_VAL = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"


def _split_top(s: str) -> list[str]:
    """Splits at commas outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def parse_label_selector(sel: str) -> list[tuple]:
    """Requirements (key, op, values): =, ==, !=, in, notin, exists, !, gt, lt."""
    reqs = []
    if not sel or not sel.strip():
        return reqs
    for part in _split_top(sel):
        p = part.strip()
        if not p:
            raise ValueError(f"found '', expected: identifier")
        m = re.fullmatch(rf"!\s*({_LABEL_KEY})", p)
        if m:
            reqs.append((m.group(1), "!", ()))
            continue
        m = re.fullmatch(rf"({_LABEL_KEY})\s+(in|notin)\s*\(([^()]*)\)", p)
        if m:
            vals = tuple(v.strip() for v in m.group(3).split(",")) if m.group(3).strip() else ()
            for v in vals:
                if not re.fullmatch(_LABEL_VAL, v):
                    raise ValueError(f"invalid label value: {v!r}")
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.fullmatch(rf"({_LABEL_KEY})\s*(==|=|!=|>|<)\s*(.*)", p)
        if m:
            key, op, val = m.group(1), m.group(2), m.group(3).strip()
            if op in (">", "<"):
                if not re.fullmatch(r"-?[0-9]+", val):
                    raise ValueError(f"for 'gt', 'lt' operators, exactly one value is required")
            elif not re.fullmatch(_LABEL_VAL, val):
                raise ValueError(f"invalid label value: {val!r}")
            reqs.append((key, {"==": "=", "=": "=", "!=": "!=", ">": "gt", "<": "lt"}[op],
                         (val,)))
            continue
        m = re.fullmatch(_LABEL_KEY, p)
        if m:
            reqs.append((p, "exists", ()))
            continue
        raise ValueError(f"unable to parse requirement: {p!r}")
    return reqs


def labels_match(reqs: list[tuple], labels: dict) -> bool:
    labels = labels or {}
    for key, op, vals in reqs:
        present = key in labels
        v = labels.get(key)
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
        if op == "=" and (not present or v != vals[0]):
            return False
        if op == "!=" and present and v == vals[0]:
            return False
        if op == "in" and (not present or v not in vals):
            return False
        if op == "notin" and present and v in vals:
            return False
        if op in ("gt", "lt"):
            try:
                n = int(v) if present else None
            except ValueError:
                return False
            if n is None or (op == "gt" and not n > int(vals[0])) or (
                    op == "lt" and not n < int(vals[0])):
                return False
    return True


def parse_field_selector(sel: str, res: Resource) -> list[tuple]:
    reqs = []
    if not sel or not sel.strip():
        return reqs
    allowed = {"metadata.name", "metadata.namespace"} | set(res.fields)
    for part in sel.split(","):
        m = re.fullmatch(r"\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*", part)
        if not m:
            raise ApiError(status_body(400, "BadRequest",
                                       f"invalid selector: '{sel}'; can't understand '{part}'"))
        key, op, val = m.groups()
        if key not in allowed:
            raise err_bad_request(f"field label not supported: {key}")
        reqs.append((key, "!=" if op == "!=" else "=", val))
    return reqs


def _field_value(obj: dict, path: str) -> str:
    cur: Any = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs: list[tuple], obj: dict) -> bool:
    for key, op, val in reqs:
        have = _field_value(obj, key)
        if (op == "=") != (have == val):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


class PatchError(Exception):
    pass


def _ptr(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, toks: list[str]) -> Any:
    for t in toks:
        if isinstance(doc, dict):
            if t not in doc:
                raise PatchError(f"missing value at {t!r}")
            doc = doc[t]
        elif isinstance(doc, list):
            try:
                doc = doc[int(t)]
            except (ValueError, IndexError):
                raise PatchError(f"bad index {t!r}")
        else:
            raise PatchError(f"cannot descend into a scalar at {t!r}")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902 JSON Patch: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch must be an array of operations")
    doc = copy.deepcopy(doc)

    def add(d, toks, val):
        if not toks:
            return val
        parent = _walk(d, toks[:-1])
        last = toks[-1]
        if isinstance(parent, dict):
            parent[last] = val
        elif isinstance(parent, list):
            if last == "-":
                parent.append(val)
            else:
                try:
                    i = int(last)
                except ValueError:
                    raise PatchError(f"bad index {last!r}")
                if i < 0 or i > len(parent):
                    raise PatchError(f"index {i} out of bounds")
                parent.insert(i, val)
        else:
            raise PatchError("cannot add to a scalar")
        return d

    def remove(d, toks):
        if not toks:
            raise PatchError("cannot remove the root")
        parent = _walk(d, toks[:-1])
        last = toks[-1]
        if isinstance(parent, dict):
            if last not in parent:
                raise PatchError(f"unable to remove nonexistent key: {last}")
            return parent.pop(last)
        if isinstance(parent, list):
            try:
                return parent.pop(int(last))
            except (ValueError, IndexError):
                raise PatchError(f"unable to remove index {last!r}")
        raise PatchError("cannot remove from a scalar")

    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError("an operation needs 'op' and 'path'")
        kind, toks = op["op"], _ptr(op["path"])
        if kind == "add":
            if "value" not in op:
                raise PatchError("add needs a value")
            doc = add(doc, toks, copy.deepcopy(op["value"]))
        elif kind == "remove":
            remove(doc, toks)
        elif kind == "replace":
            if "value" not in op:
                raise PatchError("replace needs a value")
            if not toks:
                doc = copy.deepcopy(op["value"])
            else:
                _walk(doc, toks)  # must exist
                remove(doc, toks)
                doc = add(doc, toks, copy.deepcopy(op["value"]))
        elif kind in ("move", "copy"):
            src = _ptr(op.get("from", ""))
            val = copy.deepcopy(_walk(doc, src))
            if kind == "move":
                remove(doc, src)
            doc = add(doc, toks, val)
        elif kind == "test":
            if _walk(doc, toks) != op.get("value"):
                raise PatchError(f"testing value {op['path']} failed")
        else:
            raise PatchError(f"Unexpected kind: {kind}")
    return doc


# ---------------------------------------------------------------------------------------------
# Store, history and watches
# ---------------------------------------------------------------------------------------------


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ObjectMeta's fields in the order Go encodes them.
_META_ORDER = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
               "generation", "creationTimestamp", "deletionTimestamp",
               "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
               "finalizers", "managedFields")


def ordered_metadata(md: dict) -> dict:
    out = {k: md[k] for k in _META_ORDER if k in md}
    out.update({k: v for k, v in md.items() if k not in out})
    return out


def _generate_suffix() -> str:
    # storage/names: 5 characters from this alphabet (no vowels, no confusable digits).
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(random.choice(alphabet) for _ in range(5))


@dataclass
class Event:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    storage: str
    namespace: str
    name: str
    obj: dict  # the object after the change (DELETED: the last state, with the deletion's RV)
    prev: Optional[dict]  # before the change (None for ADDED)
    time: float = 0.0


@dataclass
class Watcher:
    id: int
    res: Resource
    namespace: str  # "" = all
    name: str  # "" = all (fieldSelector metadata.name=x narrows it)
    labels: list
    fields: list
    bookmarks: bool
    path: str
    start_rv: str
    queue: deque = field(default_factory=deque)
    cut: str = ""  # "", "clean", "drop", "mid-event"

    def matches(self, obj: Optional[dict]) -> bool:
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace and md.get("namespace", "") != self.namespace:
            return False
        if self.name and md.get("name") != self.name:
            return False
        return labels_match(self.labels, md.get("labels")) and fields_match(self.fields, obj)

    def convert(self, ev: Event) -> Optional[tuple[str, dict]]:
        """cacheWatcher.convertToWatchEvent: an object that starts or stops matching the
        selectors is seen as ADDED or DELETED."""
        cur = ev.type != "DELETED" and self.matches(ev.obj)
        old = ev.prev is not None and self.matches(ev.prev)
        if ev.type == "DELETED":
            return ("DELETED", ev.obj) if self.matches(ev.obj) else None
        if cur and old:
            return ("MODIFIED", ev.obj)
        if cur and not old:
            return ("ADDED", ev.obj)
        if not cur and old:
            # The object no longer matches: DELETED carrying the new state (as the cacher does)
            return ("DELETED", ev.obj)
        return None


class Server:
    """Everything the API serves, under one lock; watchers wait on its condition."""

    def __init__(self, args):
        self.args = args
        self.dirty = False  # changes not yet in the --state file
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 1
        self.compacted = 1  # watches from an RV below this get 410 (the cache's oldest-1)
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.history: deque[Event] = deque()
        self.watchers: dict[int, Watcher] = {}
        self.next_watch = 1
        self.next_ip = 10
        self.next_port = 30000
        self.tokens: dict[str, bool] = {t: True for t in (args.token or [])}
        self.fail_rules: list[dict] = []
        self.stall_rules: list[dict] = []
        self.freeze_until = 0.0
        self.freeze_forever = False
        self.down_until = 0.0  # /_fake/restart: connections are reset until then
        self.stats: dict[str, int] = {}
        self.responses: dict[str, int] = {}
        self.total = 0
        self.connections: set = set()
        self.stopping = False
        self.by_path: dict[tuple[str, str], Resource] = {}
        self.by_kind: dict[tuple[str, str], Resource] = {}
        for r in RESOURCES:
            self.by_path[(r.api_version, r.plural)] = r
            self.by_kind[(r.api_version, r.kind)] = r
        self.storage_res: dict[str, Resource] = {}
        for r in RESOURCES:
            self.storage_res.setdefault(r.storage, r)
        if args.state and os.path.exists(args.state):
            self._load_state()
        elif not args.no_default_namespaces:
            with self.lock:
                for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
                    self._control_apply({"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": ns}})

    # -- persistence -----------------------------------------------------------------------

    def _load_state(self):
        with open(self.args.state) as f:
            st = json.load(f)
        self.rv = int(st["rv"])
        self.next_ip = st.get("next_ip", 10)
        self.next_port = st.get("next_port", 30000)
        for sid, ns, name, obj in st["objects"]:
            self.objects[(sid, ns, name)] = obj
        if self.args.persist_history:
            self.compacted = int(st.get("compacted", self.rv))
            for e in st.get("history", []):
                self.history.append(Event(**e))
        else:
            # A restarted apiserver's watch cache starts from a LIST at the current RV: nothing
            # older can be replayed (cacher/watch_cache_history.go GetIntervalLocked:
            # oldest = listResourceVersion + 1).
            self.compacted = self.rv

    def save(self):
        self.dirty = False
        if not self.args.state:
            return
        st = {"rv": self.rv, "compacted": self.compacted, "next_ip": self.next_ip,
              "next_port": self.next_port,
              "objects": [[k[0], k[1], k[2], v] for k, v in self.objects.items()],
              "history": [e.__dict__ for e in self.history]}
        d = os.path.dirname(os.path.abspath(self.args.state))
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".fake-apiserver-state")
        with os.fdopen(fd, "w") as f:
            json.dump(st, f)
        os.replace(tmp, self.args.state)

    # -- allocation ------------------------------------------------------------------------

    def allocate_cluster_ip(self) -> str:
        used = {(o.get("spec") or {}).get("clusterIP") for (sid, _, _), o in
                self.objects.items() if sid == "services"}
        net = ipaddress.ip_network("10.96.0.0/12")
        while True:
            ip = str(net[self.next_ip])
            self.next_ip += 1
            if ip not in used:
                return ip

    def allocate_node_port(self) -> int:
        used = {p.get("nodePort") for (sid, _, _), o in self.objects.items() if sid == "services"
                for p in (o.get("spec") or {}).get("ports") or [] if isinstance(p, dict)}
        while True:
            p = self.next_port
            self.next_port = 30000 + (self.next_port - 30000 + 1) % 2768
            if p not in used:
                return p

    # -- writes ----------------------------------------------------------------------------

    def _commit(self, etype: str, res: Resource, ns: str, name: str, obj: Optional[dict],
                prev: Optional[dict]) -> dict:
        """One write: a new RV, the store, the history, every watcher. Returns the stored
        object (for DELETED: the last state carrying the deletion's RV)."""
        self.rv += 1
        key = (res.storage, ns, name)
        if etype == "DELETED":
            assert prev is not None
            obj = copy.deepcopy(prev)
            self.objects.pop(key, None)
        else:
            assert obj is not None
            self.objects[key] = obj
        obj["metadata"]["resourceVersion"] = str(self.rv)
        ev = Event(self.rv, etype, res.storage, ns, name, copy.deepcopy(obj),
                   copy.deepcopy(prev) if prev else None, time.time())
        self.history.append(ev)
        self._trim_history()
        for w in self.watchers.values():
            if w.res.storage == res.storage:
                conv = w.convert(ev)
                if conv:
                    w.queue.append((conv[0], conv[1], ev.rv))
        self.cond.notify_all()
        # Written by the saver thread within --save-interval (and at SIGTERM, restart and
        # compaction): dumping every object on every write made each write cost O(objects)
        # under the lock, and the server slower with every Event the test wrote.
        self.dirty = True
        if not self.args.save_interval:
            self.save()  # as etcd: durable before the answer (a SIGKILL loses nothing)
        return obj

    def _trim_history(self):
        limit = self.args.history_events
        horizon = time.time() - self.args.history_seconds if self.args.history_seconds else None
        while self.history and ((limit and len(self.history) > limit) or (
                horizon is not None and self.history[0].time < horizon
                and len(self.history) > 1)):
            ev = self.history.popleft()
            self.compacted = max(self.compacted, ev.rv)

    def compact(self, rv: Optional[int] = None) -> int:
        with self.lock:
            rv = self.rv if rv is None else min(int(rv), self.rv)
            while self.history and self.history[0].rv <= rv:
                self.history.popleft()
            self.compacted = max(self.compacted, rv)
            self.save()
            return self.compacted

    # -- state at an RV (list pagination, Exact lists) --------------------------------------

    def snapshot(self, res: Resource, rv: int) -> dict:
        """The objects of res's storage as they were at rv: the current ones with every later
        event undone. The caller checks rv >= self.compacted."""
        state = {k: v for k, v in self.objects.items() if k[0] == res.storage}
        for ev in reversed(self.history):
            if ev.rv <= rv:
                break
            if ev.storage != res.storage:
                continue
            key = (ev.storage, ev.namespace, ev.name)
            if ev.prev is None:
                state.pop(key, None)
            else:
                state[key] = ev.prev
        return state

    # -- the control API's apply (kubectl apply-like, status included) ----------------------

    def _control_apply(self, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise err_bad_request("a document must be an object")
        res = self.by_kind.get((doc.get("apiVersion", ""), doc.get("kind", "")))
        if not res:
            raise err_bad_request(f"unknown apiVersion/kind {doc.get('apiVersion')}/"
                                  f"{doc.get('kind')}")
        md = doc.setdefault("metadata", {})
        if not isinstance(md, dict) or not md.get("name"):
            raise err_bad_request("metadata.name is required")
        validate_object(res, doc)
        name = md["name"]
        ns = (md.get("namespace") or "default") if res.namespaced else ""
        if res.namespaced and ("namespaces", "", ns) not in self.objects:
            self._control_apply({"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": ns}})
        key = (res.storage, ns, name)
        old = self.objects.get(key)
        obj = copy.deepcopy(doc)
        obj.pop("kind", None)
        obj.pop("apiVersion", None)
        md = obj["metadata"]
        md.pop("resourceVersion", None)
        if res.namespaced:
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        if old is None:
            md.setdefault("uid", str(uuid.uuid4()))
            md.setdefault("creationTimestamp", now_rfc3339())
            if res.generation:
                md.setdefault("generation", 1)
            if res.defaulter:
                res.defaulter(self, obj, None)
            self._commit("ADDED", res, ns, name, obj, None)
            action = "created"
        else:
            omd = old["metadata"]
            for k in ("uid", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds"):
                if k in omd:
                    md[k] = omd[k]
            if "status" not in obj and "status" in old:
                obj["status"] = copy.deepcopy(old["status"])
            md["generation"] = omd.get("generation", md.get("generation"))
            if md["generation"] is None:
                del md["generation"]
            self._bump_generation(res, obj, old)
            if res.defaulter:
                res.defaulter(self, obj, old)
            md["resourceVersion"] = omd["resourceVersion"]
            if obj == old:
                action = "unchanged"
            else:
                self._commit("MODIFIED", res, ns, name, obj, old)
                action = "configured"
        return {"kind": res.kind, "apiVersion": res.api_version, "namespace": ns, "name": name,
                "resourceVersion": self.objects[key]["metadata"]["resourceVersion"],
                "action": action}

    def _bump_generation(self, res: Resource, new: dict, old: dict):
        if not res.generation:
            return

        def strip(o):
            # Everything but metadata (and status, when /status is its own subresource).
            d = {k: v for k, v in o.items() if k != "metadata"}
            if res.status:
                d.pop("status", None)
            if res.generation == "eps":
                d["__labels"] = o.get("metadata", {}).get("labels") or {}
            return d

        if strip(new) != strip(old):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 0) + 1
        else:
            new["metadata"]["generation"] = old["metadata"].get("generation", 1)

    def control_delete(self, doc: dict) -> dict:
        res = self.by_kind.get((doc.get("apiVersion", ""), doc.get("kind", "")))
        if not res:
            raise err_bad_request("unknown apiVersion/kind")
        md = doc.get("metadata") or {}
        name = doc.get("name") or md.get("name", "")
        ns = (doc.get("namespace") or md.get("namespace") or "default") if res.namespaced else ""
        key = (res.storage, ns, name)
        if key not in self.objects:
            raise err_not_found(res, name)
        self._delete_now(res, ns, name)
        return {"deleted": name, "resourceVersion": str(self.rv)}

    def _delete_now(self, res: Resource, ns: str, name: str) -> dict:
        key = (res.storage, ns, name)
        prev = self.objects[key]
        out = self._commit("DELETED", res, ns, name, None, prev)
        if res.storage == "namespaces":
            # No namespace controller: the namespace's objects go with it at once.
            for k in [k for k in self.objects if k[1] == name and k[0] != "namespaces"]:
                self._commit("DELETED", self.storage_res[k[0]], k[1], k[2], None,
                             self.objects[k])
        return out


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


def generate_certs(directory: str, extra_ip: str = "") -> dict:
    """A CA, a server certificate for 127.0.0.1/::1/localhost (and `extra_ip`, the address of a
    test's network namespace) and a client certificate, with the openssl CLI. Returns the
    paths."""
    os.makedirs(directory, exist_ok=True)
    p = {n: os.path.join(directory, n) for n in
         ("ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key")}
    if all(os.path.exists(v) for v in p.values()):
        return p

    def run(*cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", p["ca.key"], "-out", p["ca.crt"], "-days",
        "3650", "-subj", "/CN=fake-apiserver-ca", "-addext",
        "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for who, subj, ext in (
            ("server", "/CN=127.0.0.1",
             "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" +
             (f",IP:{extra_ip}" if extra_ip else "") + "\nextendedKeyUsage=serverAuth\n"
             "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"),
            ("client", "/O=system:masters/CN=vipd-test",
             "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature,keyEncipherment\n")):
        csr = os.path.join(directory, f"{who}.csr")
        extf = os.path.join(directory, f"{who}.ext")
        with open(extf, "w") as f:
            f.write(ext)
        run("openssl", "req", "-new", *ec, "-keyout", p[f"{who}.key"], "-out", csr, "-subj",
            subj)
        run("openssl", "x509", "-req", "-in", csr, "-CA", p["ca.crt"], "-CAkey", p["ca.key"],
            "-CAcreateserial", "-out", p[f"{who}.crt"], "-days", "3650", "-extfile", extf)
        os.unlink(csr)
        os.unlink(extf)
    return p


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


class CutConnection(Exception):
    """The handler dropped the connection on purpose (fault injection)."""


def _abort(sock) -> None:
    """Closes a TCP connection with a RST, as a crashed peer or a dropped link looks."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _qbool(v: Optional[str]) -> bool:
    return v is not None and v.lower() in ("true", "1")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-apiserver/1"
    sys_version = ""
    timeout = 300  # idle keep-alive connections end after this

    api: Server  # set on the class by make_handler
    control_only = False

    # -- plumbing --------------------------------------------------------------------------

    def log_message(self, fmt, *a):
        if self.api.args.verbose:
            sys.stderr.write("fake-apiserver: %s %s\n" % (self.address_string(), fmt % a))

    def setup(self):
        # Go's net package sets TCP_NODELAY on every connection; without it a response's header
        # and body writes meet the client's delayed ACK (40 ms a request).
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().setup()
        with self.api.lock:
            self.api.connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        with self.api.lock:
            self.api.connections.discard(self.connection)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except CutConnection:
            self.close_connection = True
        except (ConnectionError, ssl.SSLError, OSError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug here must not take the server down: log it, drop the link
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline(8)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_response(self, code, message=None):
        # Go's net/http sends no Server header; the apiserver adds an Audit-Id to every answer.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
        self.send_header("Audit-Id", str(uuid.uuid4()))

    def send_json(self, code: int, body: Any, headers: Optional[dict] = None):
        data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._count_response(code)

    def send_text(self, code: int, text: str, headers: Optional[dict] = None):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self._count_response(code)

    def _count_response(self, code: int):
        with self.api.lock:
            self.api.responses[str(code)] = self.api.responses.get(str(code), 0) + 1

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # -- the request -------------------------------------------------------------------------

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        try:
            body = self._body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path.startswith("/_fake/") or path == "/_fake":
            return self.control(path, query, body)
        if self.control_only:
            return self.send_text(404, "404 page not found\n")
        if time.time() < self.api.down_until:  # "restarting" (/_fake/restart): reset
            _abort(self.connection)
            raise CutConnection()
        route_error: Optional[ApiError] = None
        try:
            route = self.route(path, query)
        except ApiError as e:
            route, route_error = None, e
        verb, stat_key = self._verb(route, query)
        with self.api.lock:
            self.api.total += 1
            if stat_key:
                self.api.stats[stat_key] = self.api.stats.get(stat_key, 0) + 1
        self._stall(path, verb)
        if self._inject_failure(path, verb):
            return
        if path in ("/healthz", "/livez", "/readyz"):
            return self.send_text(200, "ok")
        if not self._authenticated():
            return self.send_json(401, UNAUTHORIZED)
        try:
            if route_error is not None:
                raise route_error
            if route is None:
                return self.send_text(404, "404 page not found\n")
            if route[0] == "discovery":
                return self.send_json(200, route[1])
            self.serve(route, query, body)
        except ApiError as e:
            self.send_json(e.code, e.status, e.headers)
        except CutConnection:
            raise
        except (ConnectionError, ssl.SSLError, BrokenPipeError):
            self.close_connection = True
        except Exception as e:  # never crash on bad input: a 500 with the reason
            traceback.print_exc(file=sys.stderr)
            try:
                self.send_json(500, err_internal(f"{type(e).__name__}: {e}").status)
            except OSError:
                self.close_connection = True

    def _authenticated(self) -> bool:
        api = self.api
        if not api.tokens and not api.args.client_ca:
            return True
        # The union authenticator: a verified client certificate (x509) first, then a bearer
        # token; the first that succeeds wins.
        if api.args.client_ca and isinstance(self.connection, ssl.SSLSocket):
            try:
                if self.connection.getpeercert():
                    return True
            except (ValueError, OSError):
                pass
        scheme, _, tok = self.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and tok.strip():  # as the bearertoken authenticator
            with api.lock:
                return api.tokens.get(tok.strip(), False)
        return False

    def _verb(self, route, query) -> tuple[str, str]:
        """The Kubernetes verb (get, list, watch, create, update, patch, delete,
        deletecollection) and the stats key "VERB RESOURCE[/status]"."""
        if not route or route[0] != "resource":
            return ("get" if self.command in ("GET", "HEAD") else self.command.lower(),
                    f"{self.command.lower()} {urllib.parse.urlsplit(self.path).path}")
        _, res, ns, name, sub, watch = route
        m = self.command
        if m in ("GET", "HEAD"):
            if watch or _qbool(query.get("watch")):
                verb = "watch"
            else:
                verb = "get" if name else "list"
        elif m == "POST":
            verb = "create"
        elif m == "PUT":
            verb = "update"
        elif m == "PATCH":
            verb = "patch"
        elif m == "DELETE":
            verb = "delete" if name else "deletecollection"
        else:
            verb = m.lower()
        return verb, f"{verb} {res.qualified()}{'/' + sub if sub else ''}"

    def route(self, path: str, query: dict):
        api = self.api
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return ("discovery", {"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake",
                                  "gitCommit": "0" * 40, "gitTreeState": "clean",
                                  "buildDate": "2024-08-13T07:28:49Z", "goVersion": "go1.22.5",
                                  "compiler": "gc", "platform": "linux/amd64"})
        if not parts or parts[0] not in ("api", "apis"):
            return None
        if parts[0] == "api":
            if len(parts) == 1:
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                return ("discovery", {"kind": "APIVersions", "versions": ["v1"],
                                      "serverAddressByClientCIDRs": [
                                          {"clientCIDR": "0.0.0.0/0", "serverAddress": host}]})
            gv, rest = parts[1], parts[2:]
            if gv != "v1":
                return None
            if not rest:
                return ("discovery", self._resource_list("v1"))
        else:
            if len(parts) == 1:
                return ("discovery", self._group_list())
            group = parts[1]
            if len(parts) == 2:
                g = self._group(group)
                return ("discovery", g) if g else None
            gv, rest = f"{group}/{parts[2]}", parts[3:]
            if not any(r.api_version == gv for r in RESOURCES):
                return None
            if not rest:
                return ("discovery", self._resource_list(gv))
        watch = False
        if rest and rest[0] == "watch":  # the deprecated /watch/ paths
            watch, rest = True, rest[1:]
        ns = ""
        if len(rest) >= 3 and rest[0] == "namespaces" and (gv, rest[2]) in api.by_path:
            ns, rest = rest[1], rest[2:]
        if not rest or (gv, rest[0]) not in api.by_path or len(rest) > 3:
            raise ApiError(NOT_FOUND_PATH)
        res = api.by_path[(gv, rest[0])]
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and not (sub == "status" and res.status):
            raise ApiError(NOT_FOUND_PATH)
        if ns and not res.namespaced:
            raise ApiError(NOT_FOUND_PATH)
        if res.namespaced and not ns and name:
            raise ApiError(NOT_FOUND_PATH)
        return ("resource", res, ns, name, sub, watch)

    # -- discovery -------------------------------------------------------------------------

    def _resource_list(self, gv: str) -> dict:
        out = []
        for r in RESOURCES:
            if r.api_version != gv:
                continue
            e = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": ["create", "delete", "deletecollection", "get", "list",
                                           "patch", "update", "watch"]}
            if r.short_names:
                e["shortNames"] = list(r.short_names)
            out.append(e)
            if r.status:
                out.append({"name": f"{r.plural}/status", "singularName": "",
                            "namespaced": r.namespaced, "kind": r.kind,
                            "verbs": ["get", "patch", "update"]})
        body = {"kind": "APIResourceList"}
        if gv != "v1":
            body["apiVersion"] = "v1"
        body["groupVersion"] = gv
        body["resources"] = out
        return body

    def _group(self, group: str) -> Optional[dict]:
        versions = []
        for r in RESOURCES:
            if r.group == group and r.version not in [v["version"] for v in versions]:
                versions.append({"groupVersion": r.api_version, "version": r.version})
        if not versions:
            return None
        pref = PREFERRED.get(group, versions[0]["version"])
        # Discovery lists the preferred version first.
        versions.sort(key=lambda v: v["version"] != pref)
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": versions,
                "preferredVersion": {"groupVersion": f"{group}/{pref}", "version": pref}}

    def _group_list(self) -> dict:
        groups = []
        for r in RESOURCES:
            if r.group and r.group not in [g["name"] for g in groups]:
                g = self._group(r.group)
                del g["kind"], g["apiVersion"]
                groups.append(g)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    # -- fault injection -------------------------------------------------------------------

    @staticmethod
    def _rule_matches(rule: dict, method: str, verb: str, path: str) -> bool:
        if rule.get("verb") and rule["verb"].lower() not in (method.lower(), verb):
            return False
        if rule.get("path") and not re.search(rule["path"], path):
            return False
        return True

    def _stall(self, path: str, verb: str):
        api = self.api
        delay = 0.0
        with api.lock:
            for rule in list(api.stall_rules):
                if self._rule_matches(rule, self.command, verb, path):
                    delay = max(delay, rule["ms"] / 1000.0)
                    if rule.get("count") is not None:
                        rule["count"] -= 1
                        if rule["count"] <= 0:
                            api.stall_rules.remove(rule)
            # A freeze: nothing is answered until it ends (or is cleared).
            while api.freeze_forever or time.time() < api.freeze_until:
                api.cond.wait(0.05 if api.freeze_forever else
                              max(0.0, api.freeze_until - time.time()))
        if delay:
            time.sleep(delay)

    def _inject_failure(self, path: str, verb: str) -> bool:
        api = self.api
        rule = None
        with api.lock:
            for r in api.fail_rules:
                if self._rule_matches(r, self.command, verb, path):
                    rule = r
                    r["count"] -= 1
                    if r["count"] <= 0:
                        api.fail_rules.remove(r)
                    break
        if not rule:
            return False
        code = int(rule.get("code", 500))
        if rule.get("action") == "close":
            _abort(self.connection)
            raise CutConnection()
        headers = {}
        retry = rule.get("retryAfter")
        if code == 429 and retry is None:
            retry = 1
        if retry is not None:
            headers["Retry-After"] = str(retry)
        msg = rule.get("message") or "injected by fake-apiserver"
        if code == 429 and rule.get("body", "text") == "text":
            # The max-in-flight and priority-and-fairness filters answer 429 with text
            # (server/filters/priority-and-fairness.go tooManyRequests).
            self.send_text(429, "Too many requests, please try again later.\n", headers)
            return True
        reason = FAIL_REASONS.get(code, "")
        details = None
        if code == 500:
            message = f"Internal error occurred: {msg}"
            details = {"causes": [{"message": msg}]}
        elif code == 504:
            message = f"Timeout: {msg}"
            details = {"retryAfterSeconds": int(retry or 0)}
        elif code == 429:
            message = msg
            details = {"retryAfterSeconds": int(retry or 0)}
        else:
            message = msg
        self.send_json(code, status_body(code, reason, message, details), headers)
        return True

    # -- the API -----------------------------------------------------------------------------

    def serve(self, route, query: dict, body: bytes):
        _, res, ns, name, sub, watch = route
        m = self.command
        if res.namespaced and not ns and m != "GET":
            # Writes to a namespaced type go to /namespaces/NS/...; the all-namespaces path only
            # lists and watches.
            raise ApiError(status_body(405, "MethodNotAllowed", "the server does not allow this "
                                       "method on the requested resource", {}))
        if m == "GET":
            if watch or _qbool(query.get("watch")):
                return self.watch(res, ns, name, query)
            if name:
                return self.get(res, ns, name)
            return self.list(res, ns, query)
        if m == "POST" and not name:
            return self.create(res, ns, body, query)
        if m == "PUT" and name:
            return self.update(res, ns, name, sub, self._decode(body))
        if m == "PATCH" and name:
            return self.patch(res, ns, name, sub, body, query)
        if m == "DELETE" and name and not sub:
            return self.delete(res, ns, name, body)
        if m == "DELETE" and not name:
            return self.delete_collection(res, ns, query, body)
        action = {"POST": "create", "PUT": "update", "PATCH": "patch",
                  "DELETE": "delete"}.get(m, m.lower())
        raise ApiError(status_body(405, "MethodNotAllowed",
                                   f'{action} is not supported on resources of kind '
                                   f'"{res.qualified()}"', {"group": res.group,
                                                            "kind": res.plural}))

    def _decode(self, body: bytes) -> dict:
        ctype = self.headers.get("Content-Type", "application/json").split(";")[0].strip()
        try:
            if "yaml" in ctype:
                if yaml is None:
                    raise ValueError("PyYAML is not installed")
                obj = yaml.safe_load(body.decode())
            else:
                obj = json.loads(body.decode() or "null")
        except (ValueError, UnicodeDecodeError, YAMLError) as e:
            raise err_bad_request(f"error decoding the request body: {e}")
        if not isinstance(obj, dict):
            raise err_bad_request("Object 'Kind' is missing in '" + body.decode(errors="replace")
                                  [:200] + "'")
        return obj

    def _out(self, res: Resource, obj: dict) -> dict:
        """An object as GET and the watch give it: kind and apiVersion first."""
        out = {"kind": res.kind, "apiVersion": res.api_version}
        out.update({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")})
        if isinstance(out.get("metadata"), dict):
            out["metadata"] = ordered_metadata(out["metadata"])
        return out

    def _check_ns(self, res: Resource, ns: str):
        # The NamespaceLifecycle admission plugin: no objects in a namespace that is not there.
        if res.namespaced and ("namespaces", "", ns) not in self.api.objects:
            raise ApiError(status_body(404, "NotFound", f'namespaces "{ns}" not found',
                                       {"name": ns, "kind": "namespaces"}))

    def get(self, res: Resource, ns: str, name: str):
        with self.api.lock:
            obj = self.api.objects.get((res.storage, ns, name))
            if obj is None:
                raise err_not_found(res, name)
            out = self._out(res, copy.deepcopy(obj))
        self.send_json(200, out)

    def _parse_rv(self, v: str) -> int:
        try:
            n = int(v)
            if n < 0:
                raise ValueError
            return n
        except ValueError:
            raise err_bad_request(f'invalid resource version "{v}"') from None

    def _wait_for_rv(self, rv: int):
        """watchCache.waitUntilFreshAndBlock: an RV newer than the server's waits up to 3 s
        (--future-rv-wait) and then fails with "Too large resource version"."""
        api = self.api
        deadline = time.time() + api.args.future_rv_wait
        while api.rv < rv:
            left = deadline - time.time()
            if left <= 0:
                raise err_too_large_rv(rv, api.rv)
            api.cond.wait(left)

    def list(self, res: Resource, ns: str, query: dict):
        api = self.api
        try:
            lsel = parse_label_selector(query.get("labelSelector", ""))
        except ValueError as e:
            raise err_bad_request(f"unable to parse requirement: {e}")
        fsel = parse_field_selector(query.get("fieldSelector", ""), res)
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            raise err_bad_request(f"invalid limit {query.get('limit')!r}")
        rv_q = query.get("resourceVersion", "")
        match = query.get("resourceVersionMatch", "")
        cont = query.get("continue", "")
        if match and not rv_q:
            raise err_invalid(("meta.k8s.io", "ListOptions"), "", [(
                "FieldValueForbidden", "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")])
        if match and match not in ("Exact", "NotOlderThan"):
            raise err_invalid(("meta.k8s.io", "ListOptions"), "", [(
                "FieldValueNotSupported", "resourceVersionMatch",
                f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"')])
        if cont and rv_q and rv_q != "0":  # etcd3 store GetList
            raise err_bad_request("specifying resource version is not allowed when using continue")
        # The key prefix under which names are listed (etcd: /registry/<res>/[<ns>/]).
        prefix_ns = bool(res.namespaced and not ns)
        with api.lock:
            start_key = ""
            if cont:
                try:
                    data = json.loads(base64.urlsafe_b64decode(cont + "=" * (-len(cont) % 4)))
                    tok_rv = int(data["rv"])
                    start_key = data["start"]
                    if data.get("v") != "meta.k8s.io/v1":
                        raise ValueError("version")
                    if tok_rv == 0 or not start_key:
                        raise ValueError("rv/start")
                except (ValueError, KeyError, TypeError) as e:
                    raise err_bad_request(f"continue key is not valid: {e}") from None
                if tok_rv == -1:  # "continue at the latest RV", after a 410
                    at = api.rv
                elif tok_rv < api.compacted:
                    newtok = self._continue_token(start_key, -1)
                    raise err_expired(CONTINUE_EXPIRED, cont=newtok)
                else:
                    at = tok_rv
            elif rv_q and rv_q != "0":
                want = self._parse_rv(rv_q)
                if match == "Exact":
                    if want < api.compacted:
                        raise err_expired(LIST_EXPIRED)
                    if want > api.rv:
                        self._wait_for_rv(want)
                    at = want
                else:
                    if want > api.rv:
                        self._wait_for_rv(want)
                    at = api.rv
            else:
                at = api.rv
            state = api.snapshot(res, at) if at != api.rv else {
                k: v for k, v in api.objects.items() if k[0] == res.storage}
            items = []
            for (sid, ons, oname), obj in state.items():
                if ns and ons != ns:
                    continue
                key = f"{ons}/{oname}" if prefix_ns else oname
                items.append((key, obj))
            items.sort(key=lambda kv: kv[0])
            if start_key:
                items = [kv for kv in items if kv[0] >= start_key]
            matched = [(k, o) for k, o in items
                       if labels_match(lsel, o["metadata"].get("labels"))
                       and fields_match(fsel, o)]
            md: dict = {"resourceVersion": str(at)}
            if limit > 0 and len(matched) > limit:
                page = matched[:limit]
                md["continue"] = self._continue_token(page[-1][0] + "\x00", at)
                if not lsel and not fsel:
                    md["remainingItemCount"] = len(items) - limit
            else:
                page = matched
            out_items = []
            for _, o in page:
                o = copy.deepcopy(o)
                if res.crd:  # unstructured items keep their kind and apiVersion
                    o = self._out(res, o)
                else:
                    o["metadata"] = ordered_metadata(o["metadata"])
                out_items.append(o)
        body = {"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": md,
                "items": out_items}
        self.send_json(200, body)

    @staticmethod
    def _continue_token(start: str, rv: int) -> str:
        tok = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(tok.encode()).decode().rstrip("=")

    # -- watch -------------------------------------------------------------------------------

    def _chunk(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    @staticmethod
    def _event_line(etype: str, obj: dict) -> bytes:
        return (json.dumps({"type": etype, "object": obj}, separators=(",", ":")) + "\n").encode()

    def watch(self, res: Resource, ns: str, name: str, query: dict):
        api = self.api
        try:
            lsel = parse_label_selector(query.get("labelSelector", ""))
        except ValueError as e:
            raise err_bad_request(f"unable to parse requirement: {e}")
        fsel = parse_field_selector(query.get("fieldSelector", ""), res)
        fname = name
        for k, op, v in fsel:
            if k == "metadata.name" and op == "=":
                fname = fname or v
        bookmarks = _qbool(query.get("allowWatchBookmarks"))
        rv_q = query.get("resourceVersion", "")
        match = query.get("resourceVersionMatch", "")
        send_initial = query.get("sendInitialEvents")
        if send_initial is not None:
            errs = []
            if match != "NotOlderThan":
                errs.append(("FieldValueForbidden", "resourceVersionMatch",
                             "Forbidden: sendInitialEvents requires setting resourceVersionMatch "
                             "to NotOlderThan"))
            if _qbool(send_initial) and not bookmarks:
                errs.append(("FieldValueForbidden", "allowWatchBookmarks",
                             "Forbidden: sendInitialEvents requires setting allowWatchBookmarks "
                             "to true"))
            if errs:
                raise err_invalid(("meta.k8s.io", "ListOptions"), "", errs)
        elif match:
            raise err_invalid(("meta.k8s.io", "ListOptions"), "", [(
                "FieldValueForbidden", "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                "is provided")])
        try:
            timeout = float(query.get("timeoutSeconds") or 0)
        except ValueError:
            raise err_bad_request("invalid timeoutSeconds")
        if timeout <= 0:  # unset or 0: the server's --min-request-timeout (handlers/get.go)
            timeout = float(api.args.watch_timeout)
        initial_end = False
        w = Watcher(0, res, ns, fname, lsel, fsel, bookmarks, self.path, rv_q)
        error_event = None
        with api.lock:
            initial = []
            replay_from = None
            if send_initial is not None and _qbool(send_initial):
                # Watch-list (KEP 3157): the current state as ADDED, then a bookmark annotated
                # k8s.io/initial-events-end.
                if rv_q and rv_q != "0":
                    want = self._parse_rv(rv_q)
                    try:
                        self._wait_for_rv(want)
                    except ApiError as e:
                        error_event = e.status
                initial = self._current(res, w)
                initial_end = True
                start = api.rv
            elif send_initial is not None:
                # sendInitialEvents=false: no initial state, changes after RV (or from now).
                replay_from = self._parse_rv(rv_q) if rv_q and rv_q != "0" else api.rv
            elif not rv_q or rv_q == "0":
                # "Start at most recent" (unset) and "start at any" (0): synthetic ADDED events
                # for the current objects, then the changes (watch_cache.go
                # getAllEventsSinceLocked).
                initial = self._current(res, w)
                start = api.rv
            else:
                replay_from = self._parse_rv(rv_q)
            if replay_from is not None:
                start = replay_from
                if start < api.compacted:
                    # watch_cache_history.go GetIntervalLocked; sent as an ERROR event with
                    # HTTP 200 (cacher.go newErrWatcher).
                    error_event = err_expired(
                        f"too old resource version: {start} ({api.compacted})").status
                else:
                    for ev in api.history:
                        if ev.rv > start and ev.storage == res.storage:
                            conv = w.convert(ev)
                            if conv:
                                initial.append((conv[0], conv[1], ev.rv))
            if error_event is None:
                w.id = api.next_watch
                api.next_watch += 1
                w.queue.extend(initial)
                if initial_end:
                    w.queue.append(("BOOKMARK-END", None, start))
                api.watchers[w.id] = w
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._count_response(200)
        if error_event is not None:
            self._chunk(self._event_line("ERROR", error_event))
            self._chunk(b"")
            return
        try:
            self._stream(w, res, timeout)
        finally:
            with api.lock:
                api.watchers.pop(w.id, None)

    def _client_gone(self) -> bool:
        """Whether the watch's client closed its end (Go sees it as the request context ending).
        Nothing else reads this connection while the watch runs."""
        sock = self.connection
        try:
            r, _, _ = select.select([sock], [], [], 0)
            if not r:
                return False
            sock.setblocking(False)
            try:
                return sock.recv(4096) == b""
            finally:
                sock.settimeout(self.timeout)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            return False
        except (OSError, ValueError):
            return True

    def _current(self, res: Resource, w: Watcher) -> list:
        return [("ADDED", o, int(o["metadata"]["resourceVersion"]))
                for (sid, _, _), o in sorted(self.api.objects.items())
                if sid == res.storage and w.matches(o)]

    def _bookmark(self, res: Resource, rv: int, initial_end: bool) -> dict:
        md: dict = {"resourceVersion": str(rv)}
        if initial_end:
            md["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {"kind": res.kind, "apiVersion": res.api_version, "metadata": md}

    def _stream(self, w: Watcher, res: Resource, timeout: float):
        api = self.api
        t0 = time.time()
        deadline = t0 + timeout if timeout > 0 else None
        interval = api.args.bookmark_interval
        next_bookmark = t0 + interval if interval > 0 else None
        # cache_watcher.go nextBookmarkTime: also one bookmark 2 s before the deadline.
        pre_deadline = deadline - 2 if deadline and timeout > 2 else None
        while True:
            out: list[bytes] = []
            cut = ""
            mid = False
            with api.lock:
                while True:
                    now = time.time()
                    frozen = api.freeze_forever or now < api.freeze_until
                    if w.cut and w.cut != "mid-event":
                        cut = w.cut
                        break
                    if api.stopping:
                        cut = "drop"
                        break
                    if deadline and now >= deadline:
                        cut = "clean"
                        break
                    if not frozen and w.queue:
                        break
                    if self._client_gone():
                        cut = "gone"
                        break
                    due = w.bookmarks and not frozen and (
                        (next_bookmark and now >= next_bookmark)
                        or (pre_deadline and now >= pre_deadline))
                    if due:
                        break
                    waits = [0.25]
                    for t in (deadline, next_bookmark if w.bookmarks else None,
                              pre_deadline if w.bookmarks else None):
                        if t:
                            waits.append(t - now)
                    api.cond.wait(max(0.005, min(waits)))
                if not cut:
                    now = time.time()
                    frozen = api.freeze_forever or now < api.freeze_until
                    while not frozen and w.queue:
                        etype, obj, rv = w.queue.popleft()
                        if etype == "BOOKMARK-END":
                            out.append(self._event_line("BOOKMARK",
                                                        self._bookmark(res, rv, True)))
                        else:
                            out.append(self._event_line(etype, self._out(res, obj)))
                    if w.bookmarks and not frozen and (
                            (next_bookmark and now >= next_bookmark)
                            or (pre_deadline and now >= pre_deadline)):
                        out.append(self._event_line("BOOKMARK",
                                                    self._bookmark(res, api.rv, False)))
                        if next_bookmark and now >= next_bookmark:
                            next_bookmark = now + interval
                        if pre_deadline and now >= pre_deadline:
                            pre_deadline = None
                    mid = w.cut == "mid-event" and bool(out)
            if cut == "clean":
                self._chunk(b"")
                return
            if cut == "gone":
                self.close_connection = True
                return
            if cut == "drop":
                _abort(self.connection)
                raise CutConnection()
            if mid:
                line = out[0]
                self._chunk(line[: max(1, len(line) // 2)])
                _abort(self.connection)
                raise CutConnection()
            for line in out:
                self._chunk(line)

    # -- writes ------------------------------------------------------------------------------

    def _check_kind(self, res: Resource, obj: dict):
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if av and av != res.api_version and not (res.crd and av.startswith(res.group + "/")):
            raise err_bad_request(f"the API version in the data ({av}) does not match the "
                                  f"expected API version ({res.api_version})")
        if kind and kind != res.kind:
            raise err_bad_request(f"the kind in the data ({kind}) does not match the expected "
                                  f"kind ({res.kind})")
        md = obj.get("metadata")
        if md is None:
            obj["metadata"] = {}
        elif not isinstance(md, dict):
            raise err_bad_request("metadata must be an object")

    def _ns_matches(self, res: Resource, ns: str, md: dict):
        # rest.EnsureObjectNamespaceMatchesRequestNamespace
        ons = md.get("namespace", "")
        if not res.namespaced:
            md.pop("namespace", None)
        elif not ons:
            md["namespace"] = ns
        elif ons != ns:
            raise err_bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")

    def _strip(self, obj: dict) -> dict:
        obj = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        md = obj.setdefault("metadata", {})
        md.pop("selfLink", None)
        md.pop("managedFields", None)
        return obj

    def create(self, res: Resource, ns: str, body: bytes, query: dict):
        api = self.api
        obj = self._decode(body)
        self._check_kind(res, obj)
        obj = self._strip(obj)
        md = obj["metadata"]
        with api.lock:
            self._ns_matches(res, ns, md)
            if md.get("resourceVersion"):
                raise err_unknown(500, "resourceVersion should not be set on objects to be "
                                       "created")
            if not md.get("name"):
                if md.get("generateName"):
                    md["name"] = md["generateName"] + _generate_suffix()
                else:
                    raise err_invalid((res.group, res.kind), "", [(
                        "FieldValueRequired", "metadata.name",
                        "Required value: name or generateName is required")])
            name = md["name"]
            validate_object(res, obj)
            self._check_ns(res, ns)
            if (res.storage, ns, name) in api.objects:
                raise err_already_exists(res, name)
            for k in ("deletionTimestamp", "deletionGracePeriodSeconds"):
                md.pop(k, None)
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            if res.status and not res.status_on_create:
                obj.pop("status", None)
            if res.generation:
                md["generation"] = 1
            if res.defaulter:
                res.defaulter(api, obj, None)
            stored = api._commit("ADDED", res, ns, name, obj, None)
            out = self._out(res, copy.deepcopy(stored))
        self.send_json(201, out)

    def _prepare_update(self, res: Resource, sub: str, new: dict, old: dict) -> dict:
        """rest.BeforeUpdate and the strategies' PrepareForUpdate."""
        md, omd = new["metadata"], old["metadata"]
        if sub == "status":
            # Status strategies: only .status changes (metav1.ResetObjectMetaForStatus and
            # newX.Spec = oldX.Spec; customresource status_strategy.go).
            out = copy.deepcopy(old)
            if "status" in new:
                out["status"] = new["status"]
            else:
                out.pop("status", None)
            out["metadata"]["resourceVersion"] = md.get("resourceVersion", "")
            return out
        if res.status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        md["generation"] = omd.get("generation")
        if md["generation"] is None:
            del md["generation"]
        self.api._bump_generation(res, new, old)
        if not md.get("uid"):
            md["uid"] = omd.get("uid")
        md["creationTimestamp"] = omd.get("creationTimestamp")
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            if k in omd:
                md[k] = omd[k]
            else:
                md.pop(k, None)
        if res.defaulter:
            res.defaulter(self.api, new, old)
        return new

    def _apply_update(self, res: Resource, ns: str, name: str, sub: str, new: dict,
                      old: Optional[dict], code_if_created: int = 201) -> tuple[int, dict]:
        """registry Store.Update: create-on-update, preconditions, optimistic concurrency, no
        write when nothing changed. Called with the lock held."""
        api = self.api
        validate_object(res, new)
        md = new["metadata"]
        if old is None:
            if not res.create_on_update or sub:
                raise err_not_found(res, name)
            self._check_ns(res, ns)
            md.pop("resourceVersion", None)
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            for k in ("deletionTimestamp", "deletionGracePeriodSeconds"):
                md.pop(k, None)
            if res.status and not res.status_on_create:
                new.pop("status", None)
            if res.generation:
                md["generation"] = 1
            if res.defaulter:
                res.defaulter(api, new, None)
            return code_if_created, api._commit("ADDED", res, ns, name, new, None)
        omd = old["metadata"]
        # The UID in the new object is a precondition (rest.defaultUpdatedObjectInfo).
        if md.get("uid") and md["uid"] != omd.get("uid"):
            raise err_conflict(res, name, f"Precondition failed: UID in precondition: "
                                          f"{md['uid']}, UID in object meta: {omd.get('uid')}")
        new_rv = md.get("resourceVersion") or ""
        if not new_rv or new_rv == "0":
            if not res.unconditional_update:
                # Store.Update builds this GroupKind from the resource: "leases.coordination..."
                raise err_invalid((res.group, res.plural), name, [("FieldValueInvalid", "metadata.resourceVersion",
                                          "Invalid value: 0x0: must be specified for an update")])
            new_rv = omd["resourceVersion"]
        elif new_rv != omd["resourceVersion"]:
            raise err_conflict(res, name)
        md["resourceVersion"] = new_rv
        new = self._prepare_update(res, sub, new, old)
        new["metadata"]["resourceVersion"] = omd["resourceVersion"]
        # A deleting object whose last finalizer goes is deleted (Store.Update deleteObj).
        if omd.get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            stored = api._commit("MODIFIED", res, ns, name, new, old)
            last = copy.deepcopy(stored)
            api._delete_now(res, ns, name)
            return 200, last
        if new == old:  # etcd3 GuaranteedUpdate: an unchanged object is not written
            return 200, old
        return 200, api._commit("MODIFIED", res, ns, name, new, old)

    def update(self, res: Resource, ns: str, name: str, sub: str, obj: dict):
        api = self.api
        self._check_kind(res, obj)
        obj = self._strip(obj)
        md = obj["metadata"]
        if md.get("name") and md["name"] != name:
            raise err_bad_request(f"the name of the object ({md['name']}) does not match the "
                                  f"name on the URL ({name})")
        md["name"] = name
        with api.lock:
            self._ns_matches(res, ns, md)
            old = api.objects.get((res.storage, ns, name))
            code, stored = self._apply_update(res, ns, name, sub, obj,
                                              copy.deepcopy(old) if old else None)
            out = self._out(res, copy.deepcopy(stored))
        self.send_json(code, out)

    def patch(self, res: Resource, ns: str, name: str, sub: str, body: bytes, query: dict):
        api = self.api
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        kinds = ["application/json-patch+json", "application/merge-patch+json",
                 "application/apply-patch+yaml"]
        if not res.crd:
            kinds.insert(2, "application/strategic-merge-patch+json")
        if ctype not in kinds:
            raise ApiError(status_body(415, "UnsupportedMediaType",
                                       "the body of the request was in an unknown format - "
                                       "accepted media types include: " + ", ".join(kinds)))
        try:
            if ctype == "application/apply-patch+yaml":
                if yaml is None:
                    raise ValueError("PyYAML is not installed")
                patch = yaml.safe_load(body.decode())
                if not query.get("fieldManager"):
                    raise err_bad_request("PATCH requests with apply content type must specify "
                                          "fieldManager")
            else:
                patch = json.loads(body.decode() or "null")
        except (ValueError, UnicodeDecodeError, YAMLError) as e:
            raise err_bad_request(f"error decoding patch: {e}")
        with api.lock:
            old = api.objects.get((res.storage, ns, name))
            if old is None and ctype != "application/apply-patch+yaml":
                raise err_not_found(res, name)
            base = self._out(res, copy.deepcopy(old)) if old else {
                "kind": res.kind, "apiVersion": res.api_version,
                "metadata": {"name": name, **({"namespace": ns} if res.namespaced else {})}}
            try:
                if ctype == "application/json-patch+json":
                    patched = json_patch(base, patch)
                else:
                    if not isinstance(patch, dict):
                        raise PatchError("a merge patch must be an object")
                    patched = merge_patch(base, patch)
            except PatchError as e:
                raise ApiError(status_body(422, "Invalid", f"the server rejected our request "
                                                           f"due to an error in our request: {e}",
                                           {})) from None
            if not isinstance(patched, dict):
                raise err_bad_request("the patched object is not an object")
            self._check_kind(res, patched)
            patched = self._strip(patched)
            pmd = patched["metadata"]
            if pmd.get("name", name) != name:
                raise err_bad_request(f"the name of the object ({pmd.get('name')}) does not "
                                      f"match the name on the URL ({name})")
            pmd["name"] = name
            self._ns_matches(res, ns, pmd)
            if old is not None and not pmd.get("resourceVersion"):
                pmd["resourceVersion"] = old["metadata"]["resourceVersion"]
            code, stored = self._apply_update(res, ns, name, sub, patched,
                                              copy.deepcopy(old) if old else None)
            out = self._out(res, copy.deepcopy(stored))
        self.send_json(code, out)

    def _delete_options(self, body: bytes) -> dict:
        if not body.strip():
            return {}
        try:
            opts = json.loads(body.decode())
        except (ValueError, UnicodeDecodeError) as e:
            raise err_bad_request(f"error decoding DeleteOptions: {e}")
        return opts if isinstance(opts, dict) else {}

    def delete(self, res: Resource, ns: str, name: str, body: bytes):
        api = self.api
        opts = self._delete_options(body)
        pre = opts.get("preconditions") or {}
        with api.lock:
            old = api.objects.get((res.storage, ns, name))
            if old is None:
                raise err_not_found(res, name)
            omd = old["metadata"]
            # storage.Preconditions.Check (storage/interfaces.go)
            if pre.get("uid") and pre["uid"] != omd.get("uid"):
                raise err_conflict(res, name, f"Precondition failed: UID in precondition: "
                                              f"{pre['uid']}, UID in object meta: "
                                              f"{omd.get('uid')}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != omd["resourceVersion"]:
                raise err_conflict(res, name, f"Precondition failed: ResourceVersion in "
                                              f"precondition: {pre['resourceVersion']}, "
                                              f"ResourceVersion in object meta: "
                                              f"{omd['resourceVersion']}")
            if omd.get("finalizers"):
                # Finalizers pending: the object stays with a deletionTimestamp; the response is
                # the object (Store.Delete, updateForGracefulDeletionAndFinalizers).
                if omd.get("deletionTimestamp"):
                    out = self._out(res, copy.deepcopy(old))
                else:
                    new = copy.deepcopy(old)
                    new["metadata"]["deletionTimestamp"] = now_rfc3339()
                    new["metadata"]["deletionGracePeriodSeconds"] = 0
                    out = self._out(res, copy.deepcopy(
                        api._commit("MODIFIED", res, ns, name, new, old)))
            else:
                last = copy.deepcopy(old)
                api._delete_now(res, ns, name)
                if res.return_deleted:
                    out = self._out(res, last)
                else:
                    out = status_body(0, "", "", {"name": name, "group": res.group,
                                                  "kind": res.plural, "uid": omd.get("uid")},
                                      status="Success")
        self.send_json(200, out)

    def delete_collection(self, res: Resource, ns: str, query: dict, body: bytes):
        api = self.api
        try:
            lsel = parse_label_selector(query.get("labelSelector", ""))
        except ValueError as e:
            raise err_bad_request(f"unable to parse requirement: {e}")
        fsel = parse_field_selector(query.get("fieldSelector", ""), res)
        with api.lock:
            items = []
            for (sid, ons, oname), obj in sorted(api.objects.items()):
                if sid != res.storage or (ns and ons != ns):
                    continue
                if labels_match(lsel, obj["metadata"].get("labels")) and fields_match(fsel, obj):
                    items.append((ons, oname, copy.deepcopy(obj)))
            for ons, oname, _ in items:
                api._delete_now(res, ons, oname)
            body_out = {"kind": f"{res.kind}List", "apiVersion": res.api_version,
                        "metadata": {"resourceVersion": str(api.rv)},
                        "items": [self._out(res, o) if res.crd else o for _, _, o in items]}
        self.send_json(200, body_out)

    # -- the control API (/_fake/...) --------------------------------------------------------

    def control(self, path: str, query: dict, body: bytes):
        # The answer is built under the lock and sent after it: no socket I/O with the lock held.
        try:
            code, out = self._control_op(path, query, body)
        except ApiError as e:
            code, out = e.code, e.status
        except (ValueError, TypeError, re.error, KeyError, AttributeError) as e:
            code, out = 400, err_bad_request(f"{type(e).__name__}: {e}").status
        self.send_json(code, out)

    def _control_op(self, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        api = self.api
        doc = {}
        if body.strip() and path not in ("/_fake/load", "/_fake/delete"):
            doc = json.loads(body.decode())
            if not isinstance(doc, dict):
                raise err_bad_request("the body must be a JSON object")
        op = path[len("/_fake/"):].strip("/")
        if op == "load":
            docs = self._documents(body)
            with api.lock:
                applied = []
                for d in docs:
                    if d.get("kind", "").endswith("List") and isinstance(d.get("items"),
                                                                         list):
                        for item in d["items"]:
                            applied.append(api._control_apply(item))
                    else:
                        applied.append(api._control_apply(d))
                return (200, {"applied": applied, "resourceVersion": str(api.rv)})
        if op == "delete":
            docs = self._documents(body)
            with api.lock:
                out = [api.control_delete(d) for d in docs]
                return (200, {"deleted": out, "resourceVersion": str(api.rv)})
        if op == "objects":
            with api.lock:
                items = []
                for (sid, ns, name), o in sorted(api.objects.items()):
                    r = api.storage_res[sid]
                    if query.get("resource") and query["resource"] not in (
                            r.plural, r.qualified()):
                        continue
                    items.append(self._out(r, copy.deepcopy(o)))
                return (200, {"resourceVersion": str(api.rv), "items": items})
        if op == "fail":
            retry = doc.get("retryAfter")
            rule = {"count": int(doc.get("count", 1)), "code": int(doc.get("code", 500)),
                    "path": str(doc.get("path", "")), "verb": str(doc.get("verb", "")),
                    "retryAfter": None if retry is None else int(retry),
                    "message": str(doc.get("message", "")),
                    "action": str(doc.get("action", "")), "body": str(doc.get("body", "text"))}
            if not 100 <= rule["code"] <= 599:
                raise ValueError("code must be an HTTP status")
            if rule["path"]:
                re.compile(rule["path"])
            with api.lock:
                api.fail_rules.append(rule)
            return (200, {"fail": rule})
        if op == "stall":
            ms = float(doc.get("ms", 0))
            mode = doc.get("mode", "delay")
            with api.lock:
                if mode == "freeze":
                    if ms <= 0:
                        api.freeze_forever = True
                    else:
                        api.freeze_until = time.time() + ms / 1000.0
                elif mode == "delay":
                    count = doc.get("count")
                    rule = {"ms": ms, "count": None if count is None else int(count),
                            "path": str(doc.get("path", "")), "verb": str(doc.get("verb", ""))}
                    if rule["path"]:
                        re.compile(rule["path"])
                    api.stall_rules.append(rule)
                else:
                    raise err_bad_request("mode is delay or freeze")
                api.cond.notify_all()
            return (200, {"stall": mode, "ms": ms})
        if op == "clear":
            with api.lock:
                api.fail_rules.clear()
                api.stall_rules.clear()
                api.freeze_until = 0
                api.freeze_forever = False
                api.cond.notify_all()
            return (200, {"cleared": True})
        if op == "cut":
            mode = doc.get("mode", "clean")
            if doc.get("path"):
                re.compile(str(doc["path"]))
            if mode not in ("clean", "drop", "mid-event"):
                raise err_bad_request("mode is clean, drop or mid-event")
            n = 0
            with api.lock:
                for w in api.watchers.values():
                    if doc.get("path") and not re.search(doc["path"], w.path):
                        continue
                    w.cut = mode
                    n += 1
                api.cond.notify_all()
            return (200, {"cut": n, "mode": mode})
        if op == "disconnect":
            return (200, {"disconnected": self._drop_connections()})
        if op == "restart":
            # An apiserver restart in place: every connection drops, new ones are reset for
            # down_ms, and the watch cache starts over at the current RV (unless
            # keepHistory), so older watch RVs get 410.
            with api.lock:
                api.down_until = time.time() + float(doc.get("down_ms", 0)) / 1000.0
                if not doc.get("keepHistory"):
                    api.history.clear()
                    api.compacted = api.rv
                api.save()
            self._drop_connections()
            self.close_connection = True
            return (200, {"restarted": True, "resourceVersion": str(api.rv),
                          "compacted": str(api.compacted)})
        if op == "compact":
            rv = doc.get("resourceVersion", doc.get("rv"))
            c = api.compact(None if rv is None else int(rv))
            return (200, {"compacted": str(c), "resourceVersion": str(api.rv)})
        if op == "tokens":
            for k in ("add", "expire", "remove"):
                v = doc.get(k)
                if v is not None and not isinstance(v, str) and not (
                        isinstance(v, list) and all(isinstance(t, str) for t in v)):
                    raise ValueError(f"{k}: a token or a list of tokens")
            def tokens(k):  # a token or a list of them
                v = doc.get(k)
                return v if isinstance(v, list) else [v] if v else []

            with api.lock:
                for t in tokens("add"):
                    api.tokens[t] = True
                for t in tokens("expire"):
                    api.tokens[t] = False
                for t in tokens("remove"):
                    api.tokens.pop(t, None)
                return (200, {"tokens": {t: ("valid" if v else "expired")
                                         for t, v in api.tokens.items()}})
        if op == "stats":
            with api.lock:
                return (200, self._stats())
        if op == "stats/reset":
            with api.lock:
                api.stats.clear()
                api.responses.clear()
                api.total = 0
                return (200, self._stats())
        if op == "state":
            with api.lock:
                api.save()
            return (200, {"saved": bool(api.args.state)})
        return (404, status_body(404, "NotFound", f"no control call {op!r}"))

    def _drop_connections(self) -> int:
        """Resets every connection but this one: watches at their next turn, idle keep-alive
        connections by a shutdown their own thread then sees."""
        api = self.api
        with api.lock:
            conns = [c for c in api.connections if c is not self.connection]
            for w in api.watchers.values():
                w.cut = "drop"
            api.cond.notify_all()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(conns)

    def _stats(self) -> dict:
        api = self.api
        return {"resourceVersion": str(api.rv), "compacted": str(api.compacted),
                "requests": dict(sorted(api.stats.items())),
                "responses": dict(sorted(api.responses.items())), "total": api.total,
                "open_watches": len(api.watchers),
                "watches": [{"id": w.id, "resource": w.res.qualified(), "namespace": w.namespace,
                             "resourceVersion": w.start_rv, "path": w.path}
                            for w in api.watchers.values()],
                "connections": len(api.connections), "history": len(api.history)}

    def _documents(self, body: bytes) -> list[dict]:
        text = body.decode()
        try:
            d = json.loads(text)
            docs = d if isinstance(d, list) else [d]
        except ValueError:
            if yaml is None:
                raise err_bad_request("YAML needs PyYAML (python3-yaml)")
            try:
                docs = [d for d in yaml.safe_load_all(text) if d is not None]
            except YAMLError as e:
                raise err_bad_request(f"bad YAML: {e}")
        for d in docs:
            if not isinstance(d, dict):
                raise err_bad_request("every document must be an object")
        return docs


class ApiHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, tls: Optional[ssl.SSLContext]):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.tls = tls
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS handshakes run on the connection's thread so one slow client does not stall the
        # accept loop.
        if self.tls:
            try:
                request.settimeout(10)
                request = self.tls.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                return
            try:
                self.RequestHandlerClass(request, client_address, self)
            finally:
                try:
                    request.close()
                except OSError:
                    pass
            return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        if self.RequestHandlerClass.api.args.verbose:
            traceback.print_exc(file=sys.stderr)


def make_tls(args) -> Optional[ssl.SSLContext]:
    if not args.cert:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])  # no HTTP/2 here: curl falls back to 1.1
    if args.client_ca:
        ctx.load_verify_locations(args.client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def write_kubeconfig(path: str, url: str, ca: Optional[str], token: Optional[str]):
    user: dict = {"token": token} if token else {}
    cluster: dict = {"server": url}
    if ca:
        with open(ca, "rb") as f:
            cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
    cfg = {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
           "clusters": [{"name": "fake", "cluster": cluster}],
           "users": [{"name": "fake", "user": user}],
           "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake",
                                                     "namespace": "default"}}]}
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)  # JSON is YAML


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1",
                    help="127.0.0.1 (default) or ::1; another address only with --in-netns")
    ap.add_argument("--save-interval", type=float, default=0.2,
                    help="with --state: write the state at most this often, in seconds (and at "
                         "SIGTERM); 0: on every write, before answering")
    ap.add_argument("--in-netns", action="store_true",
                    help="the server runs in a network namespace the test created (ip netns "
                         "exec): --host may be that namespace's address")
    ap.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--control-port", type=int, default=None,
                    help="also serve /_fake/ on this plain-HTTP port (0: a free one)")
    ap.add_argument("--cert", help="server certificate (PEM): serve HTTPS")
    ap.add_argument("--key", help="server key (PEM)")
    ap.add_argument("--tls-dir", help="generate (if missing) and use a CA and certificates in "
                    "this directory: ca.crt, server.crt/key, client.crt/key")
    ap.add_argument("--gen-certs", metavar="DIR", help="only generate certificates and exit")
    ap.add_argument("--client-ca", help="accept client certificates signed by this CA")
    ap.add_argument("--token", action="append", help="an accepted bearer token (repeatable); "
                    "none and no --client-ca: no authentication")
    ap.add_argument("--kubeconfig", help="write a kubeconfig for this server here")
    ap.add_argument("--state", help="persist objects, RV and history here; load it at start")
    ap.add_argument("--persist-history", action="store_true",
                    help="after a restart, replay the saved history to watches (default: as a "
                    "restarted apiserver, watches older than the current RV get 410)")
    ap.add_argument("--history-events", type=int, default=1000,
                    help="events kept for watch replay (default 1000; 0: unlimited)")
    ap.add_argument("--history-seconds", type=float, default=0,
                    help="also drop events older than this (default 0: no time limit)")
    ap.add_argument("--bookmark-interval", type=float, default=60.0,
                    help="seconds between BOOKMARK events (default 60, as the apiserver)")
    ap.add_argument("--watch-timeout", type=float, default=1800.0,
                    help="watch length without timeoutSeconds (default 1800 s)")
    ap.add_argument("--future-rv-wait", type=float, default=3.0,
                    help="seconds an RV newer than the server's waits before 504 (default 3)")
    ap.add_argument("--no-default-namespaces", action="store_true",
                    help="start without default, kube-system, kube-public, kube-node-lease")
    ap.add_argument("--verbose", "-v", action="store_true", help="log requests to stderr")
    args = ap.parse_args(argv)

    if args.gen_certs:
        p = generate_certs(args.gen_certs)
        print(json.dumps(p))
        return 0
    namespaced = args.host not in ("127.0.0.1", "::1", "localhost")
    if args.tls_dir:
        p = generate_certs(args.tls_dir, args.host if namespaced else "")
        args.cert, args.key = args.cert or p["server.crt"], args.key or p["server.key"]
    if args.cert and not args.key:
        ap.error("--cert needs --key")
    if namespaced and not args.in_netns:
        ap.error("listens on loopback only (--host 127.0.0.1 or ::1), or on an address of a "
                 "network namespace the test created, with --in-netns")
    if args.host == "localhost":
        args.host = "127.0.0.1"

    api = Server(args)
    handler = type("BoundHandler", (Handler,), {"api": api})
    tls = make_tls(args)
    httpd = ApiHTTPServer((args.host, args.port), handler, tls)
    port = httpd.server_address[1]
    scheme = "https" if tls else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"{scheme}://{host}:{port}"
    servers = [httpd]
    ctl_line = ""
    if args.control_port is not None:
        ctl_handler = type("ControlHandler", (Handler,), {"api": api, "control_only": True})
        ctl = ApiHTTPServer((args.host, args.control_port), ctl_handler, None)
        servers.append(ctl)
        ctl_line = f"control on http://{host}:{ctl.server_address[1]}"
    if args.kubeconfig:
        ca = os.path.join(args.tls_dir, "ca.crt") if args.tls_dir else None
        write_kubeconfig(args.kubeconfig, url, ca, (args.token or [None])[0])
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"listening on {url}", flush=True)
    if ctl_line:
        print(ctl_line, flush=True)

    def stop(signum, frame):
        # Never wait long for the lock here: the process must end on SIGTERM.
        locked = api.lock.acquire(timeout=2)
        api.stopping = True
        if locked:
            try:
                api.save()
                api.cond.notify_all()
            finally:
                api.lock.release()
        for s in servers:
            threading.Thread(target=s.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def saver():
        while not api.stopping:
            time.sleep(args.save_interval)
            with api.lock:
                if api.dirty and not api.stopping:
                    api.save()

    if args.state and args.save_interval:
        threading.Thread(target=saver, daemon=True).start()
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1},
                                daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.2)
    for s in servers:
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
