# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import datetime as dt
import re

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import ApplianceDateError, SerialValidationError
from .warranty import _InWarrantyMixin, coverage_end

PURCHASE_CHANNELS = [
    (None, ""),
    ('retail', "Retail Store"),
    ('online', "Online Store"),
    ('distributor', "Distributor"),
    ('project', "Property Developer"),
    ('direct', "Direct Sale"),
    ('other', "Other"),
    ]
STATUSES = [
    ('in_use', "In Use"),
    ('under_repair', "Under Repair"),
    ('scrapped', "Scrapped"),
    ('transferred', "Transferred"),
    ]


class Brand(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'appliance.brand'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True)
    serial_pattern = fields.Char(
        "Serial Number Format",
        help="A regular expression every serial number of the brand "
        "must match in full.\nLeave empty to accept any serial number.")
    serial_example = fields.Char(
        "Serial Number Example",
        help="Shown to users when a serial number is refused.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'appliance.msg_brand_code_unique'),
            ]

    @classmethod
    def validate_fields(cls, brands, field_names):
        super().validate_fields(brands, field_names)
        cls.check_serial_pattern(brands, field_names)

    @classmethod
    def check_serial_pattern(cls, brands, field_names=None):
        if field_names and not (
                field_names & {'serial_pattern', 'serial_example'}):
            return
        for brand in brands:
            if not brand.serial_pattern:
                continue
            try:
                pattern = re.compile(brand.serial_pattern)
            except re.error as exception:
                raise SerialValidationError(gettext(
                        'appliance.msg_brand_invalid_serial_pattern',
                        brand=brand.rec_name,
                        exception=exception)) from exception
            if (brand.serial_example
                    and not pattern.fullmatch(brand.serial_example)):
                raise SerialValidationError(gettext(
                        'appliance.msg_brand_example_mismatch',
                        brand=brand.rec_name,
                        example=brand.serial_example))

    def is_valid_serial(self, serial):
        if not self.serial_pattern:
            return True
        return bool(re.fullmatch(self.serial_pattern, serial))


class Category(tree(), DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'appliance.category'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    parent = fields.Many2One(
        'appliance.category', "Parent", ondelete='RESTRICT')
    children = fields.One2Many('appliance.category', 'parent', "Children")
    warranty_policy = fields.Many2One(
        'appliance.warranty.policy', "Warranty Policy",
        ondelete='RESTRICT',
        help="The default warranty of the appliance models "
        "of the category.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'appliance.msg_category_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    def get_warranty_policy(self):
        category = self
        while category:
            if category.warranty_policy:
                return category.warranty_policy
            category = category.parent


class Appliance(_InWarrantyMixin, ModelSQL, ModelView):
    __name__ = 'appliance.appliance'
    _rec_name = 'serial_number'

    _states = {
        'readonly': Eval('status').in_(['scrapped', 'transferred']),
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    customer = fields.Many2One(
        'party.party', "Customer", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    product = fields.Many2One(
        'product.product', "Model", required=True, states=_states,
        domain=[('template.appliance', '=', True)],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    brand = fields.Function(
        fields.Many2One('appliance.brand', "Brand"),
        'on_change_with_brand', searcher='search_template_field')
    category = fields.Function(
        fields.Many2One('appliance.category', "Category"),
        'on_change_with_category', searcher='search_template_field')
    serial_number = fields.Char(
        "Serial Number", required=True, states=_states)
    production_date = fields.Date("Production Date", states=_states)
    sale_date = fields.Date(
        "Sale Date", states=_states,
        domain=[
            If(Eval('sale_date') & Eval('production_date'),
                ('sale_date', '>=', Eval('production_date')),
                ()),
            ])
    installation_date = fields.Date(
        "Installation Date", states=_states,
        domain=[
            If(Eval('installation_date') & Eval('sale_date'),
                ('installation_date', '>=', Eval('sale_date')),
                ()),
            ])
    purchase_channel = fields.Selection(
        PURCHASE_CHANNELS, "Purchase Channel", states=_states)
    invoice_reference = fields.Char("Invoice Reference", states=_states)
    installation_address = fields.Many2One(
        'party.address', "Installation Address", states=_states,
        domain=[
            ('party', '=', Eval('customer', -1)),
            ])
    status = fields.Selection(STATUSES, "Status", required=True)
    coverages = fields.One2Many(
        'appliance.warranty.coverage', 'appliance', "Coverages",
        readonly=True)
    extensions = fields.One2Many(
        'appliance.warranty.extension', 'appliance', "Extended Warranties",
        states=_states)
    in_warranty = fields.Function(
        fields.Boolean(
            "In Warranty",
            help="The whole unit is covered by a warranty today."),
        'get_in_warranty', searcher='search_in_warranty')
    warranty_end_date = fields.Function(
        fields.Date("Warranty End"), 'get_warranty_end_date')
    notes = fields.Text("Notes")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('serial_unique', Unique(t, t.product, t.serial_number),
                'appliance.msg_appliance_serial_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.serial_number, Index.Similarity())),
                Index(t, (t.customer, Index.Range())),
                })
        cls._order.insert(0, ('sale_date', 'DESC NULLS LAST'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_status(cls):
        return 'in_use'

    @fields.depends('product')
    def on_change_with_brand(self, name=None):
        if self.product:
            return self.product.template.appliance_brand

    @fields.depends('product')
    def on_change_with_category(self, name=None):
        if self.product:
            return self.product.template.appliance_category

    @classmethod
    def search_template_field(cls, name, clause):
        nested = clause[0][len(name):]
        return [('product.template.appliance_' + name + nested,
                *clause[1:])]

    @fields.depends('customer', 'installation_address')
    def on_change_customer(self):
        if self.customer and (
                not self.installation_address
                or self.installation_address.party != self.customer):
            self.installation_address = self.customer.address_get()

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('serial_number'):
            values['serial_number'] = values['serial_number'].strip().upper()
        return values

    def get_rec_name(self, name):
        # As the lists show it: the model's name and the serial number
        return f'{self.product.name} / {self.serial_number}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('serial_number', operator, operand, *extra),
            ('product.rec_name', operator, operand, *extra),
            ('customer.rec_name', operator, operand, *extra),
            ]

    @property
    def warranty_policy(self):
        template = self.product.template
        if template.warranty_policy:
            return template.warranty_policy
        if template.appliance_category:
            return template.appliance_category.get_warranty_policy()

    def get_in_warranty(self, name):
        today = self._today()
        return any(c.start_date <= today <= c.end_date
            for c in self.coverages if c.kind == 'unit')

    @classmethod
    def search_in_warranty(cls, name, clause):
        _, operator, value = clause[:3]
        positive = (operator == '=') == bool(value)
        domain = [('coverages', 'where', [
                    ('kind', '=', 'unit'),
                    *cls._in_warranty_domain()])]
        if positive:
            return domain
        return [('coverages', 'not where', [
                    ('kind', '=', 'unit'),
                    *cls._in_warranty_domain()])]

    def get_warranty_end_date(self, name):
        ends = [c.end_date for c in self.coverages if c.kind == 'unit']
        return max(ends, default=None)

    def coverage_on(self, date, kind='unit', component=None):
        "Return the coverage of kind that covers date or None"
        for coverage in self.coverages:
            if (coverage.kind == kind
                    and (component is None
                        or coverage.component == component)
                    and coverage.start_date <= date <= coverage.end_date):
                return coverage

    def warranty_status_on(self, date):
        """Return the warranty status on date (WARRANTY_STATUSES): covered
        when the whole unit is, partial when only labour or a key component
        is, else not_covered"""
        if self.coverage_on(date, 'unit'):
            return 'covered'
        if (self.coverage_on(date, 'labour')
                or self.coverage_on(date, 'component')):
            return 'partial'
        return 'not_covered'

    def _policy_coverages(self):
        policy = self.warranty_policy
        if not policy:
            return
        for line in policy.lines:
            start = (self.installation_date or self.sale_date
                if line.start == 'installation' else self.sale_date)
            if not start:
                continue
            yield {
                'kind': line.kind,
                'component': line.component,
                'origin': 'policy',
                'policy_line': line.id,
                'extension': None,
                'start_date': start,
                'end_date': coverage_end(start, line.duration),
                }

    def _extension_coverages(self, base):
        for extension in sorted(
                self.extensions, key=lambda e: (e.purchase_date, e.id)):
            key = (extension.kind, extension.component or None)
            previous = base.get(key)
            if previous and previous >= extension.purchase_date:
                start = previous + dt.timedelta(days=1)
            else:
                start = extension.purchase_date
            end = coverage_end(start, extension.duration)
            base[key] = end
            yield {
                'kind': extension.kind,
                'component': extension.component,
                'origin': 'extension',
                'policy_line': None,
                'extension': extension.id,
                'start_date': start,
                'end_date': end,
                }

    def compute_coverages(self):
        "Return the values of the coverages the appliance should have"
        coverages = list(self._policy_coverages())
        base = {}
        for values in coverages:
            key = (values['kind'], values['component'] or None)
            base[key] = max(base.get(key, values['end_date']),
                values['end_date'])
        coverages.extend(self._extension_coverages(base))
        return coverages

    @classmethod
    def update_coverages(cls, appliances):
        "Synchronise the stored coverages with the warranty rules"
        pool = Pool()
        Coverage = pool.get('appliance.warranty.coverage')
        to_create, to_delete, to_write = [], [], []
        for appliance in appliances:
            existing = {c.key: c for c in appliance.coverages}
            for values in appliance.compute_coverages():
                key = (values['kind'], values['origin'],
                    values['policy_line'], values['extension'])
                coverage = existing.pop(key, None)
                if coverage is None:
                    to_create.append({'appliance': appliance.id, **values})
                elif (coverage.start_date != values['start_date']
                        or coverage.end_date != values['end_date']):
                    to_write.extend([[coverage], {
                                'start_date': values['start_date'],
                                'end_date': values['end_date'],
                                }])
            to_delete.extend(existing.values())
        if to_delete:
            Coverage.delete(to_delete)
        if to_write:
            Coverage.write(*to_write)
        if to_create:
            Coverage.create(to_create)

    @classmethod
    def on_modification(cls, mode, appliances, field_names=None):
        super().on_modification(mode, appliances, field_names=field_names)
        if mode == 'create' or (mode == 'write' and field_names & {
                    'product', 'sale_date', 'installation_date'}):
            cls.update_coverages(cls.browse([a.id for a in appliances]))

    @classmethod
    def validate_fields(cls, appliances, field_names):
        super().validate_fields(appliances, field_names)
        cls.check_dates(appliances, field_names)
        cls.check_serial_number(appliances, field_names)

    @classmethod
    def check_dates(cls, appliances, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')
        if field_names and not (field_names & {
                    'production_date', 'sale_date', 'installation_date'}):
            return
        today = Date.today()
        for appliance in appliances:
            production = appliance.production_date
            sale = appliance.sale_date
            installation = appliance.installation_date
            if production and production > today:
                raise ApplianceDateError(gettext(
                        'appliance.msg_appliance_production_future',
                        appliance=appliance.rec_name))
            if sale and sale > today:
                raise ApplianceDateError(gettext(
                        'appliance.msg_appliance_sale_future',
                        appliance=appliance.rec_name))
            if sale and production and sale < production:
                raise ApplianceDateError(gettext(
                        'appliance'
                        '.msg_appliance_sale_before_production',
                        appliance=appliance.rec_name,
                        sale_date=sale, production_date=production))
            if installation and sale and installation < sale:
                raise ApplianceDateError(gettext(
                        'appliance'
                        '.msg_appliance_installation_before_sale',
                        appliance=appliance.rec_name,
                        installation_date=installation, sale_date=sale))

    @classmethod
    def check_serial_number(cls, appliances, field_names=None):
        if field_names and not (field_names & {'serial_number', 'product'}):
            return
        for appliance in appliances:
            brand = appliance.product.template.appliance_brand
            if brand and not brand.is_valid_serial(appliance.serial_number):
                raise SerialValidationError(gettext(
                        'appliance.msg_appliance_invalid_serial',
                        serial=appliance.serial_number,
                        brand=brand.rec_name,
                        example=brand.serial_example or brand.serial_pattern))

    @classmethod
    def copy(cls, appliances, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('coverages', None)
        return super().copy(appliances, default=default)
