#!/usr/bin/env python3
"""Checks deploy/: the Helm chart, the plain manifests, the CRDs, RBAC and the Containerfile.

  deploy/check.py [--bin-dir DIR]     check everything; the last line is "deploy: N passed, M failed"
  deploy/check.py --write             regenerate deploy/manifests/ from the chart, then check
  deploy/check.py --compare-metallb DIR
                                      also compare our CRDs with MetalLB's (DIR: MetalLB's
                                      config/crd/bases), field by field

What it checks (docs/kubernetes.md, "How deploy/ is checked"):
  - yamllint (deploy/.yamllint, --strict) over deploy/ and over every rendering of the chart;
  - the chart renders (a strict subset of Go templates: deploy/gotemplate.py) with its default
    values and with ci/full-values.yaml, and deploy/manifests/ is exactly the default rendering;
  - every document has apiVersion, kind and metadata.name, and the built-in kinds match a schema
    of the fields Kubernetes has (a typo in a field name is an error);
  - the CRDs are valid apiextensions.k8s.io/v1 with structural schemas (each openAPIV3Schema is
    also a valid JSON schema, Draft 7), MetalLB's names and versions, no conversion webhook;
  - MetalLB objects of the repository (tests/, lab/, docs/) validate against our CRDs, as the
    API server with kubectl's strict field validation would;
  - RBAC: the speaker cannot write Services (nor their status), nor MetalLB's configuration; the
    controller writes only the Services' status subresource; no wildcards;
  - the speaker DaemonSet: host network, NET_ADMIN and NET_RAW, never privileged; the controller:
    no host network, no capability; their arguments are vipd's;
  - the Containerfile: Debian 12 images, every package exists (apt-cache), and with --bin-dir,
    every shared library vipd and vipctl link comes from a package the runtime stage installs.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover
    print(f"deploy/check.py: {e}: install python3-yaml and python3-jsonschema "
          f"(scripts/install-deps.sh)")
    print("deploy: 0 passed, 1 failed")
    sys.exit(1)


class K8sLoader(yaml.SafeLoader):
    """YAML as Kubernetes reads it (sigs.k8s.io/yaml, go-yaml v2): YAML 1.1 booleans (yes, on)
    and integers (0x1f, 1_000), but no base-60 numbers: MetalLB's community 1234:1 is a string,
    not 74041, as PyYAML would have it."""


K8sLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
K8sLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"))
K8sLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def load(text):
    return yaml.load(text, Loader=K8sLoader)


def load_all(text):
    return list(yaml.load_all(text, Loader=K8sLoader))


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gotemplate  # noqa: E402

CHART = HERE / "helm" / "vipd"
MANIFESTS = HERE / "manifests"
RELEASE = {"Name": "vipd", "Namespace": "metallb-system", "Service": "Helm"}
# The plain manifests are the chart with its defaults, plus the Namespace object (which Helm
# users get from --create-namespace or from MetalLB's install instead).
PLAIN_OVERRIDES = {"namespace": {"create": True}}
EXAMPLES_EXCLUDED = {
    "tests/data/lb/yaml-cpp-loop.yaml": "deliberately malformed YAML (a parser regression input)",
}
# vipd's command line for Kubernetes (docs/kubernetes.md); --lb-class is MetalLB's.
VIPD_FLAGS = {"--foreground", "--k8s-api", "--node-name", "--lb-controller", "--lb-controller-only",
              "--k8s-namespace", "--metrics-listen", "--socket", "--l2-vrids",
              "--l2-advert-interval", "--l2-garp-refresh", "--log-level", "--lb-config",
              "--lb-class"}
LOG_LEVELS = {"debug", "info", "notice", "warning", "error"}
SPEAKER_CAPS_REQUIRED = {"NET_ADMIN", "NET_RAW"}
SPEAKER_CAPS_ALLOWED = SPEAKER_CAPS_REQUIRED | {"NET_BIND_SERVICE"}
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "*"}
METALLB_CONFIG = {"ipaddresspools", "bgppeers", "bgpadvertisements", "l2advertisements",
                  "communities", "bfdprofiles"}
# MetalLB's CRDs (v0.16) and vipd's BGPSessionStatus; BGPPeer's versions as MetalLB serves them.
EXPECTED_CRDS = {
    "ipaddresspools": ("IPAddressPool", ["v1beta1"]),
    "bgppeers": ("BGPPeer", ["v1beta1", "v1beta2"]),
    "bgpadvertisements": ("BGPAdvertisement", ["v1beta1"]),
    "l2advertisements": ("L2Advertisement", ["v1beta1"]),
    "communities": ("Community", ["v1beta1"]),
    "bfdprofiles": ("BFDProfile", ["v1beta1"]),
    "servicel2statuses": ("ServiceL2Status", ["v1beta1"]),
    "servicebgpstatuses": ("ServiceBGPStatus", ["v1beta1"]),
    "configurationstates": ("ConfigurationState", ["v1beta1"]),
    "bgpsessionstatuses": ("BGPSessionStatus", ["v1beta1"]),
}
# Helm's install order (pkg/releaseutil/kind_sorter.go), which the plain manifests follow.
INSTALL_ORDER = ["PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
                 "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret",
                 "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
                 "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
                 "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
                 "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
                 "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
                 "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def ok(self, what: str):
        self.passed += 1
        print(f"ok    {what}")

    def fail(self, what: str, problems):
        self.failed += 1
        print(f"FAIL  {what}")
        for p in problems:
            for line in str(p).splitlines():
                print(f"      {line}")

    def skip(self, what: str, why: str):
        self.skipped += 1
        print(f"skip  {what}: {why}")

    def check(self, what: str, problems):
        problems = list(problems)
        if problems:
            self.fail(what, problems)
        else:
            self.ok(what)


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(p)


# ---------------------------------------------------------------------------------------------
# Rendering the chart


def merge(base, override):
    """Helm's coalescing of values: maps merge key by key, anything else replaces; null deletes."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for k, v in override.items():
        if v is None:
            out.pop(k, None)
        elif k in out and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def chart_meta():
    meta = load((CHART / "Chart.yaml").read_text())
    return {"Name": meta["name"], "Version": str(meta["version"]),
            "AppVersion": str(meta.get("appVersion", ""))}


def split_documents(text: str):
    docs, current = [], []
    for line in text.split("\n"):
        if re.fullmatch(r"---\s*", line):
            docs.append("\n".join(current))
            current = []
        else:
            current.append(line)
    docs.append("\n".join(current))
    return docs


def render_chart(values_override=None, only=None):
    """Returns [(template name, document text, parsed object)] in Helm's install order."""
    values = load((CHART / "values.yaml").read_text())
    if values_override:
        values = merge(values, values_override)
    context = {"Values": values, "Release": RELEASE, "Chart": chart_meta(),
               "Capabilities": {}}
    out = []
    for path in sorted((CHART / "templates").iterdir()):
        if only and path.name not in only:
            continue
        text = gotemplate.render(path.read_text(), context, f"templates/{path.name}")
        if path.name == "NOTES.txt" or path.name.startswith("_"):
            continue
        for doc in split_documents(text):
            obj = load(doc)
            if obj is None:
                # Helm keeps a document of comments alone as a manifest of its own (kubectl
                # drops it): keep comments inside a document, or in {{/* */}}.
                if doc.strip():
                    raise gotemplate.TemplateError(
                        f"templates/{path.name}: a document of comments alone: "
                        f"{doc.strip().splitlines()[0]!r}")
                continue
            body = "\n".join(line.rstrip() for line in doc.strip("\n").split("\n"))
            out.append((path.name, body, obj))

    def order(item):
        kind = item[2].get("kind") if isinstance(item[2], dict) else None
        return INSTALL_ORDER.index(kind) if kind in INSTALL_ORDER else len(INSTALL_ORDER)

    return sorted(out, key=order)


def manifest_text(rendered, what: str) -> str:
    head = (f"# {what}\n"
            "# Generated by deploy/check.py --write from deploy/helm/vipd with its default values\n"
            "# (and namespace.create=true); do not edit: change the chart and regenerate.\n")
    parts = [head]
    for name, body, _ in rendered:
        parts.append(f"---\n# Source: vipd/templates/{name}\n{body}\n")
    return "".join(parts)


def plain_manifests():
    everything = render_chart(PLAIN_OVERRIDES)
    crds = [r for r in everything if r[2].get("kind") == "CustomResourceDefinition"]
    return {
        MANIFESTS / "vipd.yaml": manifest_text(
            everything, "vipd as MetalLB: kubectl apply -f deploy/manifests/vipd.yaml "
                        "(docs/kubernetes.md)"),
        MANIFESTS / "crds.yaml": manifest_text(
            crds, "The metallb.io CRDs alone: kubectl apply -f deploy/manifests/crds.yaml"),
    }


# ---------------------------------------------------------------------------------------------
# yamllint


def yamllint(paths, stdin_text=None, cwd=HERE):
    exe = shutil.which("yamllint")
    if not exe:
        return ["yamllint not found: install it (scripts/install-deps.sh)"]
    args = [exe, "-c", str(HERE / ".yamllint"), "--strict", "-f", "parsable"]
    args += [str(p) for p in paths] if stdin_text is None else ["-"]
    r = subprocess.run(args, input=stdin_text, capture_output=True, text=True, cwd=cwd)
    if r.returncode == 0:
        return []
    return [line for line in (r.stdout + r.stderr).splitlines() if line.strip()] or [
        f"yamllint exited {r.returncode}"]


# ---------------------------------------------------------------------------------------------
# Schemas of the built-in kinds, reduced to the fields Kubernetes has (and we may use): unknown
# fields are errors, as kubectl's strict field validation makes them.


def obj(props, required=(), open_=False):
    s = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not open_:
        s["additionalProperties"] = False
    return s


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}
STRMAP = {"type": "object", "additionalProperties": STR}
ANYOBJ = {"type": "object"}
INT_OR_STR = {"type": ["integer", "string"]}
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
META = obj({"name": STR, "namespace": STR, "labels": STRMAP, "annotations": STRMAP,
            "generateName": STR}, ["name"])
LABEL_SELECTOR = obj({"matchLabels": STRMAP, "matchExpressions": {"type": "array", "items": obj(
    {"key": STR, "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
     "values": STRS}, ["key", "operator"])}})
RULE = obj({"apiGroups": STRS, "resources": STRS, "verbs": STRS, "resourceNames": STRS,
            "nonResourceURLs": STRS}, ["verbs"])
PROBE = obj({"httpGet": obj({"path": STR, "port": INT_OR_STR, "host": STR,
                             "scheme": {"enum": ["HTTP", "HTTPS"]}}, ["port"]),
             "initialDelaySeconds": INT, "periodSeconds": INT, "timeoutSeconds": INT,
             "successThreshold": INT, "failureThreshold": INT})
CONTAINER = obj({
    "name": STR, "image": STR, "imagePullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
    "command": STRS, "args": STRS,
    "env": {"type": "array", "items": obj({"name": STR, "value": STR, "valueFrom": obj({
        "fieldRef": obj({"fieldPath": STR, "apiVersion": STR}, ["fieldPath"])})}, ["name"])},
    "ports": {"type": "array", "items": obj({"name": STR, "containerPort": INT,
                                             "protocol": {"enum": ["TCP", "UDP", "SCTP"]}},
                                            ["containerPort"])},
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "resources": obj({"requests": ANYOBJ, "limits": ANYOBJ}),
    "securityContext": obj({"privileged": BOOL, "allowPrivilegeEscalation": BOOL,
                            "readOnlyRootFilesystem": BOOL, "runAsNonRoot": BOOL,
                            "runAsUser": INT, "runAsGroup": INT,
                            "capabilities": obj({"add": STRS, "drop": STRS}),
                            "seccompProfile": ANYOBJ}),
    "volumeMounts": {"type": "array", "items": obj({"name": STR, "mountPath": STR,
                                                    "readOnly": BOOL}, ["name", "mountPath"])},
}, ["name", "image"])
POD_SPEC = obj({
    "serviceAccountName": STR, "hostNetwork": BOOL, "hostPID": BOOL, "hostIPC": BOOL,
    "dnsPolicy": {"enum": ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]},
    "terminationGracePeriodSeconds": INT, "imagePullSecrets": {"type": "array", "items": obj(
        {"name": STR}, ["name"])},
    "runtimeClassName": STR, "priorityClassName": STR,
    "securityContext": obj({"runAsNonRoot": BOOL, "runAsUser": INT, "runAsGroup": INT,
                            "fsGroup": INT, "seccompProfile": ANYOBJ, "sysctls": ANYOBJ,
                            "supplementalGroups": {"type": "array"}}),
    "containers": {"type": "array", "items": CONTAINER, "minItems": 1},
    "volumes": {"type": "array", "items": obj({"name": STR, "emptyDir": obj(
        {"medium": STR, "sizeLimit": INT_OR_STR})}, ["name"])},
    "nodeSelector": STRMAP, "affinity": ANYOBJ,
    "tolerations": {"type": "array", "items": obj({"key": STR, "operator": {
        "enum": ["Exists", "Equal"]}, "value": STR, "effect": {"enum": [
            "NoSchedule", "PreferNoSchedule", "NoExecute"]}, "tolerationSeconds": INT})},
}, ["containers"])
POD_TEMPLATE = obj({"metadata": obj({"labels": STRMAP, "annotations": STRMAP}), "spec": POD_SPEC},
                   ["metadata", "spec"])
MONITOR_ENDPOINT = obj({"port": STR, "path": STR, "interval": STR, "scrapeTimeout": STR,
                        "metricRelabelings": {"type": "array", "items": ANYOBJ},
                        "relabelings": {"type": "array", "items": ANYOBJ}}, ["port"])


def top(api, kind, extra, required=()):
    props = {"apiVersion": {"const": api}, "kind": {"const": kind}, "metadata": META}
    props.update(extra)
    return obj(props, ["apiVersion", "kind", "metadata", *required])


BUILTIN = {
    ("v1", "Namespace"): top("v1", "Namespace", {}),
    ("v1", "ServiceAccount"): top("v1", "ServiceAccount", {
        "automountServiceAccountToken": BOOL, "imagePullSecrets": {"type": "array"}}),
    ("v1", "Service"): top("v1", "Service", {"spec": obj({
        "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]},
        "clusterIP": STR, "selector": STRMAP, "ports": {"type": "array", "items": obj({
            "name": STR, "port": INT, "targetPort": INT_OR_STR,
            "protocol": {"enum": ["TCP", "UDP", "SCTP"]}}, ["port"])}})}, ["spec"]),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): top(
        "rbac.authorization.k8s.io/v1", "ClusterRole", {"rules": {"type": "array", "items": RULE}}),
    ("rbac.authorization.k8s.io/v1", "Role"): top(
        "rbac.authorization.k8s.io/v1", "Role", {"rules": {"type": "array", "items": RULE}}),
    **{("rbac.authorization.k8s.io/v1", k): top("rbac.authorization.k8s.io/v1", k, {
        "roleRef": obj({"apiGroup": {"const": "rbac.authorization.k8s.io"},
                        "kind": {"enum": ["Role", "ClusterRole"]}, "name": STR},
                       ["apiGroup", "kind", "name"]),
        "subjects": {"type": "array", "items": obj({"kind": {"enum": [
            "ServiceAccount", "User", "Group"]}, "name": STR, "namespace": STR,
            "apiGroup": STR}, ["kind", "name"])}}, ["roleRef"])
       for k in ("ClusterRoleBinding", "RoleBinding")},
    ("apps/v1", "Deployment"): top("apps/v1", "Deployment", {"spec": obj({
        "replicas": INT, "strategy": ANYOBJ, "selector": LABEL_SELECTOR,
        "template": POD_TEMPLATE}, ["selector", "template"])}, ["spec"]),
    ("apps/v1", "DaemonSet"): top("apps/v1", "DaemonSet", {"spec": obj({
        "updateStrategy": ANYOBJ, "selector": LABEL_SELECTOR, "template": POD_TEMPLATE},
        ["selector", "template"])}, ["spec"]),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): top(
        "monitoring.coreos.com/v1", "ServiceMonitor", {"spec": obj({
            "jobLabel": STR, "selector": LABEL_SELECTOR,
            "namespaceSelector": obj({"matchNames": STRS, "any": BOOL}),
            "endpoints": {"type": "array", "items": MONITOR_ENDPOINT}},
            ["selector", "endpoints"])}, ["spec"]),
    ("monitoring.coreos.com/v1", "PodMonitor"): top(
        "monitoring.coreos.com/v1", "PodMonitor", {"spec": obj({
            "jobLabel": STR, "selector": LABEL_SELECTOR,
            "namespaceSelector": obj({"matchNames": STRS, "any": BOOL}),
            "podMetricsEndpoints": {"type": "array", "items": MONITOR_ENDPOINT}},
            ["selector", "podMetricsEndpoints"])}, ["spec"]),
}
CRD_OBJECT = top("apiextensions.k8s.io/v1", "CustomResourceDefinition", {"spec": obj({
    "group": STR, "scope": {"enum": ["Namespaced", "Cluster"]},
    "names": obj({"kind": STR, "listKind": STR, "plural": STR, "singular": STR,
                  "shortNames": STRS, "categories": STRS}, ["kind", "plural"]),
    "conversion": obj({"strategy": {"enum": ["None", "Webhook"]}, "webhook": ANYOBJ},
                      ["strategy"]),
    "preserveUnknownFields": {"const": False},
    "versions": {"type": "array", "minItems": 1, "items": obj({
        "name": STR, "served": BOOL, "storage": BOOL, "deprecated": BOOL,
        "deprecationWarning": STR,
        "schema": obj({"openAPIV3Schema": ANYOBJ}, ["openAPIV3Schema"]),
        "subresources": obj({"status": obj({}), "scale": ANYOBJ}),
        "additionalPrinterColumns": {"type": "array", "items": obj({
            "name": STR, "type": {"enum": ["integer", "number", "string", "boolean", "date"]},
            "jsonPath": {"type": "string", "pattern": r"^\."}, "description": STR,
            "format": STR, "priority": INT}, ["name", "type", "jsonPath"])},
        "selectableFields": {"type": "array"}}, ["name", "served", "storage", "schema"])}},
    ["group", "names", "scope", "versions"])}, ["spec"])


def schema_problems(schema, instance, where):
    v = jsonschema.Draft7Validator(schema)
    out = []
    for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in e.absolute_path) or "(top)"
        out.append(f"{where}: {path}: {e.message}")
    return out


def document_problems(obj_, where):
    if not isinstance(obj_, dict):
        return [f"{where}: not a mapping"]
    out = []
    for key in ("apiVersion", "kind"):
        if not isinstance(obj_.get(key), str) or not obj_.get(key):
            out.append(f"{where}: no {key}")
    meta = obj_.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        out.append(f"{where}: no metadata.name")
        return out
    kind = obj_.get("kind")
    where = f"{where}: {kind}/{name}"
    # RBAC names are path segments (MetalLB's are "metallb-system:speaker"); others DNS names.
    if kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"):
        if name in (".", "..") or "/" in name or "%" in name:
            out.append(f"{where}: invalid name")
    elif not re.fullmatch(DNS_SUBDOMAIN, name) or len(name) > 253:
        out.append(f"{where}: name is not a DNS subdomain (RFC 1123)")
    key = (obj_.get("apiVersion"), kind)
    if kind == "CustomResourceDefinition":
        out += schema_problems(CRD_OBJECT, obj_, where)
    elif key in BUILTIN:
        out += schema_problems(BUILTIN[key], obj_, where)
    else:
        out.append(f"{where}: no schema for {key[0]} {kind} in deploy/check.py")
    return out


# ---------------------------------------------------------------------------------------------
# CRDs

STRUCTURAL_KEYS = {"description", "type", "format", "title", "default", "maximum", "minimum",
                   "exclusiveMaximum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
                   "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
                   "minProperties", "required", "items", "properties", "additionalProperties",
                   "nullable", "example", "externalDocs", "x-kubernetes-validations",
                   "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                   "x-kubernetes-map-type", "x-kubernetes-preserve-unknown-fields",
                   "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource"}


def structural_problems(s, path, at_root=True):
    """The structural-schema rules of apiextensions.k8s.io/v1 that a schema of ours can break."""
    out = []
    if not isinstance(s, dict):
        return [f"{path}: not a schema"]
    for k in s:
        if k not in STRUCTURAL_KEYS:
            out.append(f"{path}: {k!r} is not allowed in a structural schema")
    t = s.get("type")
    if not t and not (s.get("x-kubernetes-int-or-string") or
                      s.get("x-kubernetes-preserve-unknown-fields")):
        out.append(f"{path}: no type")
    if t not in (None, "object", "array", "string", "integer", "number", "boolean"):
        out.append(f"{path}: type {t!r}")
    if s.get("uniqueItems"):
        out.append(f"{path}: uniqueItems: true is forbidden")
    if "properties" in s and "additionalProperties" in s:
        out.append(f"{path}: properties and additionalProperties are exclusive")
    if s.get("additionalProperties") is False:
        out.append(f"{path}: additionalProperties: false is forbidden (unknown fields are pruned)")
    if t == "array":
        if not isinstance(s.get("items"), dict):
            out.append(f"{path}: an array needs one items schema")
    elif "items" in s:
        out.append(f"{path}: items on a non-array")
    if t != "object" and ("properties" in s or "additionalProperties" in s):
        out.append(f"{path}: properties on a non-object")
    for r in s.get("required", []):
        if r not in s.get("properties", {}):
            out.append(f"{path}: required {r!r} is not a property")
    lt = s.get("x-kubernetes-list-type")
    if lt is not None:
        if t != "array" or lt not in ("atomic", "set", "map"):
            out.append(f"{path}: x-kubernetes-list-type {lt!r}")
        if lt == "map":
            keys = s.get("x-kubernetes-list-map-keys") or []
            item = s.get("items", {})
            for k in keys:
                if k not in item.get("required", []) and "default" not in item.get(
                        "properties", {}).get(k, {}):
                    out.append(f"{path}: list map key {k!r} must be required or defaulted")
            if not keys:
                out.append(f"{path}: x-kubernetes-list-type map needs x-kubernetes-list-map-keys")
    mt = s.get("x-kubernetes-map-type")
    if mt is not None and (t != "object" or mt not in ("atomic", "granular")):
        out.append(f"{path}: x-kubernetes-map-type {mt!r}")
    for i, rule in enumerate(s.get("x-kubernetes-validations", [])):
        if not isinstance(rule, dict) or not isinstance(rule.get("rule"), str):
            out.append(f"{path}: x-kubernetes-validations[{i}] needs a rule")
    if "default" in s:
        for e in jsonschema.Draft7Validator(s).iter_errors(s["default"]):
            out.append(f"{path}: default {s['default']!r}: {e.message}")
    if at_root:
        if t != "object":
            out.append(f"{path}: the root must be an object")
        meta = s.get("properties", {}).get("metadata")
        if meta is not None and meta != {"type": "object"}:
            out.append(f"{path}: metadata may only be {{type: object}}")
    for name, sub in s.get("properties", {}).items():
        out += structural_problems(sub, f"{path}.{name}", False)
    if isinstance(s.get("items"), dict):
        out += structural_problems(s["items"], f"{path}[]", False)
    if isinstance(s.get("additionalProperties"), dict):
        out += structural_problems(s["additionalProperties"], f"{path}{{}}", False)
    return out


def crd_problems(crd):
    name = crd["metadata"]["name"]
    spec = crd["spec"]
    names = spec["names"]
    out = []
    if name != f"{names['plural']}.{spec['group']}":
        out.append(f"{name}: the name must be PLURAL.GROUP ({names['plural']}.{spec['group']})")
    if spec["group"] != "metallb.io":
        out.append(f"{name}: group {spec['group']} (MetalLB's is metallb.io)")
    if names.get("listKind") != names["kind"] + "List":
        out.append(f"{name}: listKind {names.get('listKind')}")
    if names.get("singular") != names["kind"].lower():
        out.append(f"{name}: singular {names.get('singular')}")
    expected = EXPECTED_CRDS.get(names["plural"])
    if not expected:
        out.append(f"{name}: not one of MetalLB's CRDs nor vipd's BGPSessionStatus")
    else:
        kind, versions = expected
        if names["kind"] != kind:
            out.append(f"{name}: kind {names['kind']} (MetalLB's is {kind})")
        got = [v["name"] for v in spec["versions"]]
        if got != versions:
            out.append(f"{name}: versions {got} (MetalLB serves {versions})")
    if spec.get("scope") != "Namespaced":
        out.append(f"{name}: MetalLB's resources are Namespaced")
    storage = [v["name"] for v in spec["versions"] if v.get("storage")]
    if len(storage) != 1:
        out.append(f"{name}: exactly one storage version, got {storage}")
    if names["plural"] == "bgppeers" and storage != ["v1beta2"]:
        out.append(f"{name}: MetalLB stores BGPPeers as v1beta2")
    conversion = spec.get("conversion", {"strategy": "None"})
    if conversion.get("strategy") != "None":
        out.append(f"{name}: conversion {conversion.get('strategy')}: vipd runs no webhook")
    for v in spec["versions"]:
        where = f"{name} {v['name']}"
        if not v.get("served"):
            out.append(f"{where}: not served")
        if "status" not in v.get("subresources", {}):
            out.append(f"{where}: no status subresource (MetalLB's have one)")
        schema = v["schema"]["openAPIV3Schema"]
        out += structural_problems(schema, f"{where}: openAPIV3Schema")
        try:
            jsonschema.Draft7Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            out.append(f"{where}: not a valid JSON schema: {e.message}")
    return out


def strict_schema(s):
    """An openAPIV3Schema as the API server applies it with strict field validation: an object
    with properties takes no other field. Pure JSON Schema otherwise."""
    if not isinstance(s, dict):
        return s
    s = dict(s)
    if s.get("type") == "object" and "properties" in s and "additionalProperties" not in s \
            and not s.get("x-kubernetes-preserve-unknown-fields"):
        s["additionalProperties"] = False
    if "properties" in s:
        s["properties"] = {k: strict_schema(v) for k, v in s["properties"].items()}
    for k in ("items", "additionalProperties"):
        if isinstance(s.get(k), dict):
            s[k] = strict_schema(s[k])
    return s


def crd_index(docs):
    """{(apiVersion, kind): strict schema} for every served version of our CRDs."""
    out = {}
    for d in docs:
        if d.get("kind") != "CustomResourceDefinition":
            continue
        group = d["spec"]["group"]
        for v in d["spec"]["versions"]:
            if v.get("served"):
                out[(f"{group}/{v['name']}", d["spec"]["names"]["kind"])] = strict_schema(
                    v["schema"]["openAPIV3Schema"])
    return out


# ---------------------------------------------------------------------------------------------
# The repository's MetalLB objects


def metallb_objects(doc, where):
    if isinstance(doc, dict) and isinstance(doc.get("items"), list) and \
            str(doc.get("kind", "")).endswith("List"):
        for i, item in enumerate(doc["items"]):
            yield from metallb_objects(item, f"{where} items[{i}]")
    elif isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("metallb.io/"):
        yield doc, where


def example_sources():
    """(label, text) of every YAML/JSON file under tests/ and lab/ naming metallb.io, and every
    ```yaml block of docs/*.md that holds a metallb.io object."""
    for top_dir in ("tests", "lab"):
        for p in sorted((ROOT / top_dir).rglob("*")):
            if p.suffix not in (".yaml", ".yml", ".json") or not p.is_file():
                continue
            if "helm" in p.parts or p.parent == MANIFESTS:
                continue
            text = p.read_text(errors="replace")
            if "metallb.io/v1" not in text:
                continue
            if rel(p) in EXAMPLES_EXCLUDED:
                continue
            yield rel(p), text
    for p in sorted((ROOT / "docs").glob("*.md")):
        for m in re.finditer(r"^```ya?ml\n(.*?)^```", p.read_text(), re.S | re.M):
            line = p.read_text()[:m.start()].count("\n") + 2
            if "metallb.io/v1" in m.group(1):
                yield f"{rel(p)}:{line}", m.group(1)


def example_problems(index):
    out, count = [], 0
    for label, text in example_sources():
        try:
            docs = list(load_all(text))
        except yaml.YAMLError as e:
            out.append(f"{label}: not YAML: {e}")
            continue
        for i, doc in enumerate(docs):
            for o, where in metallb_objects(doc, f"{label} document {i + 1}"):
                count += 1
                key = (o.get("apiVersion"), o.get("kind"))
                name = (o.get("metadata") or {}).get("name")
                where = f"{where} {key[1]}/{name}"
                if key not in index:
                    out.append(f"{where}: no served CRD version for {key[0]} {key[1]}")
                    continue
                if not isinstance(name, str) or not re.fullmatch(DNS_SUBDOMAIN, name):
                    out.append(f"{where}: metadata.name is not a DNS subdomain")
                out += schema_problems(index[key], o, where)
    return out, count


# ---------------------------------------------------------------------------------------------
# RBAC and workloads


def rules_of(docs, sa_namespace, sa_name):
    """Every rule that reaches ServiceAccount sa_namespace/sa_name, with where it comes from."""
    roles = {}
    for d in docs:
        if d["kind"] in ("ClusterRole", "Role"):
            ns = d["metadata"].get("namespace") if d["kind"] == "Role" else None
            roles[(d["kind"], ns, d["metadata"]["name"])] = d.get("rules", [])
    out = []
    for d in docs:
        if d["kind"] not in ("ClusterRoleBinding", "RoleBinding"):
            continue
        for s in d.get("subjects", []):
            ns = s.get("namespace", d["metadata"].get("namespace"))
            if s["kind"] == "ServiceAccount" and s["name"] == sa_name and ns == sa_namespace:
                ref = d["roleRef"]
                rns = d["metadata"].get("namespace") if ref["kind"] == "Role" else None
                for r in roles.get((ref["kind"], rns, ref["name"]), []):
                    out.append((f"{d['kind']} {d['metadata']['name']} -> {ref['kind']} "
                                f"{ref['name']}", d["kind"] == "RoleBinding", r))
    return out


def grants(rule, group, resource, verbs):
    return ((group in rule.get("apiGroups", []) or "*" in rule.get("apiGroups", [])) and
            (resource in rule.get("resources", []) or "*" in rule.get("resources", [])) and
            bool(set(rule.get("verbs", [])) & (set(verbs) | {"*"})))


def rbac_problems(docs):
    out = []
    for d in docs:
        if d["kind"] in ("ClusterRole", "Role"):
            for r in d.get("rules", []):
                for key in ("apiGroups", "resources", "verbs"):
                    if "*" in r.get(key, []):
                        out.append(f"{d['kind']} {d['metadata']['name']}: wildcard in {key}")
                if set(r.get("verbs", [])) & {"escalate", "bind", "impersonate"}:
                    out.append(f"{d['kind']} {d['metadata']['name']}: {r['verbs']}")
                if "secrets" in r.get("resources", []) and d["kind"] == "ClusterRole":
                    out.append(f"ClusterRole {d['metadata']['name']}: Secrets cluster-wide")
                if "secrets" in r.get("resources", []) and set(r["verbs"]) & WRITE_VERBS:
                    out.append(f"{d['kind']} {d['metadata']['name']}: writes Secrets")
    workloads = {d["kind"]: d for d in docs if d["kind"] in ("DaemonSet", "Deployment")}
    if "DaemonSet" in workloads:
        ds = workloads["DaemonSet"]
        sa = ds["spec"]["template"]["spec"].get("serviceAccountName", "default")
        rules = rules_of(docs, ds["metadata"]["namespace"], sa)
        if not rules:
            out.append(f"speaker ServiceAccount {sa}: no role bound")
        for src, namespaced, r in rules:
            for res in ("services", "services/status", "services/*"):
                if grants(r, "", res, WRITE_VERBS):
                    out.append(f"speaker {sa}: {src} lets it write {res} ({r['verbs']})")
            for res in METALLB_CONFIG | {f"{x}/status" for x in METALLB_CONFIG}:
                if grants(r, "metallb.io", res, WRITE_VERBS):
                    out.append(f"speaker {sa}: {src} lets it write metallb.io {res}")
            if grants(r, "coordination.k8s.io", "leases", WRITE_VERBS):
                out.append(f"speaker {sa}: {src} lets it take the controller's Lease")
    if "Deployment" in workloads:
        dep = workloads["Deployment"]
        sa = dep["spec"]["template"]["spec"].get("serviceAccountName", "default")
        rules = rules_of(docs, dep["metadata"]["namespace"], sa)
        if not any(grants(r, "", "services/status", {"update", "patch"}) for _, _, r in rules):
            out.append(f"controller {sa}: cannot write services/status")
        for src, _, r in rules:
            if grants(r, "", "services", WRITE_VERBS):
                out.append(f"controller {sa}: {src} writes whole Services (status only)")
        if not any(grants(r, "coordination.k8s.io", "leases", {"create"}) for _, _, r in rules):
            out.append(f"controller {sa}: cannot create its Lease")
    return out


def arg_values(args, flag):
    out = []
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            out.append(args[i + 1])
        elif a.startswith(flag + "="):
            out.append(a[len(flag) + 1:])
    return out


def arg_value(args, flag):
    values = arg_values(args, flag)
    return values[0] if len(values) == 1 else None


def container_problems(c, where, vipd_flags):
    out = []
    args = c.get("args", [])
    for a in args:
        if a.startswith("--"):
            flag = a.split("=", 1)[0]
            if flag not in VIPD_FLAGS:
                out.append(f"{where}: {flag} is not one of vipd's Kubernetes flags")
            elif vipd_flags is not None and flag not in vipd_flags:
                out.append(f"{where}: {flag}: the vipd built here has no such option")
    env = {e["name"] for e in c.get("env", [])}
    for a in args:
        for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
            if var not in env:
                out.append(f"{where}: $({var}) in args but no env {var}")
    if arg_value(args, "--k8s-api") != "in-cluster":
        out.append(f"{where}: --k8s-api in-cluster missing")
    for flag in {a.split("=", 1)[0] for a in args if a.startswith("--")}:
        if args.count(flag) + sum(a.startswith(flag + "=") for a in args) > 1:
            out.append(f"{where}: {flag} given twice")
    for level in arg_values(args, "--log-level"):
        if level not in LOG_LEVELS:
            out.append(f"{where}: --log-level {level!r} (vipd's: {', '.join(sorted(LOG_LEVELS))})")
    listen = arg_value(args, "--metrics-listen")
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    if not listen or not re.fullmatch(r"[0-9.]+:[0-9]+", listen):
        out.append(f"{where}: --metrics-listen ADDRESS:PORT missing")
    elif int(listen.rsplit(":", 1)[1]) != ports.get("metrics"):
        out.append(f"{where}: --metrics-listen {listen} but port 'metrics' is "
                   f"{ports.get('metrics')}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        if probe in c:
            get = c[probe].get("httpGet", {})
            if get.get("path") != path or get.get("port") not in ("metrics", ports.get("metrics")):
                out.append(f"{where}: {probe} should GET {path} on the metrics port")
    socket = arg_value(args, "--socket")
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    if socket != "/run/vipd/vipd.sock" or "/run/vipd" not in mounts:
        out.append(f"{where}: --socket /run/vipd/vipd.sock on a /run/vipd volume (vipctl)")
    sc = c.get("securityContext", {})
    if sc.get("privileged"):
        out.append(f"{where}: privileged")
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append(f"{where}: allowPrivilegeEscalation must be false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []):
        out.append(f"{where}: capabilities must drop ALL")
    return out


def workload_problems(docs, vipd_flags):
    out = []
    dss = [d for d in docs if d["kind"] == "DaemonSet"]
    deps = [d for d in docs if d["kind"] == "Deployment"]
    for ds in dss:
        pod = ds["spec"]["template"]["spec"]
        where = f"DaemonSet {ds['metadata']['name']}"
        if pod.get("hostNetwork") is not True:
            out.append(f"{where}: hostNetwork must be true (BGP, ARP/NDP and VRRP on the node)")
        if pod.get("hostPID") or pod.get("hostIPC"):
            out.append(f"{where}: hostPID/hostIPC")
        for c in pod["containers"]:
            cw = f"{where} container {c['name']}"
            out += container_problems(c, cw, vipd_flags)
            caps = set(c.get("securityContext", {}).get("capabilities", {}).get("add", []))
            if not SPEAKER_CAPS_REQUIRED <= caps:
                out.append(f"{cw}: needs {sorted(SPEAKER_CAPS_REQUIRED - caps)}")
            if caps - SPEAKER_CAPS_ALLOWED:
                out.append(f"{cw}: capabilities {sorted(caps - SPEAKER_CAPS_ALLOWED)} beyond "
                           f"{sorted(SPEAKER_CAPS_ALLOWED)}")
            args = c.get("args", [])
            if arg_value(args, "--node-name") != "$(NODE_NAME)":
                out.append(f"{cw}: --node-name $(NODE_NAME) missing")
            node_env = [e for e in c.get("env", []) if e["name"] == "NODE_NAME"]
            if not node_env or node_env[0].get("valueFrom", {}).get("fieldRef", {}).get(
                    "fieldPath") != "spec.nodeName":
                out.append(f"{cw}: env NODE_NAME must come from spec.nodeName")
            if "--lb-controller" in args or "--lb-controller-only" in args:
                out.append(f"{cw}: a speaker must not be a controller (it cannot write "
                           f"services/status)")
    for dep in deps:
        pod = dep["spec"]["template"]["spec"]
        where = f"Deployment {dep['metadata']['name']}"
        if pod.get("hostNetwork"):
            out.append(f"{where}: the controller needs no host network")
        for c in pod["containers"]:
            cw = f"{where} container {c['name']}"
            out += container_problems(c, cw, vipd_flags)
            if "--lb-controller-only" not in c.get("args", []):
                out.append(f"{cw}: --lb-controller-only missing")
            if c.get("securityContext", {}).get("capabilities", {}).get("add"):
                out.append(f"{cw}: the controller needs no capability")
    if not dss:
        out.append("no speaker DaemonSet")
    return out


# ---------------------------------------------------------------------------------------------
# Containerfile


def containerfile_stages(text):
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append({"from": rest.split()[0], "lines": []})
        elif stages:
            stages[-1]["lines"].append((word.upper(), rest.strip()))
    return stages


def apt_packages(stage):
    pkgs = []
    for word, rest in stage["lines"]:
        if word != "RUN":
            continue
        for m in re.finditer(r"apt-get\s+install\s+([^&|;]*)", rest):
            pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return pkgs


def apt_known(pkg):
    r = subprocess.run(["apt-cache", "show", "--no-all-versions", pkg], capture_output=True,
                       text=True)
    return r.returncode == 0 and f"Package: {pkg}" in r.stdout


def dependency_closure(packages):
    """The packages apt installs for `packages`: they and their Depends, recursively."""
    r = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                        "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                        *packages], capture_output=True, text=True)
    closure = set(packages)
    for line in r.stdout.splitlines():
        # Each package of the closure heads its own block, at column 0 ("<virtual>" ones
        # are provided by another package of the closure).
        if line and not line[0].isspace() and not line.startswith("<"):
            closure.add(line.strip().split(":")[0])
    return closure


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for c in list(candidates):
        if c.startswith("/usr/"):
            candidates.append(c[4:])
        else:
            candidates.append("/usr" + c)
    for c in candidates:
        r = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    return None


def containerfile_checks(checks, bin_dir):
    path = HERE / "Containerfile"
    text = path.read_text()
    stages = containerfile_stages(text)
    problems = []
    if len(stages) < 2:
        problems.append("a build stage and a runtime stage are expected")
    else:
        if not re.fullmatch(r"(docker\.io/(library/)?)?debian:bookworm(-[0-9.]+)?", stages[0]["from"]):
            problems.append(f"build stage FROM {stages[0]['from']}: Debian 12 (bookworm) expected")
        if not re.fullmatch(r"(docker\.io/(library/)?)?debian:bookworm(-[0-9]+)?-slim",
                            stages[-1]["from"]):
            problems.append(f"runtime stage FROM {stages[-1]['from']}: debian:bookworm-slim "
                            f"expected")
        for stage in stages:
            for word, rest in stage["lines"]:
                if word == "COPY" and "--from" not in rest:
                    for src in rest.split()[:-1]:
                        if not (ROOT / src).exists():
                            problems.append(f"COPY {src}: not in the repository")
        if "scripts/install-deps.sh --build-only" not in text or "scripts/build.sh" not in text:
            problems.append("the build stage should use scripts/install-deps.sh --build-only "
                            "and scripts/build.sh (one list of packages, one build)")
        if apt_packages(stages[0]):
            problems.append("the build stage names packages itself; install-deps.sh has them")
    checks.check("Containerfile: stages, images and sources", problems)
    if len(stages) < 2:
        return
    runtime = apt_packages(stages[-1])
    if not shutil.which("apt-cache"):
        checks.skip("Containerfile: runtime packages exist in Debian", "no apt-cache")
    elif not apt_known("libc6"):
        checks.skip("Containerfile: runtime packages exist in Debian",
                    "apt's package lists are empty (apt-get update)")
    else:
        checks.check(f"Containerfile: the {len(runtime)} runtime packages exist in Debian",
                     [f"{p}: apt-cache knows no such package" for p in runtime
                      if not apt_known(p)])
    if not bin_dir:
        checks.skip("Containerfile: runtime packages cover vipd's libraries", "no --bin-dir")
        return
    binaries = [Path(bin_dir) / b for b in ("vipd", "vipctl")]
    if not all(b.is_file() for b in binaries) or not shutil.which("ldd") or \
            not shutil.which("dpkg"):
        checks.skip("Containerfile: runtime packages cover vipd's libraries",
                    f"no vipd/vipctl in {bin_dir}, or no ldd/dpkg")
        return
    problems = []
    installed = dependency_closure(sorted(runtime))
    # libc6 is in every Debian image; the sanitizers' runtimes only in sanitizer builds.
    exempt = {"libc6", "libasan8", "libubsan1", "liblsan0", "libtsan2"}
    for b in binaries:
        r = subprocess.run(["ldd", str(b)], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
            if not m:
                continue
            pkg = package_of(m.group(1))
            if pkg is None:
                problems.append(f"{b.name}: {m.group(1)} belongs to no Debian package")
            elif pkg not in exempt and pkg not in installed:
                problems.append(f"{b.name} links {m.group(1)} from {pkg}, which the runtime "
                                f"stage does not install")
    checks.check("Containerfile: runtime packages cover what vipd and vipctl link", problems)


def vipd_help_flags(bin_dir):
    """vipd's options, once its Kubernetes command line exists (None before: nothing to hold
    the manifests to yet)."""
    if not bin_dir or not (Path(bin_dir) / "vipd").is_file():
        return None
    r = subprocess.run([str(Path(bin_dir) / "vipd"), "--help"], capture_output=True, text=True)
    flags = set(re.findall(r"(--[a-z0-9-]+)", r.stdout))
    return flags if "--k8s-api" in flags else None


# ---------------------------------------------------------------------------------------------
# Comparison with MetalLB's CRDs (a development aid: MetalLB's CRDs are not in the repository)

COMPARED = ["type", "format", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
            "minItems", "maxItems", "default", "x-kubernetes-list-type",
            "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "nullable",
            "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields"]


def compare_schema(ours, theirs, path):
    out = []
    for k in COMPARED:
        if ours.get(k) != theirs.get(k):
            out.append(f"{path}: {k}: ours {ours.get(k)!r}, MetalLB's {theirs.get(k)!r}")
    if sorted(ours.get("required", [])) != sorted(theirs.get("required", [])):
        out.append(f"{path}: required: ours {ours.get('required')}, MetalLB's "
                   f"{theirs.get('required')}")
    rules = lambda s: sorted(r["rule"] for r in s.get("x-kubernetes-validations", []))
    if rules(ours) != rules(theirs):
        out.append(f"{path}: CEL rules: ours {rules(ours)}, MetalLB's {rules(theirs)}")
    op, tp = ours.get("properties", {}), theirs.get("properties", {})
    for name in tp:
        if name not in op:
            out.append(f"{path}.{name}: missing (MetalLB has it)")
        else:
            out += compare_schema(op[name], tp[name], f"{path}.{name}")
    for name in op:
        if name not in tp:
            out.append(f"{path}.{name}: ours only")
    for k in ("items", "additionalProperties"):
        if isinstance(theirs.get(k), dict) and isinstance(ours.get(k), dict):
            out += compare_schema(ours[k], theirs[k], f"{path}[{k}]")
        elif theirs.get(k) != ours.get(k) and (isinstance(theirs.get(k), dict) or
                                               isinstance(ours.get(k), dict)):
            out.append(f"{path}: {k} differs")
    return out


def compare_metallb(checks, ours, directory):
    theirs = {}
    for p in sorted(Path(directory).glob("*.yaml")):
        for d in load_all(p.read_text()):
            if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition":
                theirs[d["metadata"]["name"]] = d
    mine = {d["metadata"]["name"]: d for d in ours if d["kind"] == "CustomResourceDefinition"}
    for name, t in sorted(theirs.items()):
        problems = []
        o = mine.get(name)
        if o is None:
            checks.fail(f"MetalLB's {name}", ["we have no such CRD"])
            continue
        tv = {v["name"]: v for v in t["spec"]["versions"]}
        ov = {v["name"]: v for v in o["spec"]["versions"]}
        for vn, v in tv.items():
            if vn not in ov:
                problems.append(f"{vn}: missing")
                continue
            for k in ("served", "storage", "deprecated", "deprecationWarning", "subresources"):
                if v.get(k) != ov[vn].get(k):
                    problems.append(f"{vn}: {k}: ours {ov[vn].get(k)!r}, MetalLB's {v.get(k)!r}")
            cols = lambda x: sorted((c["name"], c["type"], c["jsonPath"], c.get("priority", 0))
                                    for c in x.get("additionalPrinterColumns", []))
            if cols(v) != cols(ov[vn]):
                problems.append(f"{vn}: printer columns differ: ours {cols(ov[vn])}, MetalLB's "
                                f"{cols(v)}")
            problems += compare_schema(ov[vn]["schema"]["openAPIV3Schema"],
                                       v["schema"]["openAPIV3Schema"], vn)
        if t["spec"].get("names") != o["spec"].get("names"):
            problems.append(f"names: ours {o['spec']['names']}, MetalLB's {t['spec']['names']}")
        tc = t["spec"].get("conversion", {}).get("strategy", "None")
        if tc != o["spec"].get("conversion", {}).get("strategy", "None"):
            print(f"note  {name}: MetalLB's conversion is {tc}, ours None "
                  f"(docs/kubernetes.md, \"The CRDs\")")
        checks.check(f"same as MetalLB's {name}", problems)


# ---------------------------------------------------------------------------------------------
# Each check must be able to fail: the faults it is there to catch, planted in copies.


def find(docs, kind, component=None):
    for d in docs:
        if d["kind"] == kind and (component is None or d["metadata"]["name"].endswith(component)):
            return d
    raise KeyError(kind)


def planted_faults(docs):
    """[(fault, problems found)] for faults planted one at a time in copies of `docs`."""

    def mutate(fn):
        c = copy.deepcopy(docs)
        fn(c)
        return c

    def pod(c, kind):
        return find(c, kind)["spec"]["template"]["spec"]

    def ctr(c, kind):
        return pod(c, kind)["containers"][0]

    def first_crd_schema(c):
        return find(c, "CustomResourceDefinition")["spec"]["versions"][0]["schema"][
            "openAPIV3Schema"]

    cases = [
        ("speaker ClusterRole may update services/status", lambda c: find(
            c, "ClusterRole", ":speaker")["rules"].append(
            {"apiGroups": [""], "resources": ["services/status"], "verbs": ["update"]}), "rbac"),
        ("speaker Role may patch ipaddresspools", lambda c: find(c, "Role", "-speaker")[
            "rules"].append({"apiGroups": ["metallb.io"], "resources": ["ipaddresspools"],
                             "verbs": ["patch"]}), "rbac"),
        ("a wildcard verb", lambda c: find(c, "Role", "-controller")["rules"][0].update(
            verbs=["*"]), "rbac"),
        ("controller cannot write services/status", lambda c: find(
            c, "ClusterRole", ":controller").update(rules=[
                r for r in find(c, "ClusterRole", ":controller")["rules"]
                if "services/status" not in r["resources"]]), "rbac"),
        ("privileged speaker", lambda c: ctr(c, "DaemonSet")["securityContext"].update(
            privileged=True), "workload"),
        ("speaker without NET_RAW", lambda c: ctr(c, "DaemonSet")["securityContext"][
            "capabilities"].update(add=["NET_ADMIN"]), "workload"),
        ("speaker with SYS_ADMIN", lambda c: ctr(c, "DaemonSet")["securityContext"][
            "capabilities"]["add"].append("SYS_ADMIN"), "workload"),
        ("speaker off the host network", lambda c: pod(c, "DaemonSet").update(
            hostNetwork=False), "workload"),
        ("speaker as a controller", lambda c: ctr(c, "DaemonSet")["args"].append(
            "--lb-controller"), "workload"),
        ("an option vipd does not have", lambda c: ctr(c, "Deployment")["args"].append(
            "--memberlist"), "workload"),
        ("a log level vipd does not have", lambda c: ctr(c, "Deployment")["args"].__setitem__(
            slice(-1, None), ["warn"]), "workload"),
        ("a misspelt pod field", lambda c: pod(c, "DaemonSet").update(hostnetwork=True),
         "document"),
        ("an integer argument", lambda c: ctr(c, "DaemonSet")["args"].append(20), "document"),
        ("additionalProperties: false in a CRD", lambda c: first_crd_schema(c).update(
            additionalProperties=False), "crd"),
        ("a CRD field without a type", lambda c: first_crd_schema(c)["properties"]["spec"][
            "properties"]["addresses"].pop("type"), "crd"),
        ("a conversion webhook", lambda c: find(c, "CustomResourceDefinition")["spec"].update(
            conversion={"strategy": "Webhook"}), "crd"),
    ]
    out = []
    for fault, fn, area in cases:
        c = mutate(fn)
        if area == "rbac":
            found = rbac_problems(c)
        elif area == "workload":
            found = workload_problems(c, None)
        elif area == "document":
            found = [p for d in c for p in document_problems(d, "planted")]
        else:
            found = [p for d in c if d["kind"] == "CustomResourceDefinition"
                     for p in crd_problems(d)]
        out.append((fault, found))
    index = crd_index(docs)
    pool = {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": "p"}, "spec": {"addresses": ["10.0.0.0/24"], "autoassign": True}}
    out.append(("a misspelt MetalLB field (spec.autoassign)",
                schema_problems(index[("metallb.io/v1beta1", "IPAddressPool")], pool, "planted")))
    for fault, source in (("a function outside the subset", '{{ include "x" . }}'),
                          ("a value values.yaml lacks", "{{ .Values.nope }}"),
                          ("printing a map", "{{ .Values }}"),
                          ("an if without end", "{{ if .Values.a }}")):
        try:
            gotemplate.render(source, {"Values": {"a": 1}}, "planted")
            out.append((fault, []))
        except gotemplate.TemplateError as e:
            out.append((fault, [str(e)]))
    community = load("value: 1234:1")["value"]
    out.append(("a community read as a base-60 number", [] if community == 74041 else ["ok"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help="regenerate deploy/manifests/")
    ap.add_argument("--bin-dir", help="where the built vipd and vipctl are (build/bin)")
    ap.add_argument("--compare-metallb", metavar="DIR",
                    help="MetalLB's config/crd/bases, to compare our CRDs with")
    opts = ap.parse_args()
    checks = Checks()

    # Render first: everything else looks at the renderings.
    renders = {}
    for label, override in (("default values", None),
                            ("ci/full-values.yaml", load(
                                (CHART / "ci" / "full-values.yaml").read_text())),
                            ("plain manifests", PLAIN_OVERRIDES)):
        try:
            renders[label] = render_chart(override)
            checks.ok(f"chart renders with {label} ({len(renders[label])} documents)")
        except (gotemplate.TemplateError, yaml.YAMLError) as e:
            checks.fail(f"chart renders with {label}", [e])
    try:
        gotemplate.render((CHART / "templates" / "NOTES.txt").read_text(),
                          {"Values": load((CHART / "values.yaml").read_text()),
                           "Release": RELEASE, "Chart": chart_meta()}, "NOTES.txt")
        checks.ok("NOTES.txt renders")
    except gotemplate.TemplateError as e:
        checks.fail("NOTES.txt renders", [e])
    if len(renders) != 3:
        print(f"deploy: {checks.passed} passed, {checks.failed} failed")
        return 1

    wanted = plain_manifests()
    if opts.write:
        MANIFESTS.mkdir(exist_ok=True)
        for p, text in wanted.items():
            p.write_text(text)
            print(f"wrote {rel(p)}")
    for p, text in wanted.items():
        have = p.read_text() if p.exists() else ""
        diff = list(difflib.unified_diff(have.splitlines(), text.splitlines(), rel(p),
                                         "rendered chart", lineterm="", n=1))
        checks.check(f"{rel(p)} is the chart rendered with its defaults",
                     (diff[:40] + ["... (run deploy/check.py --write)"]) if diff else [])

    checks.check("yamllint deploy/ (deploy/.yamllint, --strict)",
                 yamllint(["."]) + yamllint([ROOT / "tests/data/deploy"], cwd=ROOT))
    for label, rendered in renders.items():
        checks.check(f"yamllint the rendering with {label}",
                     yamllint([], stdin_text=manifest_text(rendered, label)))

    plain_docs = [d for t in wanted.values() for d in load_all(t) if d]
    for label, rendered in renders.items():
        docs = [r[2] for r in rendered]
        problems = []
        for name, _, d in rendered:
            problems += document_problems(d, f"templates/{name}")
        checks.check(f"{label}: apiVersion, kind, metadata.name and the kinds' schemas", problems)
        seen = {}
        for d in docs:
            key = (d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"])
            seen[key] = seen.get(key, 0) + 1
        checks.check(f"{label}: no object twice", [f"{k} appears {n} times" for k, n in
                                                   seen.items() if n > 1])
        crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
        if crds:
            problems = [p for c in crds for p in crd_problems(c)]
            missing = set(EXPECTED_CRDS) - {c["spec"]["names"]["plural"] for c in crds}
            problems += [f"{m}.metallb.io: missing" for m in sorted(missing)]
            checks.check(f"{label}: {len(crds)} CRDs valid (structural schemas, Draft 7, "
                         f"MetalLB's names and versions)", problems)
        if any(d["kind"] in ("ClusterRole", "Role") for d in docs):
            checks.check(f"{label}: RBAC least privilege (speaker writes no Service)",
                         rbac_problems(docs))
        checks.check(f"{label}: speaker DaemonSet and controller Deployment",
                     workload_problems(docs, vipd_help_flags(opts.bin_dir)))
        for d in docs:
            if d["kind"] in ("DaemonSet", "Deployment"):
                for c in d["spec"]["template"]["spec"]["containers"]:
                    print(f"      {label}: {d['kind']} {d['metadata']['name']}: vipd "
                          f"{' '.join(c.get('args', []))}")

    index = crd_index(plain_docs)
    problems, count = example_problems(index)
    checks.check(f"the repository's {count} MetalLB objects validate against our CRDs",
                 problems if count else ["no MetalLB objects found"])

    missed = [fault for fault, found in planted_faults(plain_docs) if not found]
    checks.check("the checks catch planted faults (RBAC, capabilities, fields, CRDs, templates)",
                 [f"not caught: {f}" for f in missed])

    containerfile_checks(checks, opts.bin_dir)
    if opts.compare_metallb:
        compare_metallb(checks, plain_docs, opts.compare_metallb)

    skipped = f", {checks.skipped} skipped" if checks.skipped else ""
    print(f"deploy: {checks.passed} passed, {checks.failed} failed{skipped}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
