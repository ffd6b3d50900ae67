# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Quotation(metaclass=PoolMeta):
    __name__ = 'purchase.request.quotation'

    valid_until = fields.Date(
        "Valid Until",
        states={
            'readonly': Eval('state').in_(['rejected', 'cancelled']),
            },
        help="The last day the supplier's prices hold; "
        "an expired quotation is never chosen.")

    def is_valid(self, date):
        return (self.state == 'received'
            and (not self.valid_until or self.valid_until >= date))


class QuotationLine(metaclass=PoolMeta):
    __name__ = 'purchase.request.quotation.line'

    normalised_price = fields.Function(
        fields.Numeric("Normalised Price", digits=(16, 4),
            help="The unit price in the company currency "
            "per unit of the request."),
        'get_normalised_price')

    def get_normalised_price(self, name=None):
        "Return the price per request unit in the company currency"
        pool = Pool()
        Uom = pool.get('product.uom')
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        if self.unit_price is None or not self.currency:
            return None
        request = self.request
        price = self.unit_price
        if self.unit and request.unit and self.unit != request.unit:
            price = Uom.compute_price(self.unit, price, request.unit)
        company_currency = request.company.currency
        if self.currency != company_currency:
            with Transaction().set_context(date=Date.today()):
                price = Currency.compute(
                    self.currency, price, company_currency, round=False)
        return Decimal(price).quantize(Decimal('0.0001'))


class PurchaseRequest(metaclass=PoolMeta):
    __name__ = 'purchase.request'

    def get_best_quotation(self, name):
        """The preferred quotation when still valid, else the cheapest valid
        one once currency and unit are normalised"""
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        if (self.preferred_quotation_line
                and self.preferred_quotation_line.quotation.is_valid(today)):
            return self.preferred_quotation_line
        valid = [l for l in self.quotation_lines
            if l.quotation.is_valid(today)
            and l.get_normalised_price() is not None]
        if not valid:
            return None
        return min(valid, key=lambda l: (l.get_normalised_price(), l.id))


class CreatePurchase(metaclass=PoolMeta):
    __name__ = 'purchase.request.create_purchase'

    def apply_quotation(self, request):
        request = super().apply_quotation(request)
        line = request.best_quotation_line
        if line.unit:
            request.unit = line.unit
        return request

    @classmethod
    def compute_purchase_line(cls, key, requests, purchase):
        pool = Pool()
        Uom = pool.get('product.uom')
        Currency = pool.get('currency.currency')
        line = super().compute_purchase_line(key, requests, purchase)
        prices = []
        for request in requests:
            quotation = request.best_quotation_line
            if not quotation or quotation.unit_price is None:
                continue
            price = quotation.unit_price
            if quotation.unit and line.unit and quotation.unit != line.unit:
                price = Uom.compute_price(quotation.unit, price, line.unit)
            if quotation.currency != purchase.currency:
                with Transaction().set_context(date=purchase.purchase_date):
                    price = Currency.compute(
                        quotation.currency, price, purchase.currency)
            prices.append(price)
        if prices:
            line.unit_price = min(prices).quantize(
                Decimal(1) / 10 ** line.__class__.unit_price.digits[1])
        return line


class CreateQuotation(metaclass=PoolMeta):
    __name__ = 'purchase.request.quotation.create'

    def default_ask_suppliers(self, fields):
        # Requests of the same supplier would list it once per request
        values = super().default_ask_suppliers(fields)
        values['suppliers'] = list(dict.fromkeys(values.get('suppliers', [])))
        return values
