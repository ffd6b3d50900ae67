# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import functools

from trytond.i18n import gettext

from .exceptions import WorkOrderStateError


def require_state(*states):
    """Refuse the call unless every record is in one of states.

    Workflow.transition skips the records it may not move without a word;
    users must be told instead.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(cls, records, *args, **kwargs):
            check_state(records, *states)
            return func(cls, records, *args, **kwargs)
        return wrapper
    return decorator


def check_state(records, *states):
    "Raise WorkOrderStateError unless every record is in one of states"
    for record in records:
        if record.state not in states:
            raise WorkOrderStateError(gettext(
                    'appliance_service.msg_wrong_state',
                    record=record.rec_name,
                    state=record.state_string))
