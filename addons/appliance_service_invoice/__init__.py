# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""Charges, quotes and invoices of out-of-warranty work.

In-warranty work is free; out-of-warranty and partly covered work gets
charge lines (call-out fee, and with appliance_service_repair the labour and
the parts of the repair record), a quote the customer accepts or declines
before the work starts, and a customer invoice (account_invoice) when the
work is done, whose payment state shows on the order.  A quote declined
once the engineer came closes the visit as an inspection: only the call-out
fee is invoiced.
"""
