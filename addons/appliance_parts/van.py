# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import VanError


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    van = fields.Many2One(
        'stock.location', "Van", readonly=True, ondelete='RESTRICT',
        domain=[('type', '=', 'storage')],
        states={
            'invisible': ~Eval('service_engineer'),
            },
        help="The engineer's van stock, created with the engineer.")
    parts_warehouse = fields.Many2One(
        'stock.location', "Parts Warehouse", ondelete='RESTRICT',
        domain=[('type', '=', 'warehouse')],
        states={
            'invisible': ~Eval('service_engineer'),
            },
        help="The regional warehouse that refills the van.")

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        super().on_modification(mode, employees, field_names=field_names)
        if mode == 'create' or (
                mode == 'write'
                and 'service_engineer' in (field_names or ())):
            cls.create_vans(employees)

    @classmethod
    def create_vans(cls, employees):
        "Create the van location of the engineers who have none"
        pool = Pool()
        Location = pool.get('stock.location')
        Configuration = pool.get('stock.configuration')
        employees = [e for e in cls.browse(employees)
            if e.service_engineer and not e.van]
        if not employees:
            return
        parent = Configuration(1).van_parent
        if not parent:
            raise VanError(gettext('appliance_parts.msg_van_parent_missing'))
        # Whoever may flag an engineer gets the van with him
        with without_check_access():
            vans = Location.create([{
                        'name': gettext('appliance_parts.msg_van_name',
                            engineer=e.party.name),
                        'code': f'VAN{e.id:04d}',
                        'type': 'storage',
                        'parent': parent.id,
                        } for e in employees])
        for employee, van in zip(employees, vans):
            employee.van = van
        cls.save(employees)

    @property
    def parts_storage(self):
        "The storage location of the engineer's regional warehouse"
        if self.parts_warehouse:
            return self.parts_warehouse.storage_location

    def parts_source(self, product, quantity):
        """Return the location to take quantity of product from:
        the van when it holds it, else the regional warehouse storage"""
        pool = Pool()
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        if self.van:
            with Transaction().set_context(
                    stock_date_end=Date.today(), stock_assign=True):
                pbl = Product.products_by_location(
                    [self.van.id], with_childs=False,
                    grouping_filter=([product.id],))
            if pbl.get((self.van.id, product.id), 0) >= quantity:
                return self.van
        return self.parts_storage or self.van


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    van_of = fields.One2Many(
        'company.employee', 'van', "Van Of", readonly=True)
    engineer = fields.Function(
        fields.Many2One('company.employee', "Engineer"),
        'get_engineer', searcher='search_engineer')

    def get_engineer(self, name):
        return self.van_of[0].id if self.van_of else None

    @classmethod
    def search_engineer(cls, name, clause):
        return [('van_of' + clause[0][len(name):], *clause[1:])]

    @property
    def lost_found_used(self):
        pool = Pool()
        Configuration = pool.get('stock.configuration')
        lost_found = super().lost_found_used
        if not lost_found and not self.warehouse:
            # Vans and the defective parts are outside every warehouse
            lost_found = Configuration(1).outside_lost_found
        return lost_found
