# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""The installed base of the appliance registry per category and province,
with the share of the appliances in warranty on a date."""
