"""Start the 年报助手 web app: `python app.py [--host 0.0.0.0] [--port 7860] [--auth user:pass,…] [--admin user]`.

Thin on purpose: flags and environment (assistant.settings) in, `assistant.web.serve` out.
"""

from __future__ import annotations

import argparse
import sys

from assistant.settings import load_settings


def parse_auth(value: str) -> list[tuple[str, str]]:
    """ "user:pass,user2:pass2" → [(user, pass), …]; "" → no password."""
    users = []
    for pair in filter(None, (p.strip() for p in (value or "").split(","))):
        user, sep, password = pair.partition(":")
        if not (sep and user and password):
            raise ValueError("用户名和密码应写成“用户名:密码”（多个用户用逗号分隔），例如 --auth admin:secret")
        users.append((user, password))
    return users


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="年报助手网页版（默认仅本机访问：http://127.0.0.1:7860）")
    ap.add_argument("--host", help="监听地址；局域网使用时设为 0.0.0.0（也可用 GRADIO_SERVER_NAME）")
    ap.add_argument("--port", type=int, help="端口（也可用 GRADIO_SERVER_PORT），默认 7860")
    ap.add_argument("--auth", help="访问密码，格式“用户名:密码”，多个用户用逗号分隔（也可用 ASSISTANT_AUTH）")
    ap.add_argument("--admin", help="可以修改大模型设置的用户名（默认 --auth 中的第一个用户；不设密码时仅限本机）")
    args = ap.parse_args(argv)
    try:
        settings = load_settings()
        auth = parse_auth(args.auth if args.auth is not None else settings.auth)
        if args.admin and args.admin not in dict(auth):
            raise ValueError(f"--admin 指定的用户“{args.admin}”不在 --auth 的用户中")
    except ValueError as exc:
        print(f"设置有误：{exc}", file=sys.stderr)
        return 2
    from assistant.web import serve

    print("年报助手正在启动……", flush=True)
    try:
        serve(settings, host=args.host, port=args.port, auth=auth, admin=args.admin)
    except OSError as exc:  # port taken, address not available
        print(f"无法启动网页服务：{exc}\n可用 --port 指定其他端口。", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
