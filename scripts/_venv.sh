# Sourced by start.sh and test.sh: make sure .venv holds the project and its dependencies.
# Reinstalls only when pyproject.toml changed since the last install.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "正在安装依赖（首次约需 1–2 分钟）…" >&2
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  touch .venv/.installed
fi
