"""The staff chat over the inspection documents: `python app.py`, then open the printed URL.

Binds to 127.0.0.1:7860 unless settings say otherwise (RAG_APP__HOST, RAG_APP__PORT; an
optional RAG_APP__USERNAME and RAG_APP__PASSWORD turn on a login). The page comes up at
once; on first start with an empty index it builds the index from corpus/, showing progress.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported anywhere

from rag.errors import RagError  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from rag.ui import create_app, serve  # noqa: E402

__all__ = ["create_app", "serve", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="address to bind (default: settings app.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: settings app.port, 7860)")
    args = parser.parse_args(argv)
    try:
        overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
        settings = load_settings()
        if overrides:
            settings = load_settings(app=settings.app.model_copy(update=overrides).model_dump())
        serve(create_app(settings), settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
