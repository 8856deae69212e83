"""Where the interpreters of these machines live: pyenv's root, shared by the tools that run
every CPython present (gen_opcodes, switch_probe, switch_check, precision_run)."""
import os
import subprocess


def pyenv_root():
    """`pyenv root`, else $PYENV_ROOT, else ~/.pyenv."""
    try:
        r = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True, timeout=30)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
