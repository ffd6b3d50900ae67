# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The export of the reports to CSV and XLSX: the columns of the list, the
figures as numbers."""
import csv
import datetime as dt
import io
import os
import re
import tempfile
from decimal import Decimal

import xlsxwriter
from lxml import etree

from trytond.model import ModelView, fields
from trytond.wizard import Button, StateTransition, StateView, Wizard

FORMATS = [
    ('xlsx', "Excel (XLSX)"),
    ('csv', "CSV"),
    ]


def export_columns(Model):
    """The (name, label, type) of the columns of the list view of Model,
    in their order"""
    view = Model.fields_view_get(view_type='tree')
    tree = etree.fromstring(view['arch'])
    names = [f.get('name') for f in tree.iter('field')
        if f.get('tree_invisible') not in {'1', 'True', 'true'}]
    definitions = Model.fields_get(names)
    return [(n, definitions[n]['string'], definitions[n]['type'])
        for n in names]


def cell_value(record, name, type_, selections):
    "The value of the field of record as written in a cell"
    value = getattr(record, name)
    if value is None:
        return None
    if type_ in {'many2one', 'reference'}:
        return value.rec_name
    if type_ == 'selection':
        return selections[name].get(value, value)
    if type_ == 'boolean':
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def report_rows(Model, records, columns):
    "The header and the rows of cells of records"
    selections = {
        name: dict(Model.fields_get([name])[name]['selection'])
        for name, _, type_ in columns if type_ == 'selection'}
    yield [label for _, label, _ in columns]
    for record in records:
        yield [cell_value(record, name, type_, selections)
            for name, _, type_ in columns]


def write_csv(rows):
    "The rows as UTF-8 CSV with a BOM so that spreadsheets read Chinese"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([
                v.isoformat() if isinstance(v, (dt.date, dt.datetime))
                else ('' if v is None else v) for v in row])
    return ('\ufeff' + buffer.getvalue()).encode('utf-8')


def write_xlsx(rows, sheet_name):
    """The rows as an XLSX workbook written in constant memory: rows go to
    the file as they come, so the export of a big report stays small"""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'report.xlsx')
        workbook = xlsxwriter.Workbook(path, {
                'constant_memory': True,
                'strings_to_numbers': False,
                'remove_timezone': True,
                })
        header = workbook.add_format({'bold': True})
        date_format = workbook.add_format({'num_format': 'yyyy-mm-dd'})
        datetime_format = workbook.add_format(
            {'num_format': 'yyyy-mm-dd hh:mm'})
        sheet = workbook.add_worksheet(
            re.sub(r'[\[\]:*?/\\]', ' ', sheet_name)[:31])
        for row_index, row in enumerate(rows):
            for col_index, value in enumerate(row):
                if row_index == 0:
                    sheet.write_string(row_index, col_index, value, header)
                elif value is None:
                    continue
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(
                        row_index, col_index, value, datetime_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(row_index, col_index,
                        dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, (int, float)):
                    sheet.write_number(row_index, col_index, value)
                else:
                    sheet.write_string(row_index, col_index, str(value))
        workbook.close()
        with open(path, 'rb') as file:
            return file.read()


class ExportStart(ModelView):
    "Export report"
    __name__ = 'appliance.analytics.export.start'

    format = fields.Selection(FORMATS, "Format", required=True)

    @classmethod
    def default_format(cls):
        return 'xlsx'


class ExportResult(ModelView):
    "Export report result"
    __name__ = 'appliance.analytics.export.result'

    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)


class Export(Wizard):
    "Export report"
    __name__ = 'appliance.analytics.export'
    start = StateView('appliance.analytics.export.start',
        'appliance_analytics.export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView('appliance.analytics.export.result',
        'appliance_analytics.export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_export(self):
        # The wizard's model is the class of the records (the active model)
        Model = self.model
        records = self.records or Model.search([])
        content, filename = self.export_report(
            Model, records, self.start.format, Model.__names__()['model'])
        self.result.file = content
        self.result.filename = filename
        return 'result'

    @classmethod
    def export_report(cls, Model, records, format_, name):
        "Return the content and the file name of records exported"
        rows = report_rows(Model, records, export_columns(Model))
        if format_ == 'csv':
            return write_csv(rows), name + '.csv'
        return write_xlsx(rows, name), name + '.xlsx'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'filename': self.result.filename,
            }
