#!/usr/bin/env python3
"""Issue 20's package moves (the API boundary), as run once on branch `mod`: git mv, then package lines,
imports and fully-qualified names rewritten in every Java file of the repository. Kept so that a branch made
before the moves can replay them (run from the repository root on that branch: python3 tools/api-boundary/moves.py)."""
import os, re, subprocess, sys

C, H2, H1 = "core/src/%s/java/io/h2ws", "h2-mapping/src/%s/java/io/h2ws", "h1-fallback/src/%s/java/io/h2ws"
# Whole packages: (folder template, old package, new package); main and test folders alike.
PACKAGES = [
    (C, "io.h2ws.core.extension", "io.h2ws.core.internal.extension"),
    (C, "io.h2ws.core.frame", "io.h2ws.core.internal.frame"),
    (C, "io.h2ws.core.handshake", "io.h2ws.core.internal.handshake"),
    (C, "io.h2ws.core.session", "io.h2ws.core.internal.session"),
    (C, "io.h2ws.core.socket", "io.h2ws.core.internal.socket"),
    (C, "io.h2ws.core.wire", "io.h2ws.core.internal.wire"),
    (C, "io.h2ws.core", "io.h2ws.core.internal"),            # Role, ProtocolViolation (moved on below), SansIoGuardTest
    (H2, "io.h2ws.h2.trace", "io.h2ws.h2.internal.trace"),
    (H2, "io.h2ws.h2", "io.h2ws.h2.internal"),
    (H2, "io.h2ws.tls", "io.h2ws.h2.internal.tls"),
    (H1, "io.h2ws.h1", "io.h2ws.internal.h1"),
]
# Single classes (old FQN, new FQN, old module template, new module template); applied after the packages.
CLASSES = [
    ("io.h2ws.H2wsSocket", "io.h2ws.socket.H2wsSocket", C, C),
    ("io.h2ws.Transport", "io.h2ws.socket.Transport", C, C),
    ("io.h2ws.WebSocketOptions", "io.h2ws.socket.WebSocketOptions", C, C),
    ("io.h2ws.core.ProtocolViolation", "io.h2ws.socket.ProtocolViolation", C, C),
    ("io.h2ws.core.extension.DeflateConfig", "io.h2ws.socket.DeflateConfig", C, C),
    ("io.h2ws.core.handshake.HandshakeException", "io.h2ws.server.HandshakeException", C, C),
    ("io.h2ws.client.ClientHandshake", "io.h2ws.core.internal.handshake.ClientHandshake", C, C),
    ("io.h2ws.server.Endpoints", "io.h2ws.core.internal.server.Endpoints", C, C),
    ("io.h2ws.server.HandshakeDecision", "io.h2ws.core.internal.server.HandshakeDecision", C, C),
    ("io.h2ws.server.OpenSockets", "io.h2ws.core.internal.server.OpenSockets", C, C),
    ("io.h2ws.server.ServeEcho", "io.h2ws.core.internal.server.ServeEcho", C, C),
    ("io.h2ws.server.ServerHandshake", "io.h2ws.core.internal.server.ServerHandshake", C, C),
    ("io.h2ws.h2.ExtendedConnectNotSupportedException", "io.h2ws.client.ExtendedConnectNotSupportedException", H2, C),
]
RESOURCES = [("h1-fallback/src/test/resources/io/h2ws/h1", "h1-fallback/src/test/resources/io/h2ws/internal/h1")]

def sh(*a):
    subprocess.run(a, check=True)

def pdir(tmpl, kind, pkg):
    return (tmpl % kind)[: -len("/io/h2ws")] + "/" + pkg.replace(".", "/")

def java_files():
    out = subprocess.run(["git", "ls-files", "*.java"], check=True, capture_output=True, text=True).stdout
    return [f for f in out.split() if os.path.exists(f)]

def pkg_of(path):
    m = re.search(r"^package\s+([\w.]+);", open(path).read(), re.M)
    return m.group(1) if m else None

# 1. Old FQN -> new FQN for every top-level class, computed before anything moves.
fqn = {}
plan = []  # (src file, dst file)
for tmpl, old, new in PACKAGES:
    for kind in ("main", "test"):
        d = pdir(tmpl, kind, old)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".java"):
                plan.append((d + "/" + f, pdir(tmpl, kind, new) + "/" + f))
                if f != "package-info.java":
                    fqn[old + "." + f[:-5]] = new + "." + f[:-5]
for old, new, src, dst in CLASSES:
    for kind in ("main", "test"):
        s = pdir(src, kind, old.rsplit(".", 1)[0]) + "/" + old.rsplit(".", 1)[1] + ".java"
        # the class may already be planned to move with its package: move it from there instead
        planned = [p for p in plan if p[0] == s]
        if planned:
            plan.remove(planned[0])
        if os.path.exists(s):
            plan.append((s, pdir(dst, kind, new.rsplit(".", 1)[0]) + "/" + new.rsplit(".", 1)[1] + ".java"))
    fqn[old] = new
    for k, v in list(fqn.items()):
        if v == old:
            fqn[k] = new
old_pkg_of = {}  # new path -> old package
simple_in_old_pkg = {}  # old package -> {simple name: new FQN}
for o, n in fqn.items():
    p, s = o.rsplit(".", 1)
    simple_in_old_pkg.setdefault(p, {})[s] = n
for f in java_files():  # classes that stay where they are: needed to import them from a moved sibling
    p = pkg_of(f)
    if p and not f.endswith("package-info.java"):
        s = os.path.basename(f)[:-5]
        simple_in_old_pkg.setdefault(p, {}).setdefault(s, p + "." + s)

# 2. git mv
for s, d in plan:
    os.makedirs(os.path.dirname(d), exist_ok=True)
    sh("git", "mv", s, d)
    old_pkg_of[d] = pkg_of(d)
for s, d in RESOURCES:
    if os.path.isdir(s):
        os.makedirs(os.path.dirname(d), exist_ok=True)
        sh("git", "mv", s, d)

# 3. Rewrite package lines, imports and qualified names; add imports for former same-package neighbours.
keys = sorted(fqn, key=len, reverse=True)
rx = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b(?![\w])")
for f in java_files():
    text = open(f).read()
    orig = text
    old_pkg = old_pkg_of.get(f, pkg_of(f))
    new_pkg = None
    if f in old_pkg_of:
        new_pkg = os.path.dirname(f).split("/java/", 1)[1].replace("/", ".")
        text = re.sub(r"^package\s+[\w.]+;", "package %s;" % new_pkg, text, count=1, flags=re.M)
    text = rx.sub(lambda m: fqn[m.group(1)], text)
    here = new_pkg or old_pkg
    # simple names that resolved through the old package and now live elsewhere
    body = re.sub(r"^(package|import)\s.*$", "", text, flags=re.M)
    body = re.sub(r'"(?:\\.|[^"\\])*"', '""', body)
    adds = []
    me = os.path.basename(f)[:-5]
    for s, n in simple_in_old_pkg.get(old_pkg, {}).items():
        if s == me or n.rsplit(".", 1)[0] == here:
            continue
        if re.search(r"(?<![\w.])" + re.escape(s) + r"\b", body) and not re.search(r"^import\s+[\w.]*\." + re.escape(s) + ";", text, re.M):
            adds.append("import %s;" % n)
    if adds:
        m = list(re.finditer(r"^import\s.*;$", text, re.M))
        at = m[-1].end() if m else re.search(r"^package\s.*;$", text, re.M).end() + 1
        text = text[:at] + "\n" + "\n".join(sorted(adds)) + text[at:]
    if text != orig:
        open(f, "w").write(text)
print("moved %d files" % len(plan), file=sys.stderr)
