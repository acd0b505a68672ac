"""What a long-running process works out before it serves: gunicorn, the Celery worker and beat.

With DEBUG off they run Django's deploy checks and refuse to start on any error, such as a
secret left empty or at a published value (shop/checks.py); the messages name each setting.
Their number of workers follows the CPUs this container may use, not the host's.
"""

import os
from pathlib import Path

import django
from django.conf import settings
from django.core import checks


def refuse_unsafe_start(process: str) -> None:
    django.setup()
    if settings.DEBUG:
        return
    problems = [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.is_serious() and not message.is_silenced()
    ]
    if problems:
        lines = "\n".join(f"  {message}" for message in problems)
        # Straight to file descriptor 2: Celery may have put a logging proxy in place of sys.stderr.
        os.write(2, f"{process} refuses to start with DEBUG off:\n{lines}\n".encode())
        raise SystemExit(3)


def available_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The CPUs this process may use: a container's CPU quota (cgroup v2 cpu.max), not the host's count."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = cpu_max.read_text().split()
    except (OSError, ValueError):
        return cpus
    if quota == "max":
        return cpus
    return max(1, min(cpus, -(-int(quota) // int(period))))
