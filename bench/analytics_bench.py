#!/usr/bin/env python3
# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Analytics benchmark.

Fills a PostgreSQL database with --work-orders work orders (COPY loader of
scripts/load_bench_data.py, only what is missing), then, in the same run:

- refreshes the materialised views of bench/analytics.conf and times each
  refresh beside the hand-written SQL of the report built on it;
- times every report as a user gets it (search and read of the report
  model through trytond, with its context) and an equivalent hand-written
  SQL query over the base tables, checks both give the same figures and
  prints our time divided by the hand-written one (target <= 1.5);
- starts trytond, logs in as the Service Manager and times the wall screen
  figures (POST data.json) beside a trivial request of the same path
  (target < 1 s).

It ends with the line

    analytics: worst ratio X (REPORT) at N work orders; wall screen Y s

    TRYTOND_DATABASE_URI=postgresql://postgres@127.0.0.1:5432/ \\
        .venv/bin/python bench/analytics_bench.py --work-orders 1000000
"""
import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))
CONFIGS = [str(ROOT / 'tryton.conf'), str(ROOT / 'bench' / 'analytics.conf')]
PASSWORD = 'appliance-demo'
LOGIN = 'manager'
PORT = 8391


def log(message):
    print(message, flush=True)


def timed(function, repeat):
    "The median wall time of function over repeat runs and its last result"
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# The hand-written queries: each computes the figures of a report from the
# base tables; %(name)s are the parameters of the run.
LOCAL_DATE = "((w.done_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date"
REPAIRS = """
    FROM appliance_work_order w
    JOIN appliance_appliance a ON a.id = w.appliance
    JOIN product_product p ON p.id = a.product
    JOIN product_template t ON t.id = p.template
    WHERE w.company = %(company)s AND w.kind = 'repair'
      AND w.state = 'done' AND w.done_at IS NOT NULL"""
HAND = {
    'fault (fault type)': f"""
        SELECT COALESCE(w.actual_fault_type, w.fault_type) AS key,
            COUNT(*) AS repairs,
            COUNT(*)::float / SUM(COUNT(*)) OVER () AS share
        {REPAIRS}
          AND w.done_at >= %(start_utc)s AND w.done_at < %(end_utc)s
          AND COALESCE(w.actual_fault_type, w.fault_type) IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC""",
    'fault (part)': f"""
        SELECT l.product AS key, COUNT(DISTINCT w.id) AS repairs,
            SUM(l.quantity) AS quantity
        {REPAIRS.replace('WHERE', 'JOIN appliance_work_order_part l '
            'ON l.work_order = w.id WHERE')}
          AND w.done_at >= %(start_utc)s AND w.done_at < %(end_utc)s
        GROUP BY 1 ORDER BY 2 DESC""",
    'trend (month)': f"""
        WITH counts AS (
            SELECT t.appliance_category AS category,
                date_trunc('month', {LOCAL_DATE})::date AS month,
                COUNT(*) AS repairs
            {REPAIRS}
              AND w.done_at >= %(history_utc)s AND w.done_at < %(end_utc)s
            GROUP BY 1, 2),
        grid AS (
            SELECT c.category, m::date AS month
            FROM (SELECT DISTINCT category FROM counts) c,
                generate_series(%(history)s::date, %(end)s::date,
                    interval '1 month') m),
        series AS (
            SELECT g.category, g.month, COALESCE(c.repairs, 0) AS repairs,
                LAG(COALESCE(c.repairs, 0), 12) OVER w AS last_year,
                AVG(COALESCE(c.repairs, 0)) OVER (w ROWS BETWEEN 2
                    PRECEDING AND CURRENT ROW) AS moving_average
            FROM grid g LEFT JOIN counts c
                ON c.category = g.category AND c.month = g.month
            WINDOW w AS (PARTITION BY g.category ORDER BY g.month))
        SELECT category AS key, month, repairs, last_year, moving_average
        FROM series WHERE month >= %(start)s ORDER BY month, category""",
    'trend (week)': f"""
        WITH counts AS (
            SELECT t.appliance_category AS category,
                date_trunc('week', {LOCAL_DATE})::date AS week,
                COUNT(*) AS repairs
            {REPAIRS}
              AND w.done_at >= %(week_history_utc)s
              AND w.done_at < %(end_utc)s
            GROUP BY 1, 2),
        grid AS (
            SELECT c.category, d::date AS week
            FROM (SELECT DISTINCT category FROM counts) c,
                generate_series(%(week_history)s::date, %(end)s::date,
                    interval '1 week') d),
        series AS (
            SELECT g.category, g.week, COALESCE(c.repairs, 0) AS repairs,
                LAG(COALESCE(c.repairs, 0), 52) OVER w AS last_year,
                AVG(COALESCE(c.repairs, 0)) OVER (w ROWS BETWEEN 3
                    PRECEDING AND CURRENT ROW) AS moving_average
            FROM grid g LEFT JOIN counts c
                ON c.category = g.category AND c.week = g.week
            WINDOW w AS (PARTITION BY g.category ORDER BY g.week))
        SELECT category AS key, week, repairs, last_year, moving_average
        FROM series WHERE week >= %(week_start)s ORDER BY week, category""",
    'region (province x month)': f"""
        WITH repairs AS (
            SELECT ad.subdivision,
                date_trunc('month', {LOCAL_DATE})::date AS month,
                COUNT(*) AS repairs
            {REPAIRS.replace('WHERE', 'LEFT JOIN party_address ad ON ad.id '
                '= COALESCE(a.installation_address, w.address) WHERE')}
              AND w.done_at >= %(start_utc)s AND w.done_at < %(end_utc)s
              AND ad.subdivision IS NOT NULL
            GROUP BY 1, 2),
        installed AS (
            SELECT ad.subdivision, date_trunc('month', COALESCE(
                    a.installation_date, a.sale_date,
                    a.production_date))::date AS since,
                COUNT(*) AS appliances
            FROM appliance_appliance a
            JOIN party_address ad ON ad.id = a.installation_address
            WHERE a.company = %(company)s AND ad.subdivision IS NOT NULL
              AND COALESCE(a.installation_date, a.sale_date,
                a.production_date) IS NOT NULL
            GROUP BY 1, 2),
        months AS (SELECT DISTINCT month FROM repairs)
        SELECT i.subdivision AS key, m.month,
            COALESCE(MAX(r.repairs), 0) AS repairs,
            SUM(i.appliances) AS installed,
            COALESCE(MAX(r.repairs), 0) * 1000.0 / SUM(i.appliances) AS rate
        FROM months m
        JOIN installed i ON i.since <= m.month
        LEFT JOIN repairs r ON r.subdivision = i.subdivision
            AND r.month = m.month
        GROUP BY 1, 2 ORDER BY 1, 2""",
    'failure curve': f"""
        WITH first AS (
            SELECT w.appliance, MIN({LOCAL_DATE}) AS date
            {REPAIRS}
            GROUP BY 1),
        ages AS (
            SELECT a.product, t.appliance_category AS category,
                GREATEST((EXTRACT(YEAR FROM age(
                    COALESCE(f.date, CURRENT_DATE), s.start)) * 12
                    + EXTRACT(MONTH FROM age(
                    COALESCE(f.date, CURRENT_DATE), s.start)))::int, 0)
                    AS age,
                (f.date IS NOT NULL)::int AS event
            FROM appliance_appliance a
            CROSS JOIN LATERAL (SELECT COALESCE(a.installation_date,
                a.sale_date, a.production_date) AS start) s
            JOIN product_product p ON p.id = a.product
            JOIN product_template t ON t.id = p.template
            LEFT JOIN first f ON f.appliance = a.id
            WHERE a.company = %(company)s AND s.start <= CURRENT_DATE),
        counts AS (
            SELECT product, category, age, COUNT(*) AS n, SUM(event) AS d
            FROM ages GROUP BY 1, 2, 3),
        risks AS (
            SELECT *, SUM(n) OVER (PARTITION BY product ORDER BY age DESC)
                AS at_risk
            FROM counts)
        SELECT product AS key, age, at_risk, d AS events,
            EXP(SUM(LN(CASE WHEN d::float / at_risk < 1
                THEN 1 - d::float / at_risk ELSE 1 END)) OVER (
                PARTITION BY product ORDER BY age)) AS survival
        FROM risks ORDER BY product, age""",
    'parts demand': """
        WITH facts AS (
            SELECT w.id, a.product, a.id AS appliance,
                ((w.done_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date
                    AS date,
                COALESCE(a.installation_date, a.sale_date,
                    a.production_date) AS start,
                ad.subdivision
            FROM appliance_work_order w
            JOIN appliance_appliance a ON a.id = w.appliance
            LEFT JOIN party_address ad
                ON ad.id = COALESCE(a.installation_address, w.address)
            WHERE w.company = %(company)s AND w.kind = 'repair'
              AND w.state = 'done' AND w.done_at >= %(year_utc)s),
        band AS (
            SELECT product, LEAST(FLOOR((EXTRACT(YEAR FROM age(date, start))
                * 12 + EXTRACT(MONTH FROM age(date, start))) / 12), 10)
                AS band, COUNT(*) AS repairs
            FROM facts WHERE date > CURRENT_DATE - 365 GROUP BY 1, 2),
        exposure AS (
            SELECT product, LEAST(FLOOR((EXTRACT(YEAR FROM age(
                CURRENT_DATE - 182, s)) * 12 + EXTRACT(MONTH FROM age(
                CURRENT_DATE - 182, s))) / 12), 10) AS band,
                COUNT(*) AS appliances
            FROM appliance_appliance a, LATERAL (SELECT COALESCE(
                a.installation_date, a.sale_date, a.production_date) AS s) x
            WHERE a.company = %(company)s AND s <= CURRENT_DATE - 182
            GROUP BY 1, 2),
        base AS (
            SELECT a.product, ad.subdivision, LEAST(FLOOR((EXTRACT(YEAR FROM
                age(CURRENT_DATE, s)) * 12 + EXTRACT(MONTH FROM age(
                CURRENT_DATE, s))) / 12), 10) AS band, COUNT(*) AS appliances
            FROM appliance_appliance a
            JOIN party_address ad ON ad.id = a.installation_address,
            LATERAL (SELECT COALESCE(a.installation_date, a.sale_date,
                a.production_date) AS s) x
            WHERE a.company = %(company)s AND s <= CURRENT_DATE
              AND ad.subdivision IS NOT NULL
              AND a.status IN ('in_use', 'under_repair')
            GROUP BY 1, 2, 3),
        usage AS (
            SELECT f.product, l.product AS part,
                SUM(l.quantity) / MAX(r.repairs) AS per_repair
            FROM facts f
            JOIN appliance_work_order_part l ON l.work_order = f.id
            JOIN (SELECT product, COUNT(*) AS repairs FROM facts
                WHERE date > CURRENT_DATE - 365 GROUP BY 1) r
                ON r.product = f.product
            WHERE f.date > CURRENT_DATE - 365
            GROUP BY 1, 2),
        forecast AS (
            SELECT u.part, b.subdivision,
                SUM(b.appliances * (bd.repairs::float / e.appliances)
                    * u.per_repair) * %(weeks)s * 7 / 365.25 AS forecast
            FROM base b
            JOIN band bd ON bd.product = b.product AND bd.band = b.band
            JOIN exposure e ON e.product = b.product AND e.band = b.band
            JOIN usage u ON u.product = b.product
            GROUP BY 1, 2),
        actual AS (
            SELECT l.product AS part, f.subdivision, SUM(l.quantity) AS actual
            FROM facts f JOIN appliance_work_order_part l
                ON l.work_order = f.id
            WHERE date_trunc('week', f.date) >= %(actual_from)s
              AND date_trunc('week', f.date) < %(this_week)s
              AND f.subdivision IS NOT NULL
            GROUP BY 1, 2)
        SELECT COALESCE(f.part, a.part) AS key,
            COALESCE(f.subdivision, a.subdivision) AS subdivision,
            COALESCE(f.forecast, 0) AS forecast, COALESCE(a.actual, 0)
                AS actual
        FROM forecast f FULL JOIN actual a
            ON a.part = f.part AND a.subdivision = f.subdivision
        ORDER BY 3 DESC""",
    }
# The fault distribution by the other dimensions: the same query on
# another key
FAULT_BY = """
    SELECT {key} AS key, COUNT(*) AS repairs,
        COUNT(*)::float / SUM(COUNT(*)) OVER () AS share
    {repairs}
      AND w.done_at >= %(start_utc)s AND w.done_at < %(end_utc)s
      AND {key} IS NOT NULL
    GROUP BY 1 ORDER BY 2 DESC"""
for _label, _key in [
        ('category', 't.appliance_category'),
        ('brand', 't.appliance_brand'),
        ('model', 'a.product'),
        ('cause', 'w.cause'),
        ]:
    HAND[f'fault ({_label})'] = FAULT_BY.format(key=_key, repairs=REPAIRS)
HAND['region (city)'] = f"""
    WITH repairs AS (
        SELECT ad.subdivision, ad.city,
            date_trunc('month', {LOCAL_DATE})::date AS month,
            COUNT(*) AS repairs
        {REPAIRS.replace('WHERE', 'LEFT JOIN party_address ad ON ad.id '
            '= COALESCE(a.installation_address, w.address) WHERE')}
          AND w.done_at >= %(start_utc)s AND w.done_at < %(end_utc)s
          AND ad.subdivision IS NOT NULL
        GROUP BY 1, 2, 3),
    installed AS (
        SELECT ad.subdivision, ad.city, date_trunc('month', COALESCE(
                a.installation_date, a.sale_date,
                a.production_date))::date AS since,
            COUNT(*) AS appliances
        FROM appliance_appliance a
        JOIN party_address ad ON ad.id = a.installation_address
        WHERE a.company = %(company)s AND ad.subdivision IS NOT NULL
          AND COALESCE(a.installation_date, a.sale_date,
            a.production_date) IS NOT NULL
        GROUP BY 1, 2, 3),
    months AS (SELECT DISTINCT month FROM repairs),
    grid AS (
        SELECT i.subdivision, i.city, m.month, SUM(i.appliances) AS installed
        FROM months m JOIN installed i ON i.since <= m.month
        GROUP BY 1, 2, 3)
    SELECT g.subdivision AS key, g.city,
        COALESCE(SUM(r.repairs), 0) AS repairs,
        SUM(g.installed) AS installed,
        COALESCE(SUM(r.repairs), 0) * 1000.0 / SUM(g.installed) AS rate
    FROM grid g
    LEFT JOIN repairs r ON r.subdivision = g.subdivision
        AND r.city IS NOT DISTINCT FROM g.city AND r.month = g.month
    GROUP BY 1, 2 ORDER BY 1, 2"""
HAND['installed base'] = """
    SELECT t.appliance_category AS key, ad.subdivision, COUNT(*) AS
        appliances,
        COUNT(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM appliance_warranty_coverage c
            WHERE c.appliance = a.id AND c.kind = 'unit'
              AND c.start_date <= %(end)s AND c.end_date >= %(end)s))
            AS in_warranty
    FROM appliance_appliance a
    JOIN product_product p ON p.id = a.product
    JOIN product_template t ON t.id = p.template
    LEFT JOIN party_address ad ON ad.id = a.installation_address
    WHERE a.company = %(company)s
    GROUP BY 1, 2 ORDER BY 3 DESC"""
HAND['follow-up outcomes'] = """
    SELECT satisfaction AS key, COUNT(*) AS follow_ups,
        COUNT(*)::float / SUM(COUNT(*)) OVER () AS share
    FROM appliance_follow_up
    WHERE company = %(company)s AND state = 'done'
      AND done_at >= %(start_utc)s AND done_at < %(end_utc)s
    GROUP BY 1 ORDER BY 2 DESC"""
# The failure ranking: the Kaplan-Meier curves of the models and of their
# categories, the first-year and two-year failure of each model
HAND['failure ranking'] = HAND['failure curve'].replace(
    """        SELECT product AS key, age, at_risk, d AS events,
            EXP(SUM(LN(CASE WHEN d::float / at_risk < 1
                THEN 1 - d::float / at_risk ELSE 1 END)) OVER (
                PARTITION BY product ORDER BY age)) AS survival
        FROM risks ORDER BY product, age""",
    """        , models AS (
            SELECT product, category, age, n, d, EXP(SUM(LN(
                CASE WHEN d::float / at_risk < 1 THEN 1 - d::float / at_risk
                ELSE 1 END)) OVER (PARTITION BY product ORDER BY age))
                AS survival
            FROM risks),
        category_counts AS (
            SELECT category, age, SUM(n) AS n, SUM(d) AS d
            FROM counts GROUP BY 1, 2),
        categories AS (
            SELECT category, age, EXP(SUM(LN(CASE WHEN d::float / at_risk < 1
                THEN 1 - d::float / at_risk ELSE 1 END)) OVER (
                PARTITION BY category ORDER BY age)) AS survival
            FROM (SELECT *, SUM(n) OVER (PARTITION BY category
                ORDER BY age DESC) AS at_risk FROM category_counts) c),
        per_category AS (
            SELECT category,
                1 - MIN(CASE WHEN age < 12 THEN survival ELSE 1 END)
                    AS failure_12
            FROM categories GROUP BY 1)
        SELECT m.product AS key, SUM(m.n) AS appliances, SUM(m.d) AS
            repaired,
            1 - MIN(CASE WHEN m.age < 12 THEN m.survival ELSE 1 END)
                AS failure_12,
            1 - MIN(CASE WHEN m.age < 24 THEN m.survival ELSE 1 END)
                AS failure_24,
            1 - MIN(CASE WHEN m.age < 12 THEN m.survival ELSE 1 END)
                - MAX(c.failure_12) AS excess_12
        FROM models m LEFT JOIN per_category c ON c.category = m.category
        GROUP BY 1 ORDER BY 6 DESC""")

# The facts of the work orders behind the indicators of the quality,
# satisfaction and engineer reports, from the base tables: the same
# definitions as appliance_service_kpi (doc/index.rst), written by hand
KPI_FACTS = """
    WITH f AS (
        SELECT w.id, w.engineer, w.region, w.state = 'done' AS done,
            w.state = 'done' AND w.kind = 'repair' AS repair_done,
            t.appliance_category AS category, ad.subdivision AS province,
            COALESCE(w.done_at, w.sla_start, r.received_at, w.create_date)
                AS date,
            ROUND(((EXTRACT(EPOCH FROM w.assigned_at) - EXTRACT(EPOCH FROM
                COALESCE(w.sla_start, r.received_at, w.create_date)))
                / 3600)::numeric, 2)::float AS response,
            CASE WHEN w.state = 'done' THEN ROUND(((EXTRACT(EPOCH FROM
                w.done_at) - EXTRACT(EPOCH FROM COALESCE(w.sla_start,
                r.received_at, w.create_date))) / 3600)::numeric, 2)::float
                END AS resolution,
            CASE WHEN w.state = 'done' THEN ROUND(((EXTRACT(EPOCH FROM
                w.done_at) - EXTRACT(EPOCH FROM w.started_at))
                / 3600)::numeric, 2)::float END AS repair,
            CASE WHEN w.state = 'done' THEN w.labour_hours END AS labour,
            CASE WHEN w.state = 'done' THEN COALESCE(w.labour_hours
                * COALESCE(k.kpi_labour_cost, 0), 0) + COALESCE((
                SELECT SUM(l.quantity * u.factor / du.factor
                    * COALESCE((SELECT MAX(cp.cost_price)
                        FROM product_cost_price cp
                        WHERE cp.product = l.product
                          AND cp.company = w.company), 0))
                FROM appliance_work_order_part l
                JOIN product_product lp ON lp.id = l.product
                JOIN product_template lt ON lt.id = lp.template
                JOIN product_uom u ON u.id = l.unit
                JOIN product_uom du ON du.id = lt.default_uom
                WHERE l.work_order = w.id), 0) END AS cost,
            (SELECT COUNT(*) FROM appliance_work_order_event e
                WHERE e.work_order = w.id AND e.state = 'waiting') AS waits,
            CASE WHEN w.state = 'done' AND w.kind = 'repair' THEN (
                SELECT MIN(n.done_at) FROM appliance_work_order n
                WHERE n.appliance = w.appliance AND n.kind = 'repair'
                  AND n.state = 'done' AND n.id <> w.id
                  AND n.done_at > w.done_at) END AS next_repair,
            w.done_at,
            CASE
                WHEN w.state = 'cancelled' OR (w.response_deadline IS NULL
                    AND w.resolution_deadline IS NULL) THEN NULL
                WHEN CASE WHEN w.state = 'waiting' THEN w.paused_at
                    WHEN w.state = 'done' THEN w.done_at END
                    > w.resolution_deadline
                    OR w.assigned_at > w.response_deadline THEN 'breached'
                WHEN w.state = 'done' THEN 'met'
                ELSE 'in_progress' END AS sla,
            ra.id AS rating, ra.overall, ra.punctuality, ra.attitude,
            ra.quality,
            (SELECT COUNT(*) FROM appliance_service_request q
                WHERE q.complaint_work_order = w.id AND q.kind = 'complaint'
                  AND q.state <> 'cancelled') AS complaints
        FROM appliance_work_order w
        LEFT JOIN appliance_service_request r ON r.id = w.request
        LEFT JOIN appliance_appliance a ON a.id = w.appliance
        LEFT JOIN product_product p ON p.id = a.product
        LEFT JOIN product_template t ON t.id = p.template
        LEFT JOIN party_address ad ON ad.id = w.address
        LEFT JOIN appliance_work_order_rating ra ON ra.work_order = w.id
        LEFT JOIN appliance_configuration_kpi k ON k.company = w.company
        WHERE w.company = %(company)s
          AND COALESCE(w.done_at, w.sla_start, r.received_at,
            w.create_date) >= %(start_utc)s
          AND COALESCE(w.done_at, w.sla_start, r.received_at,
            w.create_date) < %(end_utc)s),
    g AS (
        SELECT *, next_repair IS NOT NULL AND EXTRACT(EPOCH FROM
                next_repair) - EXTRACT(EPOCH FROM done_at) <= 30 * 86400
                AS reworked_30,
            next_repair IS NOT NULL AND EXTRACT(EPOCH FROM
                next_repair) - EXTRACT(EPOCH FROM done_at) <= 90 * 86400
                AS reworked_90
        FROM f)
    SELECT {key} AS key, {figures}
    FROM g WHERE {key} IS NOT NULL
    GROUP BY 1 ORDER BY 1"""
KPI_FIGURES = {
    'jobs_done': "COUNT(*) FILTER (WHERE done)",
    'response_time': "AVG(response) FILTER (WHERE response >= 0)",
    'time_to_repair': "AVG(resolution) FILTER (WHERE done)",
    'repair_time': "AVG(repair) FILTER (WHERE done)",
    'average_cost': "AVG(cost) FILTER (WHERE done)",
    'cost': "COALESCE(SUM(cost) FILTER (WHERE done), 0)",
    'labour_hours': "COALESCE(SUM(labour) FILTER (WHERE done), 0)",
    'first_time_fix_rate': (
        "100.0 * COUNT(*) FILTER (WHERE repair_done AND waits = 0 "
        "AND NOT reworked_30) / NULLIF(COUNT(*) FILTER (WHERE repair_done), "
        "0)"),
    'rework_rate_30': (
        "100.0 * COUNT(*) FILTER (WHERE reworked_30) / "
        "NULLIF(COUNT(*) FILTER (WHERE repair_done), 0)"),
    'rework_rate_90': (
        "100.0 * COUNT(*) FILTER (WHERE reworked_90) / "
        "NULLIF(COUNT(*) FILTER (WHERE repair_done), 0)"),
    'sla_met_share': (
        "100.0 * COUNT(*) FILTER (WHERE sla = 'met') / "
        "NULLIF(COUNT(sla), 0)"),
    'sla_breached_share': (
        "100.0 * COUNT(*) FILTER (WHERE sla = "
        "'breached') / NULLIF(COUNT(sla), 0)"),
    'sla_in_progress_share': (
        "100.0 * COUNT(*) FILTER (WHERE sla = "
        "'in_progress') / NULLIF(COUNT(sla), 0)"),
    'sla_compliance': (
        "100.0 * COUNT(*) FILTER (WHERE sla = 'met') / "
        "NULLIF(COUNT(*) FILTER (WHERE sla IN ('met', 'breached')), 0)"),
    'csat': (
        "100.0 * COUNT(*) FILTER (WHERE overall >= 4) / "
        "NULLIF(COUNT(rating), 0)"),
    'rating_overall': (
        "SUM(overall) FILTER (WHERE rating IS NOT NULL)::float"
        " / NULLIF(COUNT(rating), 0)"),
    'rating_punctuality': (
        "SUM(punctuality) FILTER (WHERE rating IS NOT "
        "NULL)::float / NULLIF(COUNT(rating), 0)"),
    'rating_attitude': (
        "SUM(attitude) FILTER (WHERE rating IS NOT NULL)"
        "::float / NULLIF(COUNT(rating), 0)"),
    'rating_quality': (
        "SUM(quality) FILTER (WHERE rating IS NOT NULL)"
        "::float / NULLIF(COUNT(rating), 0)"),
    'complaints': "SUM(complaints)",
    'complaint_rate': (
        "100.0 * SUM(complaints) / NULLIF(COUNT(*) FILTER ("
        "WHERE done), 0)"),
    }
QUALITY = ['jobs_done', 'response_time', 'time_to_repair', 'repair_time',
    'average_cost', 'cost', 'first_time_fix_rate', 'rework_rate_30',
    'rework_rate_90', 'sla_met_share', 'sla_breached_share',
    'sla_in_progress_share']
SATISFACTION = ['csat', 'rating_overall', 'rating_punctuality',
    'rating_attitude', 'rating_quality', 'complaints', 'complaint_rate',
    'jobs_done']
ENGINEER = ['jobs_done', 'labour_hours', 'csat', 'first_time_fix_rate',
    'rework_rate_30', 'sla_compliance', 'complaints', 'response_time',
    'time_to_repair', 'average_cost']
MONTH = "date_trunc('month', (date AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)"


def kpi_hand(key, figures):
    return KPI_FACTS.format(key=key, figures=', '.join(
            f'{KPI_FIGURES[f]} AS {f}' for f in figures))


HAND['quality (month)'] = kpi_hand(MONTH, QUALITY)
for _label, _key in [
        ('month', MONTH), ('engineer', 'engineer'), ('region', 'region'),
        ('category', 'category'), ('province', 'province')]:
    HAND[f'satisfaction ({_label})'] = kpi_hand(_key, SATISFACTION)
HAND['engineer performance'] = kpi_hand('engineer', ENGINEER)


def kpi_checks(figures, names):
    "The figures compared and their column in the hand query"
    return [(n, figures.index(n) + 1) for n in names]


def report_specs(period):
    """The reports: (label, model, context, the figures compared with the
    hand-written query as pairs of the field and its column in the hand
    query)"""
    start, end = period['start'], period['end']
    base = {'from_date': start, 'to_date': end}
    specs = [
        ('fault (fault type)', 'appliance.analytics.fault',
            dict(base, group_by='fault_type'), [('repairs', 1)]),
        ('fault (category)', 'appliance.analytics.fault',
            dict(base, group_by='category'), [('repairs', 1)]),
        ('fault (brand)', 'appliance.analytics.fault',
            dict(base, group_by='brand'), [('repairs', 1)]),
        ('fault (model)', 'appliance.analytics.fault',
            dict(base, group_by='product'), [('repairs', 1)]),
        ('fault (part)', 'appliance.analytics.fault',
            dict(base, group_by='part'), [('repairs', 1), ('quantity', 2)]),
        ('fault (cause)', 'appliance.analytics.fault',
            dict(base, group_by='cause'), [('repairs', 1)]),
        ('trend (month)', 'appliance.analytics.trend',
            dict(base, period='month'), [('repairs', 2)]),
        ('trend (week)', 'appliance.analytics.trend',
            dict(from_date=period['week_start'], to_date=end,
                period='week'), [('repairs', 2)]),
        ('region (province x month)', 'appliance.analytics.region',
            dict(base, level='subdivision', by_month=True),
            [('repairs', 2), ('installed', 3)]),
        ('region (city)', 'appliance.analytics.region',
            dict(base, level='city', by_month=False),
            [('repairs', 2), ('installed', 3)]),
        ('installed base', 'appliance.analytics.installed_base',
            {'date': end}, [('appliances', 2), ('in_warranty', 3)]),
        ('quality (month)', 'appliance.analytics.quality',
            dict(base, group_by='month'),
            kpi_checks(QUALITY, QUALITY)),
        ]
    for key in ['month', 'engineer', 'region', 'category', 'province']:
        specs.append((f'satisfaction ({key})',
                'appliance.analytics.satisfaction',
                dict(base, group_by=key),
                kpi_checks(SATISFACTION, SATISFACTION)))
    specs += [
        ('engineer performance', 'appliance.analytics.engineer',
            dict(base, group_by='engineer'),
            kpi_checks(ENGINEER, ENGINEER)),
        ('follow-up outcomes', 'appliance.analytics.follow_up', base,
            [('follow_ups', 1), ('share', 2)]),
        ('failure curve', 'appliance.analytics.failure.curve', {},
            [('events', 3), ('at_risk', 2)]),
        ('failure ranking', 'appliance.analytics.failure.ranking', {},
            [('appliances', 1), ('repaired', 2), ('failure_12', 3),
                ('failure_24', 4)]),
        ('parts demand', 'appliance.analytics.part_demand',
            {'weeks': period['weeks']}, [('actual', 3), ('forecast', 2)]),
        ]
    return specs


def period_parameters(company_tz, today):
    from trytond.tools.timezone import get_tzinfo
    zone = get_tzinfo(company_tz or 'UTC')

    def utc(date):
        local = dt.datetime.combine(date, dt.time()).replace(tzinfo=zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    start = today.replace(day=1) - relativedelta(months=11)
    history = start - relativedelta(months=12)
    week_start = today - dt.timedelta(days=today.weekday() + 7 * 25)
    week_history = week_start - dt.timedelta(weeks=52)
    this_week = today - dt.timedelta(days=today.weekday())
    weeks = 4
    return {
        'tz': company_tz or 'UTC',
        'start': start, 'end': today, 'history': history,
        'week_start': week_start, 'week_history': week_history,
        'start_utc': utc(start), 'end_utc': utc(today + dt.timedelta(1)),
        'history_utc': utc(history), 'week_history_utc': utc(week_history),
        'year_utc': utc(today - dt.timedelta(days=400)),
        'this_week': this_week,
        'actual_from': this_week - dt.timedelta(weeks=weeks),
        'weeks': weeks,
        }


def count_work_orders(database):
    from sql import Table
    from sql.aggregate import Count

    from trytond.transaction import Transaction
    table = Table('appliance_work_order')
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(Count(table.id)))
        return cursor.fetchone()[0]


def materialised_models():
    import configparser
    parser = configparser.ConfigParser()
    parser.optionxform = str
    parser.read(CONFIGS[1])
    return list(parser['table_query_materialized'])


def ensure_views(database):
    "Update the module with the benchmark configuration when a view lacks"
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT matviewname FROM pg_matviews')
        views = {v for v, in cursor}
    wanted = {m.replace('.', '_') for m in materialised_models()}
    if wanted <= views:
        return
    modules = sorted({
            'appliance_service_kpi' if m.startswith('appliance.kpi.')
            else 'appliance_analytics' for m in materialised_models()})
    log("create the materialised views (trytond-admin -u "
        f"{' '.join(modules)})")
    command = [str(Path(sys.executable).parent / 'trytond-admin')]
    for config_file in CONFIGS:
        command += ['-c', config_file]
    command += ['-d', database, '-u', *modules]
    subprocess.run(command, check=True)


def refresh_views(pool, repeat):
    """Refresh every view of the configuration, timed: the model name, its
    freshness (the seconds of the configuration), the seconds of the
    refresh and the rows of the view, or None when the view is missing"""
    from trytond.transaction import Transaction
    refreshed = []
    for name in materialised_models():
        Model = pool.get(name)
        with Transaction().start(pool.database_name, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT 1 FROM pg_matviews WHERE matviewname = %s',
                (Model._table,))
            if not cursor.fetchone():
                refreshed.append((name, None, None, None))
                continue
            seconds, _ = timed(lambda: Model._table_query_refresh(
                    concurrently=False, force=True), 1)
            cursor.execute(f'SELECT COUNT(*) FROM "{Model._table}"')
            rows, = cursor.fetchone()
            transaction.commit()
        refreshed.append(
            (name, Model._table_query_materialized(), seconds, rows))
    return refreshed


def run_reports(pool, company, period, repeat, only=None):
    from trytond.transaction import Transaction
    results = []
    for label, model, context, checks in report_specs(period):
        if only and not any(o in label for o in only):
            continue
        Model = pool.get(model)
        names = ['id'] + [f for f, _ in checks]

        def ours():
            with Transaction().set_context(company=company, **context):
                records = Model.search([])
                return Model.read([r.id for r in records], names)
        with Transaction().start(pool.database_name, 0, readonly=True,
                context={'company': company}) as transaction:
            cursor = transaction.connection.cursor()
            ours_seconds, rows = timed(ours, repeat)

            def hand():
                cursor.execute(HAND[label], dict(period, company=company))
                return cursor.fetchall()
            hand_seconds, hand_rows = timed(hand, repeat)
        figures = []
        for figure, column in checks:
            total = round(sum(float(r[figure] or 0) for r in rows), 2)
            hand_total = round(
                sum(float(r[column] or 0) for r in hand_rows), 2)
            figures.append((figure, total, hand_total, abs(
                        total - hand_total) <= 0.01 * max(
                        1, abs(hand_total)) and len(rows) == len(hand_rows)))
        results.append({
                'report': label,
                'rows': len(rows),
                'hand_rows': len(hand_rows),
                'ours': ours_seconds,
                'hand': hand_seconds,
                'ratio': ours_seconds / hand_seconds,
                'same': all(f[3] for f in figures),
                'figures': figures,
                })
    return results


def explain(pool, company, period, labels, lines=25):
    """Print the plans (EXPLAIN ANALYZE) of the table query of the reports
    whose label contains one of labels, and of their hand-written query"""
    from psycopg import ClientCursor

    from trytond.transaction import Transaction
    for label, model, context, _ in report_specs(period):
        if not any(o in label for o in labels):
            continue
        Model = pool.get(model)
        with Transaction().start(pool.database_name, 0, readonly=True,
                context=dict(context, company=company)) as transaction:
            connection = transaction.connection
            query = Model.table_query()
            sql = ClientCursor(connection).mogrify(str(query), query.params)
            cursor = connection.cursor()
            for name, statement, params in [
                    ('ours', sql.replace('%', '%%'), None),
                    ('hand', HAND[label], dict(period, company=company))]:
                cursor.execute('EXPLAIN (ANALYZE, COSTS OFF) ' + statement,
                    params)
                plan = [r for r, in cursor]
                log(f"\n-- {label}: {name} ({len(plan)} plan lines)")
                for row in plan[:lines]:
                    log('    ' + row)


def defect_alert(pool, company):
    """The seconds of the weekly cron of the batch-defect alert (no report:
    it stores its alerts), rolled back, and the alerts it found"""
    from trytond.transaction import Transaction
    with Transaction().start(pool.database_name, 0,
            context={'company': company}) as transaction:
        Alert = pool.get('appliance.analytics.defect_alert')
        Company = pool.get('company.company')
        seconds, alerts = timed(
            lambda: Alert.detect(companies=[Company(company)]), 1)
        transaction.rollback()
    return seconds, len(alerts)


def wall_screen(database, repeat):
    "The median seconds of the wall figures and of a trivial request"
    env = dict(os.environ)
    command = [str(Path(sys.executable).parent / 'trytond')]
    for config_file in CONFIGS:
        command += ['-c', config_file]
    command += ['-d', database]
    server = subprocess.Popen(command, cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f'http://127.0.0.1:{PORT}/{database}'
    jar = CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar))
    try:
        for _ in range(120):
            try:
                opener.open(f'http://127.0.0.1:{PORT}/', timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(1)
        login = urllib.request.Request(f'{base}/session/login',
            data=json.dumps({'method': 'common.db.login', 'params': [
                        LOGIN, {'password': PASSWORD}, 'en']}).encode(),
            headers={'Content-Type': 'application/json'})
        opener.open(login, timeout=60).read()
        # The session cookie is Secure: send it on plain http too
        for cookie in jar:
            cookie.secure = False

        def figures():
            request = urllib.request.Request(
                f'{base}/appliance/wall/data.json', data=b'', method='POST')
            return json.loads(opener.open(request, timeout=60).read())

        def ping():
            return opener.open(f'{base}/appliance/wall/ping',
                timeout=60).read()
        figures()
        ping()
        wall_seconds, data = timed(figures, repeat)
        ping_seconds, _ = timed(ping, repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return wall_seconds, ping_seconds, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-orders', type=int, default=1000000)
    parser.add_argument('--database', default='bench_analytics')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--setup', action='store_true',
        help="create the database and its reference data when missing")
    parser.add_argument('--only', nargs='*',
        help="time only the reports whose label contains one of these")
    parser.add_argument('--no-wall', action='store_true',
        help="skip the wall screen")
    parser.add_argument('--explain', nargs='*',
        help="print the query plans of the reports whose label contains "
        "one of these, and stop")
    args = parser.parse_args()
    os.environ.setdefault(
        'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/')
    os.chdir(ROOT)

    import load_bench_data

    from trytond import config
    if args.setup:
        load_bench_data.setup(args.database)
    config.update_etc(CONFIGS)
    if not config.get('database', 'uri').startswith('postgresql'):
        sys.exit("The benchmark runs on PostgreSQL: TRYTOND_DATABASE_URI")
    existing = count_work_orders(args.database)
    if existing < args.work_orders:
        log(f"load {args.work_orders - existing} work orders "
            f"({existing} there)")
        summary = load_bench_data.load(args.database,
            args.work_orders - existing, config_file=CONFIGS)
        log(f"loaded in {summary['seconds']} s")
    ensure_views(args.database)
    config.update_etc(CONFIGS)

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0, readonly=True) as transaction:
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        company, = Company.search([], limit=1)
        with transaction.set_context(company=company.id):
            today = Date.today()
        tz = company.timezone
        company = company.id
    orders = count_work_orders(args.database)
    log(f"{orders} work orders; PostgreSQL; "
        f"load average {os.getloadavg()[0]:.1f}")

    if args.explain:
        explain(pool, company, period_parameters(tz, today), args.explain)
        return 0
    refreshed = refresh_views(pool, args.repeat)
    log("\nmaterialised views (refreshed by the ir.model|refresh_materialized "
        "cron when older than the seconds of bench/analytics.conf):")
    for name, freshness, seconds, rows in refreshed:
        if seconds is None:
            log(f"  {name:40} NOT MATERIALISED (no view)")
        else:
            log(f"  {name:40} every {freshness:5} s, refresh "
                f"{seconds:7.2f} s, {rows} rows")

    period = period_parameters(tz, today)
    results = run_reports(pool, company, period, args.repeat, args.only)
    log(f"\n{'report':28} {'rows':>6} {'ours s':>8} {'hand s':>8} "
        f"{'ratio':>6}  figures (ours / hand)")
    for r in results:
        figures = '; '.join(f'{f} {t} / {h}' for f, t, h, _ in r['figures'])
        log(f"{r['report']:28} {r['rows']:6} {r['ours']:8.3f} "
            f"{r['hand']:8.3f} {r['ratio']:6.2f}  "
            f"{'same' if r['same'] else 'DIFFERENT'} "
            f"(rows {r['rows']} / {r['hand_rows']}; {figures})")
    worst = max(results, key=lambda r: r['ratio'])
    if not args.only:
        seconds, alerts = defect_alert(pool, company)
        log(f"\nbatch-defect alert (weekly cron, stored alerts, no report "
            f"query): detect {seconds:.2f} s, {alerts} alerts")

    if args.no_wall:
        log(f"analytics: worst ratio {worst['ratio']:.2f} "
            f"({worst['report']}) at {orders} work orders; wall screen "
            "not timed")
        return 0 if all(r['same'] for r in results) else 1
    wall_seconds, ping_seconds, data = wall_screen(
        args.database, max(args.repeat, 5))
    log(f"\nwall screen: figures {wall_seconds:.3f} s, trivial request "
        f"{ping_seconds:.3f} s ({len(data['heatmap']['cells'])} heatmap "
        f"cells, {sum(o['count'] for o in data['open_orders'])} open "
        "orders)")
    log(f"analytics: worst ratio {worst['ratio']:.2f} ({worst['report']}) "
        f"at {orders} work orders; wall screen {wall_seconds:.2f} s")
    if not all(r['same'] for r in results):
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
