"""Django started in a fresh process, for tests of what happens at start-up."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_django(_code=None, **env):
    """Start Django in a fresh process with only these variables set (plus PATH)."""
    environ = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            _code
            or "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'evalportal.settings'); django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], "
            "settings.CELERY_TASK_ALWAYS_EAGER, settings.DEBUG)",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
