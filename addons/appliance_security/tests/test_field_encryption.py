# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import os
from contextlib import contextmanager
from unittest.mock import patch

from sql import Column, Table

import trytond.config as config
from trytond.exceptions import UserWarning
from trytond.modules.appliance.customer_import import import_customers
from trytond.modules.appliance_security import crypto, field_encryption
from trytond.modules.appliance_security.exceptions import (
    FieldKeyConfigError, IdCardValidationError)
from trytond.modules.appliance_security.field_encryption import (
    encrypted_models, id_card_valid, rotate_field_key)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

MOBILE = '+8613812345678'
OTHER_MOBILE = '+8613998765432'
ID_CARD = '11010519491231002X'
STREET = '解放路123号5栋2单元301室'
REQUEST = {'remote_addr': '203.0.113.7', 'user_agent': 'TestAgent/1.0'}
# The key of the runner encrypts the cached database: it stays the current
# one, except in the rotation
KEY_A = os.environ.get(crypto.ENV_KEY) or crypto.generate_key()
KEY_B = crypto.generate_key()


@contextmanager
def as_user(user, **context):
    "Read as user would through a request, with the access rights"
    transaction = Transaction()
    with transaction.set_user(user.id), transaction.set_context(
            _request=REQUEST, _check_access=True, **context):
        yield


@contextmanager
def field_keys(current, previous=None):
    values = {crypto.ENV_KEY: current}
    if previous:
        values[crypto.ENV_KEY_PREVIOUS] = previous
    with patch.dict(os.environ, values):
        if not previous:
            os.environ.pop(crypto.ENV_KEY_PREVIOUS, None)
        yield


def raw_rows(Model):
    "Return every value of every row of the table of Model as strings"
    cursor = Transaction().connection.cursor()
    table = Model.__table__()
    cursor.execute(*table.select())
    return [[str(v) for v in row if v is not None] for row in cursor]


def create_customer(name="王小明", mobile=MOBILE, street=STREET, **values):
    Party = Pool().get('party.party')
    party, = Party.create([{
                'name': name,
                'mobile_number': mobile,
                'customer_source': 'agent',
                'addresses': [('create', [{'street': street}])],
                **values}])
    return party


def create_user(login, groups=()):
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{
                'login': login, 'name': login,
                'groups': [('add', [
                            ModelData.get_id(*g.split('.')) for g in groups])],
                }])
    return user


class FieldEncryptionTestCase(ModuleTestCase):
    "Test the encryption of the customers' personal data"
    module = 'appliance_security'
    extras = ['appliance_service']

    def setUp(self):
        super().setUp()
        patcher = patch.dict(os.environ, {crypto.ENV_KEY: KEY_A})
        patcher.start()
        os.environ.pop(crypto.ENV_KEY_PREVIOUS, None)
        self.addCleanup(patcher.stop)

    def encrypted_columns(self):
        return [(M, n) for M in encrypted_models()
            for n in sorted(M._encrypted_fields)]

    @with_transaction()
    def test_raw_database_holds_ciphertext(self):
        "A raw read of the tables finds no clear personal data"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        party = create_customer(id_card_number=ID_CARD)
        Party.write([party], {'mobile_number': '139 9876 5432'})
        create_customer(name="李四", mobile='13812340000')

        self.assertEqual(party.mobile_number, OTHER_MOBILE)
        self.assertEqual(party.id_card_number, ID_CARD)
        self.assertEqual(party.addresses[0].street, STREET)
        rows = raw_rows(Party) + raw_rows(Address)
        text = '\n'.join('\t'.join(r) for r in rows)
        for clear in [
                '13998765432', '9876', '13812340000', '+86', '1101051949',
                ID_CARD, '解放路', '301']:
            self.assertNotIn(clear, text)

        cursor = Transaction().connection.cursor()
        table = Party.__table__()
        cursor.execute(*table.select(
                table.mobile_number_enc, table.mobile_number_bidx,
                table.id_card_number_enc,
                where=table.id == party.id))
        mobile_enc, mobile_bidx, id_card_enc = cursor.fetchone()
        self.assertTrue(mobile_enc.startswith('enc1$'))
        self.assertTrue(id_card_enc.startswith('enc1$'))
        self.assertEqual(len(mobile_bidx), 32)
        # A random nonce per value: the same number twice differs
        aad = b'party.party.mobile_number'
        self.assertNotEqual(
            crypto.encrypt(MOBILE, aad), crypto.encrypt(MOBILE, aad))
        self.assertEqual(
            crypto.decrypt(crypto.encrypt(MOBILE, aad), aad), MOBILE)

    @with_transaction()
    def test_ciphertext_bound_to_column(self):
        "A ciphertext copied to another column does not decrypt"
        pool = Pool()
        Party = pool.get('party.party')
        party = create_customer(id_card_number=ID_CARD)
        cursor = Transaction().connection.cursor()
        table = Party.__table__()
        cursor.execute(*table.update(
                [table.id_card_number_enc], [table.mobile_number_enc],
                where=table.id == party.id))
        with self.assertRaises(FieldKeyConfigError):
            Party(party.id).id_card_number

    @with_transaction()
    def test_search_by_phone(self):
        "Exact searches by phone use the blind index"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        party = create_customer()
        other = create_customer(name="李四", mobile=OTHER_MOBILE, street=None)

        self.assertEqual(
            Party.search([('mobile_number', '=', MOBILE)]), [party])
        self.assertEqual(Party.find_by_mobile('138 1234 5678'), [party])
        self.assertEqual(Party.find_by_mobile('13812345679'), [])
        self.assertEqual(Party.search([
                    ('mobile_number', 'in', [MOBILE, OTHER_MOBILE]),
                    ], order=[('id', 'ASC')]), [party, other])
        self.assertNotIn(party, Party.search([
                    ('mobile_number', '!=', MOBILE)]))
        self.assertIn(other, Party.search([
                    ('mobile_number', '!=', MOBILE)]))
        self.assertNotIn(party, Party.search([('mobile_number', '=', None)]))
        # The call centre types the number as the customer says it
        self.assertEqual(Party.search([
                    ('rec_name', 'ilike', '%138-1234-5678%')]), [party])
        self.assertEqual(Party.search([
                    ('rec_name', 'ilike', '%王小明%')]), [party])
        # No search inside the value: that would need the clear text
        self.assertEqual(Party.search([
                    ('mobile_number', 'ilike', '%5678%')]), [])
        self.assertEqual(
            Address.search([('street', '=', STREET)]), list(party.addresses))
        self.assertEqual(Party.search([
                    ('addresses.street', '=', ' 解放路123号5栋2单元301室 ')]),
            [party])

    @with_transaction()
    def test_duplicate_and_import(self):
        "The duplicate warning and the import find a number already used"
        create_company()
        party = create_customer()

        with self.assertRaises(UserWarning):
            create_customer(name="王小明二", mobile='138 1234 5678')

        data = (
            'name,mobile,street\n'
            '张三,13812345678,人民路1号\n'
            '赵六,13700001111,人民路2号\n'
            '赵七,137 0000 1111,人民路3号\n')
        parties, errors = import_customers(data.encode('utf-8'))
        self.assertEqual([p.name for p in parties], ["赵六"])
        self.assertEqual([line for line, _ in errors], [2, 4])
        self.assertIn(party.name, errors[0][1])
        self.assertEqual(parties[0].mobile_number, '+8613700001111')
        self.assertEqual(parties[0].addresses[0].street, '人民路2号')

    @with_transaction()
    def test_masking_per_group(self):
        "Only the group sees the clear values; others read them masked"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        party = create_customer(id_card_number=ID_CARD)
        other = create_customer(name="李四", mobile=OTHER_MOBILE)
        clerk = create_user('clerk', ['appliance.group_parts_clerk'])
        agent = create_user('agent', ['appliance.group_customer_service'])
        manager = create_user('manager', ['appliance.group_manager'])
        trusted = create_user(
            'trusted', ['appliance_security.group_personal_data'])
        fields = ['mobile_number', 'id_card_number', 'rec_name']

        for user in [agent, manager, trusted]:
            with self.subTest(user=user.login), as_user(user):
                values, = Party.read([party.id], fields)
                self.assertEqual(values['mobile_number'], MOBILE)
                self.assertEqual(values['id_card_number'], ID_CARD)
                self.assertEqual(Address(party.addresses[0].id).street,
                    STREET)

        with as_user(clerk):
            values, = Party.read([party.id], fields)
            self.assertEqual(values['mobile_number'], '138****5678')
            self.assertEqual(values['id_card_number'], '110***********002X')
            self.assertIn('138****5678', values['rec_name'])
            self.assertEqual(Address(party.addresses[0].id).street,
                STREET[:3] + '****')
            # Instances read with the access rights are masked too
            self.assertEqual(Party(party.id).mobile_number, '138****5678')
            # Searching the full number still works
            self.assertEqual(
                Party.search([('mobile_number', '=', MOBILE)]), [party])
        with Transaction().set_user(clerk.id), Transaction().set_context(
                _request=REQUEST):
            # The masked value sent back unchanged keeps the number
            Party.write([Party(party.id)], {
                    'mobile_number': '138****5678', 'name': "王小明"})
        self.assertEqual(Party(party.id).mobile_number, MOBILE)

        # Internal code of the same user (no request) reads clear values
        with Transaction().set_user(clerk.id):
            self.assertEqual(Party(party.id).mobile_number, MOBILE)

        # Only the portal's user may say which customer it serves
        with as_user(clerk, portal_party=party.id):
            self.assertEqual(
                Party.read([party.id], ['mobile_number'])[0]['mobile_number'],
                '138****5678')
        # A customer on the portal sees their own data only
        with patch.object(field_encryption, 'portal_user_id',
                return_value=clerk.id), \
                as_user(clerk, portal_party=party.id):
            values = Party.read([party.id, other.id], ['mobile_number'])
            self.assertEqual(
                [v['mobile_number'] for v in values],
                [MOBILE, '139****5432'])
            self.assertEqual(
                Address(party.addresses[0].id).street, STREET)
            self.assertEqual(
                Address(other.addresses[0].id).street, STREET[:3] + '****')

    @with_transaction()
    def test_engineer_sees_own_open_orders(self):
        "An engineer reads the customers of their open work orders"
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Region = pool.get('appliance.service.region')
        WorkOrder = pool.get('appliance.work_order')
        Request = pool.get('appliance.service.request')
        company = create_company()
        party = create_customer()
        engineer = create_user('engineer', ['appliance.group_engineer'])
        with set_company(company):
            employee, = Employee.create([{
                        'party': Party.create([{'name': "赵建国"}])[0].id,
                        'company': company.id,
                        'service_engineer': True,
                        }])
            region, = Region.create([{'name': "广东", 'code': 'GD'}])
            request, = Request.create([{
                        'company': company.id,
                        'kind': 'installation',
                        'channel': 'phone',
                        'customer': party.id,
                        'address': party.addresses[0].id,
                        'description': "安装空调",
                        }])
            self.assertEqual(request.contact_mobile, MOBILE)
            order, = WorkOrder.create([{
                        'company': company.id,
                        'request': request.id,
                        'kind': 'installation',
                        'customer': party.id,
                        'address': party.addresses[0].id,
                        'region': region.id,
                        'engineer': employee.id,
                        }])
            WorkOrder.write([order], {'state': 'dispatched'})
        User = pool.get('res.user')
        User.write([engineer], {
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                })

        context = {'company': company.id}
        with as_user(engineer, **context):
            values = Party.read([party.id], ['mobile_number'])
            self.assertEqual(values[0]['mobile_number'], MOBILE)
            self.assertEqual(Request.read(
                    [request.id], ['contact_mobile'])[0]['contact_mobile'],
                MOBILE)
        WorkOrder.write([order], {'state': 'done'})
        with as_user(engineer, **context):
            # The visit is over
            self.assertEqual(
                Party.read([party.id], ['mobile_number'])[0]['mobile_number'],
                '138****5678')
            self.assertEqual(Request.read(
                    [request.id], ['contact_mobile'])[0]['contact_mobile'],
                '138****5678')
        self.assertEqual(
            Request.search([('contact_mobile', '=', '13812345678')]),
            [request])
        self.assertNotIn(MOBILE[3:], '\n'.join(
                '\t'.join(r) for r in raw_rows(Request)))

    @with_transaction()
    def test_id_card_number(self):
        "The ID card number is checked by its GB 11643 check character"
        pool = Pool()
        Party = pool.get('party.party')
        self.assertTrue(id_card_valid('440524188001010014'))
        self.assertFalse(id_card_valid('440524188001010015'))
        self.assertFalse(id_card_valid('440524188013010013'))
        self.assertFalse(id_card_valid('44052418800101001'))
        party = create_customer(id_card_number='11010519491231002x')
        self.assertEqual(party.id_card_number, ID_CARD)
        self.assertEqual(
            Party.search([('id_card_number', '=', ' 11010519491231002x')]),
            [party])
        for number in ['110105194912310021', '1101051949123100', 'ABC']:
            with self.subTest(number=number):
                with self.assertRaises(IdCardValidationError):
                    Party.write([party], {'id_card_number': number})
        Party.write([party], {'id_card_number': '440524188001010014'})
        with Transaction().set_context(_skip_warnings=True):
            copy, = Party.copy([party])
        self.assertIsNone(copy.id_card_number)
        self.assertEqual(copy.mobile_number, MOBILE)

    @with_transaction()
    def test_missing_key(self):
        "Without a key the encryption refuses with a clear message"
        pool = Pool()
        Party = pool.get('party.party')
        party = create_customer()
        previous = config.get('appliance_security', 'field_key', default='')
        with patch.dict(os.environ, {crypto.ENV_KEY: ''}):
            if previous:
                config.set('appliance_security', 'field_key', '')
            try:
                with self.assertRaisesRegex(
                        FieldKeyConfigError, 'APPLIANCE_FIELD_KEY'):
                    create_customer(name="李四", mobile=OTHER_MOBILE)
                with self.assertRaises(FieldKeyConfigError):
                    Party(party.id).mobile_number
            finally:
                if previous:
                    config.set('appliance_security', 'field_key', previous)
        with patch.dict(os.environ, {crypto.ENV_KEY: 'c2hvcnQ='}):
            with self.assertRaisesRegex(FieldKeyConfigError, '32 bytes'):
                create_customer(name="李四", mobile=OTHER_MOBILE)

    @with_transaction()
    def test_rotation_interrupted_and_resumed(self):
        "A rotation stopped half-way goes on where it stopped"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        mobiles = [f'+86139000000{i:02d}' for i in range(7)]
        with field_keys(KEY_A):
            parties = [
                create_customer(name=f"客户{i}", mobile=m,
                    street=f'人民路{i}号')
                for i, m in enumerate(mobiles)]
        key_a, key_b = crypto._parse(KEY_A), crypto._parse(KEY_B)

        def key_ids():
            cursor = Transaction().connection.cursor()
            table = Party.__table__()
            cursor.execute(*table.select(table.mobile_number_enc,
                    where=table.id.in_([p.id for p in parties])))
            return [crypto.key_id(v) for v, in cursor]

        committed = []
        with field_keys(KEY_B, KEY_A):
            left = sum(
                M.count_field_key(n) for M, n in self.encrypted_columns())
            self.assertGreaterEqual(left, 2 * len(parties))
            # Interrupted: the streets are done, not the mobiles
            done = rotate_field_key(batch_size=4, max_batches=3,
                commit=lambda *a: committed.append(a))
            self.assertEqual(len(committed), 3)
            self.assertEqual(done, sum(c for *_, c in committed))
            self.assertEqual(left - done, sum(
                    M.count_field_key(n) for M, n in self.encrypted_columns()))
            self.assertIn(key_a.id, key_ids())
            # Both keys read and search in the meantime
            for party, mobile in zip(parties, mobiles):
                self.assertEqual(Party(party.id).mobile_number, mobile)
                self.assertEqual(Party.find_by_mobile(mobile), [party])
            new = create_customer(name="新客户", mobile=OTHER_MOBILE)
            # Resumed: only what is left is done
            total = rotate_field_key(batch_size=4)
            self.assertEqual(total, left - done)
            self.assertEqual(set(key_ids()), {key_b.id})
            self.assertEqual(rotate_field_key(batch_size=4), 0)
            for Model, name in self.encrypted_columns():
                self.assertEqual(Model.count_field_key(name), 0)
            self.assertEqual(Party.find_by_mobile(OTHER_MOBILE), [new])

        with field_keys(KEY_B):
            # The old key is gone: everything reads and searches
            for party, mobile in zip(parties, mobiles):
                party = Party(party.id)
                self.assertEqual(party.mobile_number, mobile)
                self.assertEqual(Party.find_by_mobile(mobile), [party])
                street = party.addresses[0].street
                self.assertEqual(
                    Address.search([('street', '=', street)]),
                    list(party.addresses))
        with field_keys(KEY_A):
            with self.assertRaisesRegex(
                    FieldKeyConfigError, key_b.id):
                Party(parties[0].id).mobile_number

    @with_transaction()
    def test_migration_of_plain_values(self):
        "Plain values left by the module before are encrypted on update"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        party = create_customer(mobile=None, street=None)
        address = party.addresses[0]
        cursor = Transaction().connection.cursor()
        table = Party.__table__()
        handler = Party.__table_handler__()
        if not handler.column_exist('mobile_number'):
            handler.add_column('mobile_number', 'VARCHAR')
        cursor.execute(*table.update(
                [Column(table, 'mobile_number')], [MOBILE],
                where=table.id == party.id))
        address_table = Table(Address._table)
        cursor.execute(*address_table.update(
                [address_table.street_unstructured], [STREET],
                where=address_table.id == address.id))

        Party.__register__('appliance_security')
        Address.__register__('appliance_security')

        self.assertEqual(Party(party.id).mobile_number, MOBILE)
        self.assertEqual(Party.find_by_mobile(MOBILE), [party])
        self.assertEqual(Address(address.id).street, STREET)
        text = '\n'.join(
            '\t'.join(r) for r in raw_rows(Party) + raw_rows(Address))
        self.assertNotIn('13812345678', text)
        self.assertNotIn('解放路', text)


del ModuleTestCase
