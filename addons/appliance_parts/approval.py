# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class ModelButtonClick(metaclass=PoolMeta):
    __name__ = 'ir.model.button.click'

    reason = fields.Char("Reason", readonly=True)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('reason'):
            record = cls._noted_record(values)
            if record is not None:
                values['reason'] = record.approval_note
        return values

    @classmethod
    def on_modification(cls, mode, clicks, field_names=None):
        super().on_modification(mode, clicks, field_names=field_names)
        if mode == 'create':
            cls._clear_notes(clicks)

    @classmethod
    def _noted_record(cls, values):
        "Return the record clicked when it carries an approval note"
        pool = Pool()
        Button = pool.get('ir.model.button')
        if not values.get('button') or not values.get('record_id'):
            return
        button = Button(values['button'])
        try:
            Model = pool.get(button.model)
        except KeyError:
            return
        if 'approval_note' not in Model._fields:
            return
        return Model(values['record_id'])

    @classmethod
    def _clear_notes(cls, clicks):
        "The note is consumed by the click that recorded it"
        pool = Pool()
        for click in clicks:
            if not click.reason:
                continue
            Model = pool.get(click.button.model)
            if 'approval_note' in Model._fields:
                Model.write([Model(click.record_id)], {'approval_note': None})
