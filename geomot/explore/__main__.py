"""``python -m geomot.explore [--port 5006] [--no-browser]``: serve the teaching page locally."""
import argparse


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m geomot.explore",
                                 description="An interactive page on semi-discrete optimal transport (Bokeh server).")
    ap.add_argument("--port", type=int, default=5006, help="port on 127.0.0.1 (default: 5006)")
    ap.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args = ap.parse_args(argv)
    try:
        from .app import make_server
    except ModuleNotFoundError as exc:
        raise SystemExit(f"geomot.explore needs {exc.name}: pip install 'geomot[explore]'") from exc
    server = make_server(args.port)
    server.start()
    print(f"geomot explorer on http://127.0.0.1:{args.port}/ (Ctrl+C to stop)", flush=True)
    if not args.no_browser:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
