"""Start the 年报助手 web app: `python app.py [--host 0.0.0.0] [--port 7860] [--auth user:pass]`.

Thin on purpose: flags and environment (assistant.settings) in, `assistant.webapp.serve` out.
"""

from __future__ import annotations

import argparse
import sys

from assistant.settings import load_settings


def parse_auth(value: str) -> tuple[str, str] | None:
    """ "user:pass" → gradio's (user, pass); "" → no password."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise ValueError("用户名和密码应写成“用户名:密码”，例如 --auth admin:secret")
    return user, password


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="年报助手网页版（默认仅本机访问：http://127.0.0.1:7860）")
    ap.add_argument("--host", help="监听地址；局域网使用时设为 0.0.0.0（也可用 GRADIO_SERVER_NAME）")
    ap.add_argument("--port", type=int, help="端口（也可用 GRADIO_SERVER_PORT），默认 7860")
    ap.add_argument("--auth", help="访问密码，格式“用户名:密码”（也可用 ASSISTANT_AUTH）")
    args = ap.parse_args(argv)
    try:
        settings = load_settings()
        auth = parse_auth(args.auth if args.auth is not None else settings.auth)
    except ValueError as exc:
        print(f"设置有误：{exc}", file=sys.stderr)
        return 2
    from assistant.webapp import serve

    print("年报助手正在启动……", flush=True)
    try:
        serve(settings, host=args.host, port=args.port, auth=auth)
    except OSError as exc:  # port taken, address not available
        print(f"无法启动网页服务：{exc}\n可用 --port 指定其他端口。", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
