"""Runs PyPI's localstripe (pinned: localstripe==1.15.10) for the payments adapter tests.

Its own launcher listens on every interface and pickles its store to /tmp on every
write; this one binds 127.0.0.1 only and keeps the store in memory. It also fills in
PaymentIntent fields that Stripe always returns and localstripe omits, so a strict client
(async-stripe, API 2026-09-30) can read its objects; the values come from localstripe's
own state. It adds what the catalog sync needs and 1.15.10 lacks: Prices (one-time,
with lookup keys and tax behavior, as Stripe's API has them) and the Product fields
Stripe always returns. It also takes a refund's `reason`, one of Stripe's three,
which localstripe refuses as unexpected.

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

import time  # noqa: E402

from aiohttp import web  # noqa: E402
from localstripe import resources, server  # noqa: E402
from localstripe.errors import UserError  # noqa: E402


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
            raise UserError(400, 'Invalid reason: ' + str(reason))
        original_init(self, **kwargs)
        self.reason = reason

    refund.__init__ = __init__


def _complete_products():
    product = resources.Product
    original_export = product._export
    original_update = product._update

    def _export(self, expand=None):
        obj = original_export(self, expand=expand)
        obj.setdefault('images', [])
        obj.setdefault('marketing_features', [])
        obj.setdefault('default_price', None)
        obj.setdefault('package_dimensions', None)
        obj.setdefault('tax_code', None)
        obj.setdefault('unit_label', None)
        obj['updated'] = getattr(self, '_updated', self.created)
        return obj

    def _update(self, **data):
        # Form values arrive as text; `active` is a boolean.
        if 'active' in data:
            data['active'] = resources.try_convert_to_bool(data['active'])
            if type(data['active']) is not bool:
                raise UserError(400, 'Bad request')
        original_update(self, **data)
        self._updated = int(time.time())

    product._export = _export
    product._update = _update


TAX_BEHAVIORS = ('inclusive', 'exclusive', 'unspecified')


class Price(resources.StripeObject):
    """A one-time Price: immutable but for `active`, `lookup_key`, `nickname`,
    `metadata`, and a `tax_behavior` set once from `unspecified`, as at Stripe."""

    object = 'price'
    _id_prefix = 'price_'

    def __init__(self, currency=None, product=None, unit_amount=None,
                 lookup_key=None, transfer_lookup_key=None, tax_behavior=None,
                 active=True, nickname=None, metadata=None, **kwargs):
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        unit_amount = resources.try_convert_to_int(unit_amount)
        active = resources.try_convert_to_bool(active)
        transfer = resources.try_convert_to_bool(transfer_lookup_key) or False
        try:
            assert type(currency) is str and currency
            assert type(product) is str and product
            assert type(unit_amount) is int and unit_amount >= 0
            assert lookup_key is None or (type(lookup_key) is str and lookup_key)
            assert tax_behavior is None or tax_behavior in TAX_BEHAVIORS
            assert type(active) is bool and type(transfer) is bool
            assert metadata is None or type(metadata) is dict
        except AssertionError:
            raise UserError(400, 'Bad request')
        resources.Product._api_retrieve(product)
        holder = _lookup_key_holder(lookup_key)
        if holder is not None and not transfer:
            raise UserError(400, 'A price (%s) already uses that lookup key.' % holder.id,
                            {'code': 'lookup_key_already_exists', 'param': 'lookup_key'})

        # All exceptions must be raised before this point.
        super().__init__()
        if holder is not None:
            holder.lookup_key = None
        self.currency = currency.lower()
        self.product = product
        self.unit_amount = unit_amount
        self.unit_amount_decimal = str(unit_amount)
        self.lookup_key = lookup_key
        self.tax_behavior = tax_behavior or 'unspecified'
        self.active = active
        self.nickname = nickname
        self.metadata = metadata or {}
        self.billing_scheme = 'per_unit'
        self.type = 'one_time'
        self.recurring = None
        self.custom_unit_amount = None
        self.tiers_mode = None
        self.transform_quantity = None

    def _update(self, active=None, lookup_key=None, transfer_lookup_key=None,
                tax_behavior=None, nickname=None, metadata=None, **kwargs):
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        active = resources.try_convert_to_bool(active)
        transfer = resources.try_convert_to_bool(transfer_lookup_key) or False
        try:
            assert active is None or type(active) is bool
            assert tax_behavior is None or tax_behavior in TAX_BEHAVIORS
            assert metadata is None or type(metadata) is dict
        except AssertionError:
            raise UserError(400, 'Bad request')
        if tax_behavior not in (None, self.tax_behavior) and self.tax_behavior != 'unspecified':
            raise UserError(400, 'A tax behavior cannot be changed once set.')
        holder = _lookup_key_holder(lookup_key)
        if holder is not None and holder is not self and not transfer:
            raise UserError(400, 'A price (%s) already uses that lookup key.' % holder.id,
                            {'code': 'lookup_key_already_exists', 'param': 'lookup_key'})

        # All exceptions must be raised before this point.
        if holder is not None and holder is not self:
            holder.lookup_key = None
        if lookup_key is not None:
            self.lookup_key = lookup_key or None
        if active is not None:
            self.active = active
        if tax_behavior is not None:
            self.tax_behavior = tax_behavior
        if nickname is not None:
            self.nickname = nickname
        for key, value in (metadata or {}).items():
            if value:
                self.metadata[key] = value
            else:
                self.metadata.pop(key, None)

    @classmethod
    def _api_list_all(cls, url, active=None, product=None, lookup_keys=None,
                      currency=None, limit=None, starting_after=None, **kwargs):
        kind = kwargs.pop('type', None)
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        active = resources.try_convert_to_bool(active)
        if type(lookup_keys) is str:
            lookup_keys = [lookup_keys]
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        li._list = [
            price for price in li._list
            if (active is None or price.active == active)
            and (product is None or price.product == product)
            and (currency is None or price.currency == currency.lower())
            and (kind is None or price.type == kind)
            and (not lookup_keys or price.lookup_key in lookup_keys)
        ]
        return li


def _lookup_key_holder(lookup_key):
    if lookup_key is None:
        return None
    return next((obj for key, obj in resources.store.items()
                 if key.startswith('price:') and obj.lookup_key == lookup_key), None)


def _add_prices():
    url = '/v1/prices'
    for method, path, handler in (
            ('POST', url, server.api_create),
            ('GET', url + '/{id}', server.api_retrieve),
            ('POST', url + '/{id}', server.api_update),
            ('GET', url, server.api_list_all)):
        server.app.router.add_route(method, path, handler(Price, path))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=8420)
    parser.add_argument('--url-file')
    args = parser.parse_args()

    _no_persistence()
    _complete_payment_intents()
    _refund_reasons()
    _complete_products()
    _add_prices()

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
