#!/usr/bin/env python3
"""Server time of the H5 capture page's calls (docs/performance.md, "H5 capture page").

Starts the release server (build/ekycd) on a fresh data directory, then runs whole type-00 flows
the way the page does: a link, the document photo (the committed synthetic MyKad), a challenge,
frames of the committed card's face following it (build/face-motion, 480x360 JPEG, 8 per second,
sent in batches of 4 at their capture pace), the finish. The figures are the server's own
request times from its access log (the "ms" of each request), so the client's pacing and the
network are not counted. Prints p50/p95 per call and a whole flow's server time.

    bench/h5/h5_bench.py [FLOWS]        (make bench-h5; default 5 flows)
"""
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "tests/data/mykad/photo.jpg")
FPS, BATCH = 8, 4


def call(port, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")


def main():
    flows = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    work = tempfile.mkdtemp()
    ekycd = os.path.join(ROOT, "build/ekycd")
    try:
        subprocess.run([ekycd, "account", "add", "--data", work, "--username", "bench",
                        "--password", "bench-secret-1"], check=True, capture_output=True)
        keys = subprocess.run([ekycd, "client", "add", "--data", work, "--account", "bench",
                               "--name", "bench"], check=True, capture_output=True, text=True).stdout
        kv = dict(line.split(": ", 1) for line in keys.strip().splitlines())
        client = {"client_id": kv["client_id"], "client_secret": kv["client_secret"]}
        log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen([ekycd, "serve", "--data", work, "--listen", "127.0.0.1:0",
                                   "--ready-file", os.path.join(work, "ready")],
                                  cwd=ROOT, stderr=log, stdout=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(os.path.join(work, "ready")) and open(os.path.join(work, "ready")).read().strip():
                break
            time.sleep(0.1)
        port = int(open(os.path.join(work, "ready")).read())
        doc = base64.b64encode(open(DOC, "rb").read()).decode()
        passed = 0
        for _ in range(flows):
            st, r = call(port, "POST", "/api/ekyc/verifications",
                         {"type": "00", "id_country": "MYS", "id_type": "ID_CARD",
                          "redirect_url": "https://merchant.example/cb"}, client)
            token = r["result"]["token"]
            bearer = {"Authorization": "Bearer " + token}
            call(port, "POST", "/api/h5/document", {"image": doc}, bearer)
            st, r = call(port, "POST", "/api/h5/challenge", None, bearer)
            ch = r["result"]
            frames = os.path.join(work, "frames")
            shutil.rmtree(frames, ignore_errors=True)
            subprocess.run([os.path.join(ROOT, "build/face-motion"), "--face", DOC, "--actions",
                            ",".join(ch["actions"]), "--step-ms", "1500", "--fps", str(FPS),
                            "--size", "480x360", "--models", os.path.join(ROOT, "models"),
                            "--frames", frames], check=True, capture_output=True)
            files = sorted(f for f in os.listdir(frames) if f.endswith(".jpg"))
            start, seq, batch = time.monotonic(), 0, []
            for i, f in enumerate(files):
                t = i * 1000 // FPS
                while (time.monotonic() - start) * 1000 < t:
                    time.sleep(0.005)
                batch.append({"t": t, "image": base64.b64encode(open(os.path.join(frames, f), "rb").read()).decode()})
                if len(batch) == BATCH or i == len(files) - 1:
                    call(port, "POST", "/api/h5/challenge/frames",
                         {"challenge_id": ch["challenge_id"], "seq": seq, "frames": batch}, bearer)
                    seq, batch = seq + 1, []
            st, r = call(port, "POST", "/api/h5/challenge/finish", {"challenge_id": ch["challenge_id"]}, bearer)
            passed += bool(r.get("result", {}).get("passed"))
        server.terminate()
        server.wait()
        log.close()
        times = {}
        for line in open(os.path.join(work, "server.log")):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == "http" and e.get("status") == 200:
                times.setdefault(e["route"], []).append(e["ms"])
        print(f"flows={flows} passed={passed} frames_per_batch={BATCH} frame=480x360")
        for route in ["/api/ekyc/verifications", "/api/h5/document", "/api/h5/challenge",
                      "/api/h5/challenge/frames", "/api/h5/challenge/finish"]:
            v = times.get(route, [])
            print(f"route={route} n={len(v)} p50_ms={pct(v, 0.5):.1f} p95_ms={pct(v, 0.95):.1f}")
        whole = sum(sum(v) for v in times.values()) / max(flows, 1)
        print(f"type00_flow_server_ms={whole:.0f} (all calls of one flow, mean of {flows})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
