# This file is part of the appliance_service_repair module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Repairs: the fault catalog, versioned repair plans and the completion of
work orders.

Fault types per appliance category; repair plans with steps, parts, tools,
standard labour time and skill level, activated and obsoleted by version;
the completion record of a work order (actual fault, plan version, steps
done, parts and labour used, root cause, photos) checked before the order
is done; a repair of the same appliance within the rework period is linked
back as rework.  The skill level of the plan raises the level dispatch
requires.
"""
