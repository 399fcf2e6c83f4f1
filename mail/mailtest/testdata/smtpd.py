"""A small SMTP server for Fundus's mail tests (python3-aiosmtpd).

Usage: smtpd.py PORT OUTDIR [--tls CERT KEY --user USER --password PASS] [--reject ADDRESS]

Every message accepted is written to OUTDIR as NNNN.eml (written to a
temporary name first, then renamed, so a reader never sees half a file),
the envelope's recipients in the first line as "X-Envelope-To: a, b".
With --tls the server offers STARTTLS and requires it, and requires
signing in as USER/PASS. Mail to --reject ADDRESS is refused with 550.
Prints "ready" once it listens; stops on SIGTERM.
"""
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    opts = {}
    while args:
        name = args.pop(0)
        if name == "--tls":
            opts["cert"], opts["key"] = args.pop(0), args.pop(0)
        else:
            opts[name.lstrip("-")] = args.pop(0)

    class Handler:
        def __init__(self):
            self.n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
            self.lock = threading.Lock()

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == opts.get("reject"):
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            with self.lock:
                self.n += 1
                name = os.path.join(outdir, "%04d.eml" % self.n)
            head = ("X-Envelope-To: %s\r\n" % ", ".join(envelope.rcpt_tos)).encode()
            with open(name + ".tmp", "wb") as f:
                f.write(head + envelope.original_content)
            os.rename(name + ".tmp", name)
            return "250 OK stored"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.login.decode() == opts.get("user") and auth_data.password.decode() == opts.get("password")
        return AuthResult(success=ok)

    kwargs = {}
    if "cert" in opts:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(opts["cert"], opts["key"])
        kwargs = dict(tls_context=ctx, require_starttls=True, auth_required=True,
                      auth_require_tls=True, authenticator=authenticator)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                            decode_data=False, ident="fundus-test-smtpd", **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
