# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import PurchaseApprovalError


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'

    approval_level = fields.Function(
        fields.Integer("Approval Level",
            help="The number of approval levels the amount needs: "
            "0 none, 1 first approval, 2 first and second approvals."),
        'get_approval_level')
    approval_note = fields.Char(
        "Approval Note",
        states={
            'invisible': Eval('state') != 'quotation',
            },
        help="The reason of the approver, recorded with the approval "
        "or the rejection.")
    approvals = fields.Function(
        fields.Many2Many(
            'ir.model.button.click', None, None, "Approvals"),
        'get_approvals')
    rejected_by = fields.Many2One(
        'res.user', "Rejected By", readonly=True,
        states={
            'invisible': ~Eval('rejected_by'),
            })
    rejected_at = fields.DateTime(
        "Rejected At", readonly=True,
        states={
            'invisible': ~Eval('rejected_by'),
            })
    rejection_reason = fields.Text(
        "Rejection Reason", readonly=True,
        states={
            'invisible': ~Eval('rejected_by'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'reject': {
                    'invisible': Eval('state') != 'quotation',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, purchases, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approval_note')
        default.setdefault('rejected_by')
        default.setdefault('rejected_at')
        default.setdefault('rejection_reason')
        return super().copy(purchases, default=default)

    def get_approval_level(self, name):
        pool = Pool()
        Configuration = pool.get('purchase.configuration')
        Currency = pool.get('currency.currency')
        config = Configuration(1)
        if not self.company or self.untaxed_amount is None:
            return 0
        amount = self.untaxed_amount
        if self.currency and self.currency != self.company.currency:
            with Transaction().set_context(date=self.purchase_date):
                amount = Currency.compute(
                    self.currency, amount, self.company.currency)
        level = 0
        for threshold in [
                config.approval_amount, config.second_approval_amount]:
            if threshold is not None and amount >= threshold:
                level += 1
            else:
                break
        return level

    @classmethod
    def get_approvals(cls, purchases, name):
        pool = Pool()
        Click = pool.get('ir.model.button.click')
        result = {p.id: [] for p in purchases}
        with Transaction().set_context(active_test=False):
            clicks = Click.search([
                    ('button.model', '=', cls.__name__),
                    ('button.name', '=', 'confirm'),
                    ('record_id', 'in', list(result)),
                    ], order=[('create_date', 'ASC'), ('id', 'ASC')])
        for click in clicks:
            result[click.record_id].append(click.id)
        return result

    @classmethod
    def confirm(cls, purchases):
        for purchase in purchases:
            if purchase.rejected_by:
                raise PurchaseApprovalError(gettext(
                        'appliance_parts.msg_purchase_rejected',
                        purchase=purchase.rec_name))
        super().confirm(purchases)

    @classmethod
    def draft(cls, purchases):
        for purchase in purchases:
            if purchase.rejected_by:
                raise PurchaseApprovalError(gettext(
                        'appliance_parts.msg_purchase_rejected',
                        purchase=purchase.rec_name))
        super().draft(purchases)

    @classmethod
    @ModelView.button
    def reject(cls, purchases):
        "Reject the purchases waiting for approval with the approver's note"
        for purchase in purchases:
            if purchase.state != 'quotation':
                raise PurchaseApprovalError(gettext(
                        'appliance_parts.msg_purchase_reject_state',
                        purchase=purchase.rec_name))
            if not (purchase.approval_note or '').strip():
                raise PurchaseApprovalError(gettext(
                        'appliance_parts.msg_purchase_reject_reason',
                        purchase=purchase.rec_name))
        now = dt.datetime.now()
        for purchase in purchases:
            purchase.rejected_by = Transaction().user
            purchase.rejected_at = now
            purchase.rejection_reason = purchase.approval_note
            purchase.approval_note = None
        cls.save(purchases)
        cls.cancel(purchases)
