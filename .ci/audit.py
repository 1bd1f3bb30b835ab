"""Dependency audit of the locked versions (pip-audit), strict about findings, calm about reach.

Run by .ci/run and `make audit`. A known vulnerability in a locked version fails the run
unless it is listed, with the reason it cannot be fixed yet, in .ci/audit-known.txt (one
advisory id per line, then the reason); listed ones are printed on every run, never hidden.

pip-audit asks PyPI's JSON API for each locked version's advisories (the registry this
machine reaches; no other service). Where that API does not answer for a version (an index
mirror that serves only the download pages answers 404), pip-audit can audit nothing: this
script then says so loudly, names the packages it could not check, and does not fail the
run, because a missing answer is not a finding and must not make CI flaky.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWN = ROOT / ".ci" / "audit-known.txt"
LOCK = ROOT / "requirements-dev.lock"


def known_advisories() -> dict[str, str]:
    known = {}
    if KNOWN.exists():
        for line in KNOWN.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                advisory, _, reason = line.partition(" ")
                known[advisory] = reason.strip()
    return known


def main() -> int:
    known = known_advisories()
    command = [
        str(ROOT / ".venv" / "bin" / "pip-audit"),
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        "pypi",
        "--disable-pip",
        "--requirement",
        str(LOCK),
        "--format",
        "json",
        "--timeout",
        "20",
    ]
    for advisory in known:
        command += ["--ignore-vuln", advisory]
    for advisory, reason in known.items():
        print(f"known advisory, not fixable yet: {advisory} — {reason}")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        print("WARNING: dependency audit timed out: the advisory service did not answer.")
        return 0
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print("WARNING: dependency audit could not run:", (result.stderr or result.stdout).strip()[-800:])
        return 0
    found = [(d["name"], d["version"], v) for d in report.get("dependencies", []) for v in d.get("vulns", [])]
    skipped = [d["name"] for d in report.get("dependencies", []) if d.get("skip_reason")]
    audited = len(report.get("dependencies", [])) - len(skipped)
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
        print(f"VULNERABLE: {name} {version}: {vuln['id']} (fixed in: {fixes})")
    if skipped:
        print(
            f"WARNING: {len(skipped)} of {len(skipped) + audited} locked packages could not be audited: "
            "the registry did not answer for their versions (PyPI's per-version JSON API). "
            f"Not audited: {', '.join(skipped)}"
        )
    print(f"dependency audit: {audited} audited, {len(found)} vulnerable, {len(skipped)} not reachable")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
