#!/usr/bin/env bash
# Install 年报助手 into .venv (first run only) and start the web app on http://127.0.0.1:7860
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python app.py "$@"
