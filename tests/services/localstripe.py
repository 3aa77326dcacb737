"""Runs PyPI's localstripe (pinned: localstripe==1.15.10) for the payments adapter tests.

Its own launcher listens on every interface and pickles its store to /tmp on every
write; this one binds 127.0.0.1 only and keeps the store in memory. It also fills in
PaymentIntent fields that Stripe always returns and localstripe omits, so a strict client
(async-stripe, API 2026-09-30) can read its objects; the values come from localstripe's
own state. It takes a refund's `reason`, one of Stripe's three, which localstripe refuses
as unexpected.

Usage: python3 tests/services/localstripe.py [--port 8420] [--url-file PATH]
Prints (and writes to --url-file) the API base URL once it listens; export it as
LOCALSTRIPE_URL for `cargo test -p campaigns-payments --test localstripe`.
"""

import argparse
import os
import socket
import sys

# This file shares the package's name: keep its folder off the import path.
sys.path = [p for p in sys.path if os.path.abspath(p or '.') != os.path.dirname(os.path.abspath(__file__))]

from aiohttp import web  # noqa: E402
from localstripe import resources, server  # noqa: E402


def _no_persistence():
    resources.Store.try_load_from_disk = lambda self: None
    resources.Store.dump_to_disk = lambda self: None


def _complete_payment_intents():
    intent = resources.PaymentIntent
    original_export = intent._export

    def _export(self, expand=None):
        obj = original_export(self, expand=expand)
        charge = self.latest_charge
        authorized = (charge is not None and charge.status == 'succeeded'
                      and self.status != 'canceled')
        obj.setdefault('amount_capturable',
                       self.amount if authorized and not charge.captured else 0)
        obj.setdefault('amount_received',
                       self.amount if authorized and charge.captured else 0)
        obj.setdefault('confirmation_method', 'automatic')
        obj.setdefault('payment_method_types', ['card'])
        # Stripe sends the charge id unless asked to expand it.
        if isinstance(obj.get('latest_charge'), dict) and 'latest_charge' not in (expand or []):
            obj['latest_charge'] = obj['latest_charge']['id']
        obj.pop('charges', None)
        return obj

    intent._export = _export


def _refund_reasons():
    refund = resources.Refund
    original_init = refund.__init__

    def __init__(self, reason=None, **kwargs):
        if reason not in (None, 'duplicate', 'fraudulent', 'requested_by_customer'):
            raise resources.UserError(400, 'Invalid reason: ' + str(reason))
        original_init(self, **kwargs)
        self.reason = reason

    refund.__init__ = __init__


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=8420)
    parser.add_argument('--url-file')
    args = parser.parse_args()

    _no_persistence()
    _complete_payment_intents()
    _refund_reasons()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', args.port))
    url = 'http://127.0.0.1:%d/' % sock.getsockname()[1]
    print('localstripe listening on ' + url, flush=True)
    if args.url_file:
        with open(args.url_file, 'w') as f:
            f.write(url)
    web.run_app(server.app, sock=sock, print=None)


if __name__ == '__main__':
    main()
