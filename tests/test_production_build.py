"""The production build: static files collected with the manifest storage, pages served with them.

With DEBUG=false every ``{% static %}`` resolves through the manifest that collectstatic writes;
a vendored file that refers to a missing one (Bootstrap's ``sourceMappingURL``) makes
collectstatic fail, and then every page is a 500. CI also serves a page through gunicorn
(``.ci/run``).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "production-build-test"}


def run(args, **env):
    environ = {"PATH": os.environ.get("PATH", ""), **PRODUCTION, **env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300
    )


def test_no_vendored_file_refers_to_a_missing_file():
    missing = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in (".css", ".js"):
            continue
        for name in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(encoding="utf-8")):
            if not (path.parent / name).exists():
                missing.append(f"{path.relative_to(ROOT)} → {name}")
    assert missing == []


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    result = run(["manage.py", "collectstatic", "--noinput", "-v", "0"], STATIC_ROOT=str(root))
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_production_collectstatic_writes_the_manifest(static_root):
    assert (static_root / "staticfiles.json").exists()
    assert list((static_root / "vendor" / "bootstrap").glob("bootstrap.min.*.css"))


def test_a_page_renders_with_the_manifest(static_root):
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings');"
        "django.setup(); from django.test import Client;"
        "r = Client().get('/accounts/login/'); print(r.status_code); print(r.content.decode())"
    )
    result = run(["-c", script], STATIC_ROOT=str(static_root), SECURE_SSL_REDIRECT="false")
    assert result.returncode == 0, result.stderr[-3000:]
    status, _, body = result.stdout.partition("\n")
    assert status == "200"
    assert re.search(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", body)
