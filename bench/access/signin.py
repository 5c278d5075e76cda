#!/usr/bin/env python3
"""Sign-in latency under the rate limiter (issue 8). Talks to a running DeployGuard with seed-demo users.

  signin.py BASE_URL [rounds]

Measures the POST of the sign-in form (the GET for the antiforgery token is not timed):
  1. successful sign-ins, 1 and 8 at a time (each from its own X-Forwarded-For address: the app runs with
     ForwardedHeaders:Enabled, so the per-address limiter sees many clients, as behind a proxy);
  2. failed sign-ins for a known account (wrong password) and for unknown accounts, one at a time, alternating,
     so that both meet the same machine load: the dummy password hash should make them cost the same (signin.sh
     lifts the per-account limit for this, or the known accounts would be throttled after 5 failures);
  3. a burst of failed sign-ins from ONE address under the default limits: the first 10 are answered (200),
     the rest get 429 with Retry-After; the latency of each kind.
"""
import concurrent.futures, random, re, statistics, sys, threading, time
import requests

BASE = sys.argv[1].rstrip("/")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
USERS = ["viewer1", "viewer2", "dev.platform", "dev.backend", "dev.frontend", "lead.platform", "lead.backend", "admin"]
PASSWORD = "Demo-pass-2026"
TOKEN = re.compile(r'name="__RequestVerificationToken" value="([^"]+)"')
_address = iter(range(1, 10**9))
_lock = threading.Lock()

def address():
    with _lock:
        n = next(_address)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

def prepared(ip=None):
    s = requests.Session()
    headers = {"X-Forwarded-For": ip} if ip else {}
    token = TOKEN.search(s.get(BASE + "/Account/Login", headers=headers).text).group(1)
    return s, token, headers

def post(s, token, headers, email, password):
    t0 = time.perf_counter()
    r = s.post(BASE + "/Account/Login", allow_redirects=False, headers=headers,
               data={"_handler": "login", "__RequestVerificationToken": token, "Input.Email": email, "Input.Password": password})
    return (time.perf_counter() - t0) * 1000, r

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def report(name, values, extra=""):
    print(f"{name:58s} n={len(values):4d}  p50 {pct(values, 50):7.1f} ms  p95 {pct(values, 95):7.1f} ms {extra}")

def success(_):
    s, token, headers = prepared(address())
    ms, r = post(s, token, headers, random.choice(USERS) + "@deployguard.local", PASSWORD)
    assert r.status_code == 302, r.status_code
    return ms

print(f"== {BASE}, {ROUNDS} rounds")
for workers in (1, 8):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(success, range(20)))  # warm-up
        report(f"successful sign-in, {workers} at a time", list(pool.map(success, range(ROUNDS))))

known, unknown = [], []
for i in range(ROUNDS):
    user = USERS[i % len(USERS)] + "@deployguard.local"
    s, token, headers = prepared(address())
    ms, r = post(s, token, headers, user, "Wrong-password-1")
    assert r.status_code == 200, (r.status_code, user)
    known.append(ms)
    # Stay under Identity's lockout (5 failures in a row per account): the right password (not timed) resets the count.
    post(s, token, headers, user, PASSWORD)
    s, token, headers = prepared(address())
    ms, r = post(s, token, headers, f"nobody-{i}-{random.randrange(10**9)}@deployguard.local", "Wrong-password-1")
    assert r.status_code == 200, r.status_code
    unknown.append(ms)
report("failed sign-in, known account, wrong password", known)
report("failed sign-in, unknown account", unknown, f"(median difference {statistics.median(known) - statistics.median(unknown):+.1f} ms)")

ip = address()
answered, throttled, retry = [], [], set()
for i in range(60):
    s, token, headers = prepared(ip)
    ms, r = post(s, token, headers, f"spray-{i}@example.com", "Wrong-password-1")
    (answered if r.status_code == 200 else throttled).append(ms)
    if r.status_code == 429:
        retry.add(r.headers.get("Retry-After"))
report("burst of 60 failures from one address: answered (200)", answered)
report("burst of 60 failures from one address: throttled (429)", throttled, f"Retry-After {sorted(retry)}")
