# A userspace network emulator for the test harness's phone link (tc netem is missing from some kernels).
# It bridges two interfaces frame by frame (AF_PACKET) and applies, per direction: a rate (a serialising link
# with a bounded queue, tail drop), a delay with jitter (order kept), random loss, and "down" (drop everything).
# Control: one line per change on stdin, e.g. "set delay=80 jitter=20 loss=2 rate=1500" (ms, ms, %, kbit/s;
# rate 0 = unlimited), "down", "up". It prints "ready" once both sockets are bound, and counters on "stats".
import os, random, select, socket, sys, time, heapq

ETH_P_ALL = 3
PACKET_OUTGOING = 4
QUEUE_LIMIT_S = 0.5  # a link's queue holds at most this much time's worth of data before it drops

a, b = sys.argv[1], sys.argv[2]
socks = {}
for name in (a, b):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.setblocking(False)
    socks[name] = s
other = {a: b, b: a}
conf = {"delay": 0.0, "jitter": 0.0, "loss": 0.0, "rate": 0.0}
down = False
link_free = {a: 0.0, b: 0.0}   # when each direction's link finishes sending what it holds
last_release = {a: 0.0, b: 0.0}
pending = []  # (release time, seq, out interface, frame)
seq = 0
counts = {"in": 0, "lost": 0, "queue_drop": 0, "down_drop": 0, "out": 0}
print("ready", flush=True)

def control(line):
    global down
    words = line.split()
    if not words:
        return
    if words[0] == "down":
        down = True
    elif words[0] == "up":
        down = False
    elif words[0] == "set":
        for w in words[1:]:
            k, v = w.split("=")
            conf[k] = float(v)
    elif words[0] == "stats":
        print("stats " + " ".join("%s=%d" % kv for kv in counts.items()), flush=True)

def arrive(src, frame):
    global seq
    counts["in"] += 1
    if down:
        counts["down_drop"] += 1
        return
    if conf["loss"] > 0 and random.random() * 100 < conf["loss"]:
        counts["lost"] += 1
        return
    now = time.monotonic()
    start = max(now, link_free[src])
    if conf["rate"] > 0:
        if start - now > QUEUE_LIMIT_S:
            counts["queue_drop"] += 1
            return
        link_free[src] = start + len(frame) * 8 / (conf["rate"] * 1000)
        sent = link_free[src]
    else:
        sent = now
    delay = conf["delay"] + (random.uniform(-conf["jitter"], conf["jitter"]) if conf["jitter"] else 0)
    release = max(sent + max(delay, 0) / 1000, last_release[src])
    last_release[src] = release
    seq += 1
    heapq.heappush(pending, (release, seq, other[src], frame))

stdin = sys.stdin.fileno()
watch = [stdin] + list(socks.values())
by_fd = {s.fileno(): n for n, s in socks.items()}
while True:
    timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
    ready, _, _ = select.select(watch, [], [], timeout)
    for r in ready:
        if r == stdin:
            line = sys.stdin.readline()
            if not line:
                sys.exit(0)
            control(line)
            continue
        name = by_fd[r.fileno()]
        while True:
            try:
                frame, addr = r.recvfrom(65536)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            arrive(name, frame)
    now = time.monotonic()
    while pending and pending[0][0] <= now:
        _, _, out, frame = heapq.heappop(pending)
        if down:
            counts["down_drop"] += 1
            continue
        try:
            socks[out].send(frame)
            counts["out"] += 1
        except OSError:
            counts["queue_drop"] += 1
