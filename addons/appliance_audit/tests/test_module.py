# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.modules.appliance_audit.audit import DISABLED
from trytond.modules.appliance_audit.exceptions import AuditLogAppendOnlyError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def create_order(company, description="Noisy fan", **values):
    pool = Pool()
    Party = pool.get('party.party')
    Region = pool.get('appliance.service.region')
    WorkOrder = pool.get('appliance.work_order')
    region, = Region.search([('code', '=', 'AUD')]) or Region.create([{
                'name': "Audit Region", 'code': 'AUD'}])
    customer, = Party.create([{
                'name': "Wang Fang",
                'addresses': [('create', [{'street': "1 Zhongshan Road"}])],
                }])
    order, = WorkOrder.create([{
                'company': company.id,
                'kind': 'installation',
                'customer': customer.id,
                'address': customer.addresses[0].id,
                'region': region.id,
                'description': description,
                **values,
                }])
    return order


def logs_of(record, action=None):
    Log = Pool().get('appliance.audit.log')
    domain = [
        ('model', '=', record.__name__),
        ('record_id', '=', record.id),
        ]
    if action:
        domain.append(('action', '=', action))
    return Log.search(domain, order=[('id', 'ASC')])


def changes_of(record, names, action='write'):
    "The logs of the changes of the fields names of record"
    return [l for l in logs_of(record, action)
        if l.field and l.field.name in names]


class ApplianceAuditTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Audit module"
    module = 'appliance_audit'
    extras = [
        'stock', 'purchase', 'purchase_request', 'user_role',
        'appliance_service_hr']

    @with_transaction()
    def test_write_logged(self):
        "A write logs who, when, which field, the old and the new value"
        pool = Pool()
        User = pool.get('res.user')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            created, = logs_of(order, 'create')
            self.assertEqual(created.action, 'create')
            self.assertEqual(created.new_value, order.number or str(order.id))

            user, = User.create([{
                        'login': 'auditor', 'name': "Li Lei",
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
            before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            with Transaction().set_user(user.id), \
                    Transaction().set_context(language='en'):
                WorkOrder.write([WorkOrder(order.id)], {
                        'priority': '3',
                        'description': "Noisy fan and a leak",
                        })
            after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

            changes = {
                l.field.name: l
                for l in changes_of(order, {'priority', 'description'})}
            self.assertEqual(set(changes), {'priority', 'description'})
            priority = changes['priority']
            self.assertEqual(priority.user, user)
            self.assertTrue(
                # PostgreSQL keeps the seconds, rounded
                before - dt.timedelta(seconds=1)
                <= priority.timestamp <= after + dt.timedelta(seconds=1))
            # As displayed: the labels of the selection
            self.assertEqual(priority.old_value, "Normal")
            self.assertEqual(priority.new_value, "Urgent")
            self.assertEqual(priority.resource, order)
            self.assertEqual(
                changes['description'].old_value, "Noisy fan")
            self.assertEqual(
                changes['description'].new_value, "Noisy fan and a leak")
            self.assertEqual(
                WorkOrder(order.id).audit_logs,
                tuple(sorted(logs_of(order), key=lambda l: (
                            l.timestamp, l.id), reverse=True)))

    @with_transaction()
    def test_relation_logged_by_name(self):
        "A relation is logged by the names of the records"
        pool = Pool()
        Party = pool.get('party.party')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            other, = Party.create([{
                        'name': "Zhao Min",
                        'addresses': [('create', [{'street': "2 Road"}])],
                        }])
            WorkOrder.write([order], {
                    'customer': other.id,
                    'address': other.addresses[0].id,
                    })
            changes = {
                l.field.name: l
                for l in changes_of(order, {'customer', 'address'})}
            self.assertEqual(changes['customer'].old_value, "Wang Fang")
            self.assertEqual(changes['customer'].new_value, "Zhao Min")
            self.assertEqual(
                changes['address'].new_value, other.addresses[0].rec_name)

    @with_transaction()
    def test_unchanged_not_logged(self):
        "Nothing is logged when the values do not change"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company, priority='2')
            logs = logs_of(order)
            WorkOrder.write([order], {
                    'priority': '2', 'description': "Noisy fan"})
            self.assertEqual(logs_of(order), logs)
            # Fields not audited (function fields) are not read at all
            with patch.object(
                    WorkOrder, '_audit_read',
                    side_effect=AssertionError) as read:
                WorkOrder.write([order], {})
                read.assert_not_called()

    @with_transaction()
    def test_one_query_per_write(self):
        "A write of many records reads twice and inserts once"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Log = pool.get('appliance.audit.log')
        company = create_company()
        with set_company(company):
            orders = [create_order(company) for _ in range(5)]
            fields = Log.field_ids(WorkOrder.__name__)
            audited = {fields['priority'], fields['description']}
            with patch.object(
                    WorkOrder, '_audit_read',
                    wraps=WorkOrder._audit_read) as read, \
                    patch.object(Log, 'insert', wraps=Log.insert) as insert:
                WorkOrder.write(orders, {'priority': '0'}, orders[:2], {
                        'description': "Two"})
            # Other writes may follow (e.g. deadlines): those of this one
            reads = [c for c in read.call_args_list
                if c.args[1] == ['description', 'priority']]
            self.assertEqual(len(reads), 2)
            self.assertEqual(
                [set(c.args[0]) for c in reads], [{o.id for o in orders}] * 2)
            inserts = [c.args[0] for c in insert.call_args_list
                if any(r[3] in audited for r in c.args[0])]
            self.assertEqual(len(inserts), 1)
            rows, = inserts
            self.assertEqual(
                len([r for r in rows if r[3] in audited]), 7)

    @with_transaction()
    def test_disabled(self):
        "The context key of the bench disables the audit"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            logs = logs_of(order)
            with Transaction().set_context(**{DISABLED: True}):
                WorkOrder.write([order], {'priority': '3'})
            self.assertEqual(logs_of(order), logs)
            WorkOrder.write([order], {'priority': '2'})
            self.assertEqual(len(changes_of(order, {'priority'})), 1)

    @with_transaction()
    def test_button_logged(self):
        "The changes of a button are logged as such"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            WorkOrder.cancel([order])
            log, = logs_of(order, 'button')
            self.assertEqual(log.field.name, 'state')
            self.assertEqual(log.old_value, "Draft")
            self.assertEqual(log.new_value, "Cancelled")

    @with_transaction()
    def test_delete_logged(self):
        "A deletion is logged with the name of the record, kept after it"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            name, order_id = order.rec_name, order.id
            WorkOrder.delete([order])
            log, = logs_of(WorkOrder(order_id), 'delete')
            self.assertEqual(log.old_value, name)

    @with_transaction()
    def test_append_only(self):
        "The log can be neither created, changed nor deleted, even by root"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Log = pool.get('appliance.audit.log')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            WorkOrder.write([order], {'priority': '3'})
            logs = logs_of(order)
            self.assertTrue(logs)
            for user in [0, 1]:
                with Transaction().set_user(user):
                    with self.assertRaises(AuditLogAppendOnlyError):
                        Log.write(logs, {'new_value': "Low"})
                    with self.assertRaises(AuditLogAppendOnlyError):
                        Log.delete(logs)
                    with self.assertRaises(AuditLogAppendOnlyError):
                        Log.create([{
                                    'resource': str(order),
                                    'model': order.__name__,
                                    'record_id': order.id,
                                    'timestamp': dt.datetime.now(),
                                    'action': 'write',
                                    }])
                    with self.assertRaises(AuditLogAppendOnlyError):
                        Log.copy(logs)
            self.assertEqual(logs_of(order), logs)

    @with_transaction()
    def test_read_follows_record(self):
        "Who cannot read the record cannot read its trail"
        pool = Pool()
        User = pool.get('res.user')
        Log = pool.get('appliance.audit.log')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            order = create_order(company)
            WorkOrder.write([order], {'priority': '3'})
            log_ids = [l.id for l in logs_of(order)]
            self.assertTrue(log_ids)
            user, = User.create([{'login': 'outsider', 'name': "Outsider"}])
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                self.assertEqual(Log.search([]), [])
                self.assertEqual(
                    Log.search([('record_id', '=', order.id)], count=True), 0)
                with self.assertRaises(AccessError):
                    Log.read(log_ids, ['new_value'])
            # The administrator reads every trail
            with Transaction().set_user(1), \
                    Transaction().set_context(_check_access=True):
                self.assertTrue(Log.search([('record_id', '=', order.id)]))

    @with_transaction()
    def test_price_logged_on_template(self):
        "A change of list price is in the trail of the template"
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        company = create_company()
        with set_company(company):
            unit, = Uom.search([], limit=1)
            template, = Template.create([{
                        'name': "Compressor", 'default_uom': unit.id,
                        'list_price': Decimal('100'),
                        }])
            Template.write([template], {'list_price': Decimal('120')})
            prices = [
                l for l in logs_of(template)
                if l.field and l.field.name == 'list_price']
            self.assertEqual(
                [(l.old_value, l.new_value) for l in prices],
                [(None, '100'), ('100', '120')])


del ModuleTestCase
