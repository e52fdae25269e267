"""A tiny http-mode function for the provider tests: listens on 127.0.0.1:$PORT and answers every
GET with its pid and port. Startup and request lines go to stdout/stderr (captured as logs)."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("pid=%d port=%s\n" % (os.getpid(), os.environ.get("PORT"))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("request: " + (fmt % args) + "\n")
        sys.stderr.flush()


server = http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print("listening on %s" % os.environ["PORT"], flush=True)
server.serve_forever()
