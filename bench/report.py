"""What every benchmark reports besides its figures: the machine, its load while the figures
were taken, robust summaries (medians, percentiles) and Markdown tables.

    >>> pct([1.0, 2.0, 3.0, 4.0], 50)
    2.5
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def pct(values: Sequence[float], p: float) -> float:
    """Percentile with linear interpolation (numpy's default), without needing numpy."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def wait_for_quiet(max_load: float, timeout_s: float) -> tuple[float, float, float]:
    """Wait (up to ``timeout_s``) for the 1-minute load to fall below ``max_load``; the
    machine is shared, so a benchmark starts at the quietest moment it can find."""
    deadline = time.monotonic() + timeout_s
    while load()[0] > max_load and time.monotonic() < deadline:
        time.sleep(10)
    return load()


def _cpu_model() -> str:
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        return m.group(1).strip() if m else platform.processor()
    except OSError:
        return platform.processor()


def _ram_gb() -> float:
    try:
        m = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        return int(m.group(1)) / 2**20 if m else float("nan")
    except OSError:
        return float("nan")


def machine() -> dict[str, str]:
    """The facts a reader needs to compare these figures with their own."""
    versions = {}
    for name in ("torch", "onnxruntime", "chromadb", "sentence_transformers", "bm25s"):
        try:
            versions[name] = __import__(name).__version__
        except (ImportError, AttributeError):  # a library this run does not have
            versions[name] = "-"
    return {
        "cpu": f"{os.cpu_count()} CPUs, {_cpu_model()} ({platform.machine()})",
        "ram": f"{_ram_gb():.1f} GB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def code_fingerprint() -> str:
    """A hash of rag/ and eval/ as measured (the code changes under the benchmarks: match it to a commit)."""
    import hashlib

    h = hashlib.sha256()
    files = sorted(p for folder in ("rag", "eval") for p in (ROOT / folder).rglob("*.py"))
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    newest = max(f.stat().st_mtime for f in files)
    return f"sha256 of rag/ and eval/ sources {h.hexdigest()[:12]} (newest file modified {time.strftime('%Y-%m-%d %H:%M', time.localtime(newest))})"


def header(title: str, command: str, loads: Sequence[tuple[float, float, float]], notes: Sequence[str] = ()) -> list[str]:
    """The opening lines of a results file: machine, load, the command that made it."""
    m = machine()
    ones = [x[0] for x in loads] or [load()[0]]
    lines = [
        f"# {title}",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {m['cpu']}, {m['ram']} RAM, {m['os']}",
        f"- software: Python {m['python']}; {m['versions']}",
        (f"- load while measuring (1-minute load average; the machine is shared with other engineers' test runs): "
        f"min {min(ones):.2f}, median {median(ones):.2f}, max {max(ones):.2f} on {os.cpu_count()} CPUs"),
        f"- command: `{command}`",
        f"- code: {code_fingerprint()}",
    ]
    lines += [f"- {n}" for n in notes]
    return lines + [""]


def table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def command_line() -> str:
    return ".venv/bin/python " + " ".join([str(Path(sys.argv[0]).resolve().relative_to(ROOT))] + sys.argv[1:])


def write(path: Path, lines: Sequence[str]) -> None:
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path}")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du_mb(path: Path) -> float:
    total = 0
    for p in path.rglob("*"):
        try:
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_blocks * 512
        except OSError:
            pass
    return total / 2**20
