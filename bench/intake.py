"""Webhook intake benchmark: the bot against a bare baseline, measured in the same run.

    .venv/bin/python bench/intake.py [--requests 3000] [--connections 32] [--threads 2]

Run it from anywhere; it starts everything itself from the project root. It measures:

- the baseline: `bench/baseline_app.py` under uvicorn, a FastAPI endpoint that checks the same
  HMAC signature, parses the same JSON with the bot's `ComplaintIn` model and inserts one SQLite
  row (WAL, synchronous=NORMAL, one writer thread);
- the bot: `python bot.py --config <temporary settings>` on a fresh SQLite store, with a webhook
  source `bench` that has no callback URL (the acknowledgement travels in the response).

Both get the same load from `wrk` (installed with apt-get when missing, as root): the same
pre-generated, distinct signed complaints (four languages, mostly new customers and a few
recurring ones whose later complaints count as repeats), each sent exactly once, over
`--connections` keep-alive connections, each with one request in flight: 32 concurrent clients.
An httpx client cannot be the load generator here: it saturates near 450 requests/s on two cores.

Printed per server: requests, seconds from the first request sent to the last answer received,
requests/s, p50/p99/max latency (per request, as the client saw it), non-2xx answers and socket
errors. Then the bot/baseline throughput ratio, the bot's resident memory after the run (VmRSS)
and at its peak (VmHWM), the complaints in the bot's store, and each target: ratio >= 0.5,
p99 < 50 ms, resident memory < 200 MB.

wrk reports latency after its "coordinated omission" correction, which adds synthetic samples
for slow answers; this script undoes that correction from wrk's histogram (it is exact and
checked against the request count), so the percentiles are those of the requests really made.
wrk's own corrected p99 is shown for reference. wrk always runs for its whole `-d`; the script
interrupts it once every thread has had all its answers, and times the run itself.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SOURCE = "bench"
SECRET = "bench-secret-0123456789abcdef"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 200.0
COMPLAINT_NUMBER = re.compile(r"\bC-\d{4}-\d{6,}\b")


# ---- the complaints --------------------------------------------------------------------------

# Per language: short lists as "a|b|c" strings, and complaint texts with {slots}. The texts touch
# most routing rules (quality, billing, delivery, installation, staff, network, stock, labelling,
# safety, privacy, repair) and never mention a complaint number, so each opens a new complaint.
TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "product": "washing machine|phone|laptop|kettle|vacuum cleaner|microwave|headphones"
        "|router|air fryer|television|electric heater|fridge",
        "store": "Oxford Street|Manchester Piccadilly|Leeds city centre|Bristol",
        "date": "3 March|the 14th|last Monday|12 February|the weekend",
        "extra": "||Thank you.|I expect an answer this week.|Please call me back."
        "|This is not the first time.|I have been a customer for ten years.",
        "text": [
            "The {product} I bought on {date} stopped working after {days} days. "
            "I want a replacement or my money back.",
            "I was charged twice for order {order}. Please refund the duplicate charge "
            "as soon as possible.",
            "The courier left the parcel outside in the rain and the box was crushed; "
            "the {product} inside is cracked. Order {order}.",
            "Your technician was supposed to install my {product} on {date}, but nobody came "
            "and nobody called to explain.",
            "The staff at your {store} store were rude to me when I asked about my {product}. "
            "One of them laughed at me.",
            "I have had no signal at home for {days} days and I cannot make calls. "
            "This is my only phone line.",
            "The {product} has been out of stock for weeks although your website says it is "
            "available for delivery.",
            "The label on the {product} box has no instructions in English and no country of "
            "origin.",
            "My {product} started sparking and caught fire while it was on last night. "
            "Nobody was hurt, but this is dangerous.",
            "Someone at your company shared my personal data with a marketing firm without my "
            "consent. I keep getting calls.",
            "I sent my {product} for repair on {date} and it came back still not fixed. "
            "Order {order}.",
            "Order {order} arrived a week late and the {product} was the wrong model. "
            "I would like this sorted out.",
        ],
    },
    "es": {
        "product": "lavadora|móvil|portátil|hervidor|aspiradora|microondas|auriculares|router"
        "|freidora de aire|televisor|nevera|estufa",
        "store": "Gran Vía|Diagonal|Sevilla Este|Valencia centro",
        "date": "3 de marzo|día 14|lunes pasado|12 de febrero|fin de semana",
        "extra": "||Gracias.|Espero una respuesta esta semana.|Por favor, llámenme."
        "|No es la primera vez.|Soy cliente desde hace diez años.",
        "text": [
            "La {product} que compré el {date} dejó de funcionar a los {days} días. "
            "Quiero que me la cambien o que me devuelvan el dinero.",
            "Me cobraron dos veces el pedido {order}. Por favor, devuélvanme el cargo duplicado.",
            "El repartidor dejó el paquete bajo la lluvia y la caja llegó aplastada; "
            "la {product} está rota. Pedido {order}.",
            "El técnico tenía que venir a instalar la {product} el {date} y no vino nadie "
            "ni me llamaron.",
            "En la tienda de {store} me atendieron muy mal cuando pregunté por mi {product}. "
            "Me gritaron delante de todos.",
            "Llevo {days} días sin cobertura en casa y no puedo hacer llamadas.",
            "La {product} está agotada desde hace semanas aunque en la web pone que hay "
            "existencias.",
            "La etiqueta de la {product} no viene en español y no indica el país de origen.",
            "Mi {product} empezó a echar humo y chispas anoche. Nadie se hizo daño, pero es "
            "peligroso.",
            "Compartieron mis datos personales con una empresa de publicidad sin mi "
            "permiso. No paran de llamarme.",
            "Llevé la {product} al servicio técnico el {date} y me la devolvieron sin "
            "arreglar. Pedido {order}.",
            "El pedido {order} llegó con una semana de retraso y la {product} no era el "
            "modelo que pedí.",
        ],
    },
    "zh-Hans": {
        "product": "洗衣机|手机|笔记本电脑|电水壶|吸尘器|微波炉|耳机|路由器"
        "|空气炸锅|电视机|电暖器|冰箱",
        "store": "南京路|中关村|天河城|春熙路",
        "date": "3月3日|上周一|2月12日|周末|14号",
        "extra": "||谢谢。|希望本周内给我答复。|请尽快给我回电话。"
        "|这已经不是第一次了。|我是你们十年的老客户了。",
        "text": [
            "我{date}买的{product}用了{days}天就坏了，要求换货或者退款。",
            "订单{order}被重复扣款了两次，请尽快把多扣的钱退给我。",
            "快递员把包裹放在门外淋雨，外箱破损，里面的{product}也压坏了。订单号{order}。",
            "约好{date}上门安装{product}，结果一直没人来，也没有人打电话说明。",
            "{store}门店的店员态度很差，我问{product}的问题时直接不耐烦地吼我。",
            "家里已经{days}天没有信号了，电话打不出去，严重影响工作。",
            "官网显示{product}有货，可是下单后一直说缺货，已经等了好几周。",
            "{product}的包装上没有中文说明，也没有标注产地。",
            "昨晚{product}突然冒烟还冒火花，幸好没人受伤，但是太危险了。",
            "你们把我的个人信息泄露给了推销公司，我每天都接到骚扰电话。",
            "{date}把{product}送去维修，拿回来还是修不好。订单号{order}。",
            "订单{order}晚了一个星期才到，而且{product}的型号也发错了。",
        ],
    },
    "zh-Hant": {
        "product": "洗衣機|手機|筆記型電腦|電熱水壺|吸塵器|微波爐|耳機|路由器"
        "|氣炸鍋|電視機|電暖器|冰箱",
        "store": "信義|西門町|銅鑼灣|旺角",
        "date": "3月3日|上週一|2月12日|週末|14號",
        "extra": "||謝謝。|希望本週內給我答覆。|請儘快回電給我。"
        "|這已經不是第一次了。|我是你們十年的老客戶了。",
        "text": [
            "我{date}買的{product}用了{days}天就壞了，要求換貨或者退款。",
            "訂單{order}被重複扣款兩次，請儘快把多扣的錢退給我。",
            "快遞員把包裹放在門外淋雨，外箱破損，裡面的{product}也壓壞了。訂單編號{order}。",
            "約好{date}到府安裝{product}，結果一直沒有人來，也沒有人打電話說明。",
            "{store}門市的店員態度很差，我問{product}的問題時直接不耐煩地兇我。",
            "家裡已經{days}天沒有訊號了，電話打不出去，嚴重影響工作。",
            "官網顯示{product}有貨，可是下單後一直說缺貨，已經等了好幾週。",
            "{product}的包裝上沒有中文說明，也沒有標示產地。",
            "昨晚{product}突然冒煙還冒火花，幸好沒有人受傷，但是太危險了。",
            "你們把我的個人資料外洩給推銷公司，我每天都接到騷擾電話。",
            "{date}把{product}送去維修，拿回來還是沒修好。訂單編號{order}。",
            "訂單{order}晚了一個星期才到，而且{product}的型號也寄錯了。",
        ],
    },
}
NAMES = {
    "en": "James Carter|Emily Watson|Oliver Hughes|Sophie Turner|Harry Patel",
    "es": "Lucía Fernández|Javier Moreno|Carmen Ruiz|Pablo Navarro|Marta Gil",
    "zh-Hans": "王芳|李伟|张敏|刘洋|陈静",
    "zh-Hant": "陳美玲|林志明|黃淑芬|張家豪|李雅婷",
}
SUBJECTS = {
    "en": "Complaint|Faulty product|Refund request|Very disappointed",
    "es": "Reclamación|Producto defectuoso|Solicitud de reembolso|Muy decepcionado",
    "zh-Hans": "投诉|产品质量问题|申请退款|非常失望",
    "zh-Hant": "投訴|產品品質問題|申請退款|非常失望",
}
REGULARS = 12
"""Recurring customers: about one complaint in ten is theirs, so later ones count as repeats."""


def complaints(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """`count` distinct webhook bodies: unique ids, new complaints (no complaint numbers)."""
    rng = random.Random(seed)
    languages = list(TEXTS)
    regulars = [
        (f"regular-{n:02d}", languages[n % 4], "vip" if n % 3 == 0 else "") for n in range(REGULARS)
    ]
    for index in range(count):
        if rng.random() < 0.1:
            customer_id, language, tier = rng.choice(regulars)
        else:
            customer_id, language, tier = f"cust-{index:06d}", rng.choice(languages), ""
        words = TEXTS[language]
        text = rng.choice(words["text"]).format(
            product=rng.choice(words["product"].split("|")),
            store=rng.choice(words["store"].split("|")),
            date=rng.choice(words["date"].split("|")),
            days=rng.randint(2, 20),
            order=f"SO-{rng.randint(100000, 999999)}",
        )
        extra = rng.choice(words["extra"].split("|"))
        text = f"{text} {extra}".strip() if language in ("en", "es") else text + extra
        assert not COMPLAINT_NUMBER.search(text)
        name = NAMES[language].split("|")[int(customer_id[-2:]) % 5]
        customer = {"id": customer_id, "name": name, "tier": tier}
        if rng.random() < 0.5:
            customer["email"] = f"{customer_id}@example.com"
        body: dict[str, Any] = {"id": f"msg-{index:06d}", "customer": customer, "text": text}
        if rng.random() < 0.5:
            body["language"] = language
        if rng.random() < 0.3:
            body["subject"] = rng.choice(SUBJECTS[language].split("|"))
        yield body


def write_requests(path: Path, count: int, seed: int) -> None:
    """One request a line: the signature header's value, a tab, the raw JSON body."""
    with path.open("wb") as out:
        for body in complaints(count, seed):
            raw = json.dumps(body, ensure_ascii=False).encode()
            signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            out.write(signature.encode() + b"\t" + raw + b"\n")


# ---- wrk ---------------------------------------------------------------------------------------

LUA = r"""-- Generated by bench/intake.py: every pre-signed body is sent exactly once; thread k of N
-- sends lines k, k+N, k+2N... of the data file and stops when all its answers are in.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC: one clock for all threads
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local DATA = "@DATA@"
local THREADS = @THREADS@
local IDLE_MS = 3600000

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  local i = 0
  for line in io.lines(DATA) do
    if i % THREADS == id then
      local tab = string.find(line, "\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Signature"] = string.sub(line, 1, tab - 1),
      }, string.sub(line, tab + 1))
    end
    i = i + 1
  end
  share = #requests
  granted = 0
  sent = 0
  received = 0
  started = false
  first_us = 0
  last_us = 0
  statuses = {}
end

-- wrk asks delay() before every request of a connection: it lets through as many requests
-- as this thread has bodies, and parks the connections that come after.
function delay()
  started = true
  if granted < share then
    granted = granted + 1
    return 0
  end
  return IDLE_MS
end

function request()
  if not started then
    return requests[1]  -- wrk's one-off check of the request's format: never sent
  end
  sent = sent + 1
  if sent == 1 then
    first_us = now_us()
  end
  return requests[math.min(sent, share)]
end

function response(status, headers, body)
  received = received + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if received == share then
    last_us = now_us()
    io.write("BENCH thread_done ", id, "\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local out = {}
  local first, last, sent, share, finished = nil, 0, 0, 0, 0
  local statuses = {}
  for _, thread in ipairs(threads) do
    local f, l = thread:get("first_us"), thread:get("last_us")
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
    if l > 0 then finished = finished + 1 end
    sent = sent + thread:get("sent")
    share = share + thread:get("share")
    for status, count in pairs(thread:get("statuses")) do
      statuses[status] = (statuses[status] or 0) + count
    end
  end
  local status_text = {}
  for status, count in pairs(statuses) do
    status_text[#status_text + 1] = status .. "=" .. string.format("%.0f", count)
  end
  local e = summary.errors
  out[#out + 1] = string.format("BENCH completed %.0f", summary.requests)
  out[#out + 1] = string.format("BENCH sent %.0f", sent)
  out[#out + 1] = string.format("BENCH share %.0f", share)
  out[#out + 1] = string.format("BENCH threads_finished %d", finished)
  out[#out + 1] = string.format("BENCH wrk_duration_us %.0f", summary.duration)
  out[#out + 1] = string.format("BENCH active_us %.0f", first and last > 0 and last - first or 0)
  out[#out + 1] = string.format(
    "BENCH errors connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f",
    e.connect, e.read, e.write, e.status, e.timeout)
  out[#out + 1] = "BENCH statuses " .. table.concat(status_text, " ")
  out[#out + 1] = string.format("BENCH wrk_p50_us %.0f", latency:percentile(50))
  out[#out + 1] = string.format("BENCH wrk_p99_us %.0f", latency:percentile(99))
  local histogram = {}
  for i = 1, #latency do
    local value, count = latency(i)
    histogram[#histogram + 1] = string.format("%.0f:%.0f", value, count)
  end
  out[#out + 1] = "BENCH histogram " .. table.concat(histogram, " ")
  io.write(table.concat(out, "\n"), "\n")
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench: wrk is not installed; install it with `sudo apt-get install -y wrk`")
    print("installing wrk with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: could not install wrk with apt-get; install it and run again")
    return found


@dataclass
class Load:
    """What wrk saw for one server."""

    completed: int
    sent: int
    share: int
    threads_finished: int
    seconds: float
    errors: dict[str, int]
    statuses: dict[int, int]
    latencies_us: list[int] = field(repr=False)
    wrk_p99_us: float
    corrected: bool
    """The percentiles come from the uncorrected histogram (False: wrk's, which failed to undo)."""
    cpu_seconds: float = 0.0
    """CPU time (user + system) the server process used during the run, all threads."""

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def non_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)

    @property
    def socket_errors(self) -> int:
        return sum(count for name, count in self.errors.items() if name != "status")

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile of the requests' latencies."""
        return nearest_rank(self.latencies_us, p) / 1000


def nearest_rank(values: Sequence[float], p: float) -> float:
    """The nearest-rank `p`-th percentile of sorted `values` (NaN when there are none)."""
    if not values:
        return float("nan")
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


def uncorrect(
    histogram: dict[int, int], duration_us: int, completed: int, connections: int
) -> dict[int, int]:
    """Undo wrk's `stats_correct`, which for every recorded latency n >= 2e (e: the mean time
    between two requests of one connection, runtime / (completed / connections)) adds synthetic
    samples at n - e, n - 2e, ... while they stay above e. It runs upward and adds only below,
    so walking downward and subtracting what the higher values added restores the original."""
    per_connection = completed // connections
    if per_connection == 0:
        return dict(histogram)
    expected = duration_us // per_connection
    added: dict[int, int] = defaultdict(int)
    original = {}
    for value in sorted(histogram, reverse=True):
        count = histogram[value] - added.pop(value, 0)
        if count < 0:
            raise ValueError(f"latency {value} us: {-count} more synthetic samples than recorded")
        original[value] = count
        if value >= 2 * expected and count:
            m = value - expected
            while m > expected:
                added[m] += count
                m -= expected
    if any(added.values()):
        raise ValueError("synthetic samples at latencies wrk never recorded")
    return {value: count for value, count in original.items() if count}


def run_wrk(
    wrk: str, url: str, script: Path, threads: int, connections: int, limit_s: int
) -> tuple[Load, str]:
    """Run wrk until every thread has all its answers (or `limit_s` passes); (load, its output)."""
    process = subprocess.Popen(
        [
            *(wrk, "-t", str(threads), "-c", str(connections), "-d", f"{limit_s}s"),
            *("--timeout", "10s", "--latency", "-s", str(script), url),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    lines: list[str] = []
    all_done = threading.Event()

    def read(stream: Any) -> None:
        finished = 0
        for line in stream:
            lines.append(line.rstrip("\n"))
            if line.startswith("BENCH thread_done"):
                finished += 1
                if finished == threads:
                    all_done.set()

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    all_done.wait(limit_s + 30)
    # wrk sleeps out its whole -d unless interrupted; SIGINT ends the sleep and it reports.
    # Repeat it: a signal that lands on a worker thread still exiting does not wake the sleep.
    while process.poll() is None:
        if all_done.is_set():
            process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.5)
    reader.join(10)
    output = "\n".join(lines)
    values = {
        line.split(" ", 2)[1]: line.split(" ", 2)[2] if line.count(" ") >= 2 else ""
        for line in lines
        if line.startswith("BENCH ") and not line.startswith("BENCH thread_done")
    }
    if "completed" not in values:
        sys.exit(f"bench: wrk reported nothing (exit {process.returncode}):\n{output}")
    errors = {
        name: int(count) for name, count in (part.split("=") for part in values["errors"].split())
    }
    statuses = {
        int(status): int(count)
        for status, count in (part.split("=") for part in values["statuses"].split())
    }
    histogram = {
        int(value): int(count)
        for value, count in (part.split(":") for part in values["histogram"].split())
    }
    completed = int(values["completed"])
    corrected = True
    try:
        original = uncorrect(histogram, int(values["wrk_duration_us"]), completed, connections)
        if sum(original.values()) != completed - errors["timeout"]:
            raise ValueError(f"{sum(original.values())} latencies for {completed} requests")
    except ValueError as problem:
        print(f"bench: cannot undo wrk's latency correction ({problem}); using wrk's figures")
        original, corrected = histogram, False
    latencies = [value for value in sorted(original) for _ in range(original[value])]
    active_us = int(values["active_us"])
    threads_finished = int(values["threads_finished"])
    seconds = (active_us if threads_finished == threads else int(values["wrk_duration_us"])) / 1e6
    load = Load(
        completed=completed,
        sent=int(values["sent"]),
        share=int(values["share"]),
        threads_finished=threads_finished,
        seconds=seconds,
        errors=errors,
        statuses=statuses,
        latencies_us=latencies,
        wrk_p99_us=float(values["wrk_p99_us"]),
        corrected=corrected,
    )
    return load, output


# ---- the servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench: the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    process.kill()
    sys.exit(f"bench: the server did not answer /health in {limit_s:.0f}s:\n{log.read_text()}")


@contextlib.contextmanager
def serving(
    command: list[str],
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    ready: Callable[[subprocess.Popen[bytes], int, Path, float], None] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server for the length of the block; `ready` waits until it answers (by default
    on /health), and the server is stopped with SIGTERM afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env or dict(os.environ)
        )
    try:
        (ready or wait_healthy)(process, port, log, 60)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    pid: int, wrk: str, url: str, script: Path, args: argparse.Namespace
) -> tuple[Load, str]:
    before = cpu_seconds(pid)
    load, output = run_wrk(wrk, url, script, args.threads, args.connections, args.limit)
    load.cpu_seconds = cpu_seconds(pid) - before
    return load, output


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the resident peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024  # kB
    return found


def write_bot_settings(directory: Path, port: int) -> tuple[Path, Path]:
    """The shipped settings.toml with a fresh store, a free port and the `bench` source."""
    import tomli_w  # the test extra; the project's venv has it

    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    database = directory / "bot.db"
    data["store"] = {**data.get("store", {}), "url": f"sqlite:///{database}"}
    data["http"] = {**data.get("http", {}), "host": "127.0.0.1", "port": port}
    data["webhook"] = {
        **data.get("webhook", {}),
        "sources": {SOURCE: {"secret": SECRET, "callback_url": ""}},
    }
    path = directory / "settings.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path, database


def count_complaints(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM complaints").fetchone()[0])


# ---- the run -------------------------------------------------------------------------------------


def describe(load: Load, label: str) -> str:
    return (
        f"{label:<10}{load.completed:>9,}{load.seconds:>9.2f}{load.rate:>9.1f}"
        f"{load.percentile_ms(50):>9.1f}{load.percentile_ms(99):>9.1f}"
        f"{load.latencies_us[-1] / 1000 if load.latencies_us else 0:>9.1f}"
        f"{load.wrk_p99_us / 1000:>9.1f}{load.non_2xx:>9}{load.socket_errors:>8}"
        f"{load.cpu_seconds * 1000 / max(load.completed, 1):>9.2f}"
        f"{load.cpu_seconds / load.seconds * 100 if load.seconds else 0:>7.0f}%"
    )


def check(load: Load, label: str, expected: int, threads: int) -> list[str]:
    problems = []
    if load.ok != expected:
        problems.append(f"{label}: {load.ok} of {expected} requests answered 2xx")
    if load.non_2xx:
        problems.append(f"{label}: non-2xx answers by status: {load.statuses}")
    if load.socket_errors:
        problems.append(f"{label}: socket errors {load.errors}")
    if load.threads_finished != threads:
        problems.append(f"{label}: only {load.threads_finished} of {threads} wrk threads finished")
    if load.sent != expected:
        problems.append(f"{label}: {load.sent} requests sent, {expected} expected")
    if not load.corrected:
        problems.append(f"{label}: latencies include wrk's synthetic coordinated-omission samples")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="signed complaints to send")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--limit", type=int, default=120, help="longest run per server, seconds")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the complaints")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--show-wrk", action="store_true", help="print wrk's own report")
    args = parser.parse_args(argv)
    if args.requests < args.connections or args.connections < args.threads:
        parser.error("need requests >= connections >= threads")

    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        data = work / "requests.txt"
        write_requests(data, args.requests, args.seed)
        script = work / "intake.lua"
        script.write_text(
            LUA.replace("@DATA@", str(data)).replace("@THREADS@", str(args.threads)),
            encoding="utf-8",
        )

        loads: dict[str, Load] = {}
        outputs: dict[str, str] = {}

        port = free_port()
        baseline_db = work / "baseline.db"
        env = {**os.environ, "BENCH_BASELINE_DB": str(baseline_db), "BENCH_SECRET": SECRET}
        command = [PYTHON, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        with serving(command, port, work / "baseline.log", env) as baseline_server:
            url = f"http://127.0.0.1:{port}/webhook/{SOURCE}"
            loads["baseline"], outputs["baseline"] = measure(
                baseline_server.pid, wrk, url, script, args
            )

        port = free_port()
        settings, bot_db = write_bot_settings(work, port)
        command = [PYTHON, "bot.py", "--config", str(settings), "--log-level", "WARNING"]
        with serving(command, port, work / "bot.log") as bot:
            idle = memory_mb(bot.pid)
            url = f"http://127.0.0.1:{port}/webhook/{SOURCE}"
            loads["bot"], outputs["bot"] = measure(bot.pid, wrk, url, script, args)
            memory = memory_mb(bot.pid)
        stored = count_complaints(bot_db)
        baseline_rows = count_complaints(baseline_db)
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if args.show_wrk:
        for label, output in outputs.items():
            shown = "\n".join(line for line in output.splitlines() if not line.startswith("BENCH"))
            print(f"---- wrk against the {label}\n{shown}\n")

    baseline, bot_load = loads["baseline"], loads["bot"]
    print(
        f"webhook intake: {args.requests:,} signed complaints, {args.connections} concurrent "
        f"clients (wrk, {args.threads} threads), {os.cpu_count()} cores"
    )
    print()
    print(
        f"{'':<10}{'requests':>9}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'wrk p99':>9}{'non-2xx':>9}{'errors':>8}{'CPU ms':>9}{'CPU':>8}"
    )
    print(describe(baseline, "baseline"))
    print(describe(bot_load, "bot"))
    print(
        "(seconds: from the first request sent to the last answer; wrk p99: with wrk's"
        " coordinated-omission samples;\n CPU ms: the server's CPU time per request, all its"
        " threads; CPU: as a share of one core)"
    )
    print()
    ratio = bot_load.rate / baseline.rate if baseline.rate else 0.0
    p99 = bot_load.percentile_ms(99)
    peak = memory["VmHWM"]

    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    print(
        f"throughput ratio bot/baseline: {ratio:.2f}   "
        f"(target >= {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)})"
    )
    print(
        f"bot p99 latency: {p99:.1f} ms   "
        f"(target < {TARGET_P99_MS:.0f} ms: {verdict(p99 < TARGET_P99_MS)})"
    )
    print(
        f"  note: {args.connections} clients that each await their answer see a mean latency of "
        f"{args.connections} / throughput ({args.connections / bot_load.rate * 1000:.0f} ms for "
        f"the bot),\n  so a p99 under {TARGET_P99_MS:.0f} ms needs more than "
        f"{args.connections / TARGET_P99_MS * 1000:.0f} requests/s"
    )
    print(
        f"bot resident memory: {idle['VmRSS']:.1f} MB before the load, "
        f"{memory['VmRSS']:.1f} MB after, {peak:.1f} MB peak   "
        f"(target < {TARGET_RSS_MB:.0f} MB: {verdict(peak < TARGET_RSS_MB)})"
    )
    print(
        f"stored: bot {stored:,} complaints, baseline {baseline_rows:,} rows "
        f"(expected {args.requests:,} each)"
    )
    problems = [
        *check(baseline, "baseline", args.requests, args.threads),
        *check(bot_load, "bot", args.requests, args.threads),
    ]
    if stored != args.requests:
        problems.append(f"bot: {stored} complaints stored for {args.requests} requests")
    if baseline_rows != args.requests:
        problems.append(f"baseline: {baseline_rows} rows stored for {args.requests} requests")
    for problem in problems:
        print(f"INVALID RUN: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
