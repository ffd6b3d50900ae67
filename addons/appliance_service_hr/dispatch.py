# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The mandatory certificates in the dispatch: an engineer without a valid
one is no candidate for the order (automatic dispatch skips them) and a
dispatch by hand is refused with the name of the certificate."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    def mandatory_certificate_types(self):
        "Return the certificate types the engineer of the order must hold"
        pool = Pool()
        Type = pool.get('appliance.engineer.certificate.type')
        category = self.appliance.category if self.appliance else None
        fault_types = [
            getattr(self, 'fault_type', None),
            getattr(self, 'actual_fault_type', None)]
        return Type.mandatory_for(category, fault_types)

    def _certificate_date(self, info):
        pool = Pool()
        Date = pool.get('ir.date')
        return info.date or Date.today()

    def _dispatch_info(self, slot=None):
        pool = Pool()
        Employee = pool.get('company.employee')
        info = super()._dispatch_info(slot=slot)
        types = self.mandatory_certificate_types()
        if types:
            engineers = self._service_engineers(self.company)
            missing = Employee.missing_certificates(
                engineers, types, self._certificate_date(info))
            info.excluded = frozenset(missing)
        return info

    def _dispatch_error(self, engineer, info, candidate):
        pool = Pool()
        Employee = pool.get('company.employee')
        if candidate.reason == 'certificate':
            types = self.mandatory_certificate_types()
            missing = Employee.missing_certificates(
                [engineer], types, self._certificate_date(info))
            return gettext('appliance_service_hr.msg_dispatch_certificate',
                engineer=engineer.rec_name,
                order=self.rec_name,
                certificate=', '.join(
                    t.rec_name for t in missing.get(engineer.id, types)))
        return super()._dispatch_error(engineer, info, candidate)
