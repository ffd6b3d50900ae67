# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
from trytond.pool import Pool, PoolMeta


class SecurityConfiguration(metaclass=PoolMeta):
    __name__ = 'appliance.security.configuration'

    @classmethod
    def default_mfa_groups(cls):
        "Administrators and Service Managers must use a second factor"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        groups = super().default_mfa_groups()
        for module, fs_id in [
                ('appliance', 'group_appliance_admin'),
                ('appliance', 'group_manager')]:
            group = ModelData.get_id(module, fs_id)
            if group not in groups:
                groups.append(group)
        return groups
