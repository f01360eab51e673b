#!/usr/bin/env bash
# Install 年报助手 into .venv (first run only), make sure the browser tests have Chromium and CJK fonts,
# then run the whole test suite.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "正在安装浏览器测试所需的 chromium 和中文字体…" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "浏览器测试需要 chromium 和 fonts-noto-cjk：sudo apt-get install chromium fonts-noto-cjk" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
