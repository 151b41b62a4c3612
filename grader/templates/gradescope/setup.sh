#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs learn (from the wheel in this zip) and its dependencies into a virtual
# environment; torch comes from the CPU-only index (the default build is several GB).
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v python3 >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install --index-url https://download.pytorch.org/whl/cpu "@TORCH@"
/autograder/venv/bin/python -m pip install "$SOURCE/wheels/@WHEEL@"
/autograder/venv/bin/python -c "import grader, torch, numpy, pytest"
