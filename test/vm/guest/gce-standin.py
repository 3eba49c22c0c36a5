#!/usr/bin/env python3
"""What Google Cloud provides to a VM, stood in inside the boot test's guest:

- the metadata server (http://169.254.169.254, metadata.google.internal): the planned
  instance metadata, the project id, and a service-account token;
- Secret Manager's `versions/latest:access` (https://secretmanager.googleapis.com);
- container registries (https://registry-1.docker.io, https://europe-west1-docker.pkg.dev)
  serving the stand-in images by digest; Artifact Registry demands the VM's token, as the
  real one does, so the startup script's credential helper is exercised for real.

Behaviour per boot comes from the control disk the host writes (a JSON document at the
start of /dev/disk/by-id/virtio-defimon-control): answers that fail a few times, keys
missing for good, Secret Manager answering 403 for a while, the package manager's lock
held by another process. Every notable answer is logged (journal and console).
"""
import base64
import fcntl
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time

CONTROL = "/dev/disk/by-id/virtio-defimon-control"
STORE = "/var/lib/standin/registry"
TLS = "/etc/standin/tls"


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def log(message):
    print(f"gce-standin: {message} (uptime {uptime():.1f})", flush=True)


def read_control():
    with open(CONTROL, "rb") as f:
        raw = f.read(32 << 20)
    return json.loads(raw.split(b"\0", 1)[0].decode())


control = read_control()
flaky = {path: list(codes) for path, codes in control.get("flaky", {}).items()}
lock = threading.Lock()
secret_served = False
# When the VM first asked Secret Manager: the 403s (IAM grants still propagating) last
# secret403Seconds from then, however long the boot took to get there.
first_secret_request = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=None, head=False):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def route(self, head):
        host = (self.headers.get("Host") or "").split(":")[0]
        if host in ("169.254.169.254", "metadata.google.internal"):
            return self.metadata()
        if host == "secretmanager.googleapis.com":
            return self.secret()
        return self.registry(host, head)

    # -- metadata server --------------------------------------------------------
    def metadata(self):
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.reply(403, "Missing Metadata-Flavor:Google header.")
        prefix = "/computeMetadata/v1/"
        if not self.path.startswith(prefix):
            return self.reply(404)
        key = self.path[len(prefix):].split("?")[0]
        with lock:
            codes = flaky.get(key)
            if codes:
                code = codes.pop(0)
                log(f"metadata {key}: answering {code} (flaky)")
                return self.reply(code, "flaky")
        if key in control.get("missing", []):
            log(f"metadata {key}: answering 404 (missing)")
            return self.reply(404, "not found")
        if key == "instance/service-accounts/default/token":
            return self.reply(200, json.dumps({"access_token": control["token"], "expires_in": 3599, "token_type": "Bearer"}), {"Content-Type": "application/json"})
        if key == "project/project-id":
            return self.reply(200, control["project"])
        value = control["metadata"].get(key)
        if value is None:
            return self.reply(404, "not found")
        return self.reply(200, value, {"Content-Type": "application/text"})

    # -- Secret Manager -----------------------------------------------------------
    def secret(self):
        global secret_served, first_secret_request
        if self.headers.get("Authorization") != f"Bearer {control['token']}":
            return self.reply(401, json.dumps({"error": {"code": 401}}))
        forbidden_for = control.get("secret403Seconds", 0)
        with lock:
            if first_secret_request is None:
                first_secret_request = time.monotonic()
        if time.monotonic() - first_secret_request < forbidden_for:
            log(f"secret manager: answering 403 ({self.path.split('/secrets/')[-1]})")
            return self.reply(403, json.dumps({"error": {"code": 403, "status": "PERMISSION_DENIED"}}))
        parts = self.path.split("/")
        try:
            name = parts[parts.index("secrets") + 1]
        except (ValueError, IndexError):
            return self.reply(404)
        value = control["secrets"].get(name)
        if value is None or not self.path.endswith("/versions/latest:access"):
            return self.reply(404, json.dumps({"error": {"code": 404}}))
        with lock:
            if not secret_served:
                secret_served = True
                log("secret manager: first secret served")
        body = {"name": f"projects/{control['project']}/secrets/{name}/versions/1", "payload": {"data": base64.b64encode(value.encode()).decode()}}
        return self.reply(200, json.dumps(body), {"Content-Type": "application/json"})

    # -- registries -----------------------------------------------------------------
    def registry(self, host, head):
        if host.endswith("-docker.pkg.dev"):
            expected = "Basic " + base64.b64encode(f"oauth2accesstoken:{control['token']}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                log(f"registry {host}{self.path}: answering 401 (no or wrong credentials)")
                return self.reply(401, "", {"WWW-Authenticate": 'Basic realm="Artifact Registry"'})
        if self.path in ("/v2/", "/v2"):
            return self.reply(200, "{}", {"Content-Type": "application/json", "Docker-Distribution-API-Version": "registry/2.0"})
        path = self.path.split("?")[0]
        if "/manifests/" in path:
            name, reference = path[len("/v2/"):].split("/manifests/")
            if not reference.startswith("sha256:"):
                tag = os.path.join(STORE, "repositories", host, name, f"tag-{reference}")
                if not os.path.exists(tag):
                    return self.reply(404)
                with open(tag) as f:
                    reference = f.read().strip()
            if not os.path.isdir(os.path.join(STORE, "repositories", host, name)):
                return self.reply(404)
            blob = os.path.join(STORE, "blobs", reference.replace(":", "-"))
            if not os.path.exists(blob):
                return self.reply(404)
            with open(blob, "rb") as f:
                data = f.read()
            if not head:
                log(f"registry {host}/{name}: manifest {reference[:19]} served")
            return self.reply(200, data, {"Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": reference}, head)
        if "/blobs/" in path:
            digest = path.split("/blobs/")[1]
            blob = os.path.join(STORE, "blobs", digest.replace(":", "-"))
            if not os.path.exists(blob):
                return self.reply(404)
            with open(blob, "rb") as f:
                data = f.read()
            return self.reply(200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}, head)
        return self.reply(404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def hold_package_lock(seconds, ready):
    """Another process holding dpkg's and apt's locks, as unattended-upgrades does on a new VM."""
    handles = []
    for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = open(path, "a")
        fcntl.lockf(handle, fcntl.LOCK_EX)
        handles.append(handle)
    log(f"holding the package manager's locks for {seconds} s")
    os.write(ready, b"x")
    time.sleep(seconds)
    for handle in handles:
        handle.close()
    log("released the package manager's locks")


def main():
    if control.get("holdPackageLockSeconds"):
        # Held before this service reports ready, so before the startup script starts.
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            hold_package_lock(control["holdPackageLockSeconds"], write_end)
            os._exit(0)
        os.read(read_end, 1)
    metadata = Server(("169.254.169.254", 80), Handler)
    tls = Server(("127.0.0.1", 443), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{TLS}/server.crt", f"{TLS}/server.key")
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    for server in (metadata, tls):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    log("serving metadata, Secret Manager and registries")
    # systemd Type=notify is not needed: the units order on this process having bound.
    with open("/run/gce-standin.ready", "w") as f:
        f.write("ready\n")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
