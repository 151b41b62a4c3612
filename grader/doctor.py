"""`learn doctor`: how learner code is isolated on this machine, shown by trying.

It starts a worker pool exactly as grading does and runs a small probe *as learner code* in
a worker, then reports what that code could and could not do: see the course's solutions or
the state folder, see other processes, write outside its own folder, reach the network.
Every line is a measurement, not a reading of the configuration.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import click

from grader import sandbox
from grader.errors import UserError

# Run in the worker as if a learner had written it. Paths are passed in: the probe cannot
# know them otherwise.
_PROBE = '''
import os, socket

def probe(secret_paths, grader_folder):
    seen = {}
    seen["pid"] = os.getpid()
    try:
        seen["processes"] = len([p for p in os.listdir("/proc") if p.isdigit()])
    except OSError:
        seen["processes"] = 0
    seen["secrets_visible"] = [p for p in secret_paths if os.path.exists(p)]
    try:
        with open(os.path.join(grader_folder, ".learn-doctor-probe"), "w"):
            pass
        seen["grader_writable"] = True
        os.unlink(os.path.join(grader_folder, ".learn-doctor-probe"))
    except OSError:
        seen["grader_writable"] = False
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=0.3).close()
        seen["network"] = True
    except OSError as error:
        seen["network"] = error.errno not in (101, 99)   # unreachable: no route out at all
    return seen
'''


def run_doctor() -> int:
    """Print the isolation report; exit status 0 when learner code is sandboxed, else 1."""
    from grader.isolation import PoolError, WorkerPool, WorkerSpec
    from grader.paths import course_root
    from grader.progress import state_dir
    from grader.submission import GradingSignal, Submission, WorkerSession

    bwrap = sandbox.bwrap_binary()
    click.echo(f"bwrap:    {bwrap or 'not found'}")
    secrets = [str(state_dir())]
    try:
        secrets.append(str(course_root() / "solutions"))
    except UserError:
        pass
    grader_folder = str(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory(prefix="learn-doctor-") as folder:
        probe_file = Path(folder) / "learn_doctor_probe.py"
        probe_file.write_text(_PROBE, encoding="utf-8")
        try:
            with WorkerPool(("numpy",)) as pool:
                session = WorkerSession(pool, WorkerSpec.for_file(probe_file, "learn_doctor_probe"),
                                        test_seconds=20, run_seconds=30)
                try:
                    seen = Submission(session).probe(secrets, grader_folder)
                finally:
                    session.close()
                level = pool.level
        except (PoolError, GradingSignal) as error:
            raise UserError(f"a grading worker could not run here: {error}") from None
    click.echo(level.describe())
    checks = [
        ("learner code sees only its own processes", seen["processes"] <= 1),
        ("the solutions and the state folder are invisible", not seen["secrets_visible"]),
        ("the grader package is read-only", not seen["grader_writable"]),
        ("no network beyond loopback", not seen["network"]),
    ]
    for text, ok in checks:
        click.echo(f"  {click.style('✓', fg='green') if ok else click.style('✗', fg='red')} {text}")
    if seen["secrets_visible"]:
        click.echo(f"      visible: {', '.join(seen['secrets_visible'])}")
    return 0 if level.sandboxed and all(ok for _, ok in checks) else 1


@click.command()
def doctor() -> None:
    """Show how learner code is isolated here, by running a probe as learner code.

    Exit status 0 when the sandbox is on and every check holds, else 1.

    \b
    Example:
      learn doctor
    """
    raise SystemExit(run_doctor())
