/* This file is part of the appliance_portal module.  The COPYRIGHT file at
 * the top level of this repository contains the full copyright notices and
 * license terms.
 *
 * The engineer's phone pages: today's jobs, progress buttons, completion
 * and the customer's rating, all through the staff JSON API.
 */
(function (global, Common) {
    'use strict';
    const {h, t} = Common;
    const api = Common.createClient('engineer_token', 'Session');
    const root = global.document.getElementById('main');
    const ACTIONS = {
        depart: 'On the way', start: 'Start', wait_parts: 'Waiting for parts',
        wait_customer: 'Waiting for the customer', resume: 'Resume'};

    function go(hash) {
        if (global.location.hash === hash) {
            global.dispatchEvent(new global.HashChangeEvent('hashchange'));
        } else {
            global.location.hash = hash;
        }
    }

    function field(label, input) {
        return h('label.field', h('span.label', label), input);
    }

    function renderNav() {
        const nav = global.document.getElementById('nav');
        nav.replaceChildren(
            api.token() ? h('a', {href: '#/'}, t("Today's jobs")) : null,
            api.token() ? h('a', {href: '#/van'}, t('Van stock')) : null,
            api.token() ? h('a', {href: '#/scorecard'}, t('My scorecard'))
                : null,
            h('button.link', {type: 'button', onclick: function () {
                Common.setLanguage(
                    Common.language() === 'zh_CN' ? 'en' : 'zh_CN');
                renderNav();
                go(global.location.hash || '#/');
            }}, Common.language() === 'zh_CN' ? 'English' : '中文'),
            api.token() ? h('button.link', {type: 'button', id: 'logout',
                onclick: async function () {
                    try {
                        await api.post('staff/logout');
                    } finally {
                        api.setToken(null);
                        renderNav();
                        go('#/login');
                    }
                }}, t('Sign out')) : null);
        global.document.getElementById('title').textContent = t('Engineer');
    }

    function requireLogin(view) {
        return function (args, params) {
            if (!api.token()) {
                go('#/login');
                return null;
            }
            return view(args, params).catch(function (error) {
                if (error.status === 401) {
                    api.setToken(null);
                    go('#/login');
                    return null;
                }
                throw error;
            });
        };
    }

    function loginView() {
        const form = h('form#staff-login-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const values = Common.formValues(form);
                const session = await Common.submitting(form, function () {
                    return api.post('staff/login', values);
                });
                if (session) {
                    api.setToken(session.token);
                    renderNav();
                    go('#/');
                }
            }},
        field(t('Login'), h('input', {name: 'login', required: true,
            autocomplete: 'username', autocapitalize: 'none'})),
        field(t('Password'), h('input', {name: 'password', type: 'password',
            required: true, autocomplete: 'current-password'})),
        h('button.primary', {type: 'submit'}, t('Sign in')));
        return Promise.resolve(h('section.page',
            h('h1', t('Engineer sign in')), form));
    }

    // The stops the engineer has still to reach
    const TO_REACH = ['dispatched', 'on_the_way'];

    function jobCard(order, withDay) {
        const start = order.appointment_start || '';
        return h('a.card.job', {href: '#/job/' + order.id,
            dataset: {order: order.id, sequence: order.planned_sequence || ''}},
        h('div.row', h('strong', (order.planned_sequence
            ? order.planned_sequence + '. ' : '')
            + (withDay ? Common.formatDate(start)
                : start.slice(11, 16)) + ' ' + (order.number || '')),
        h('span.badge', order.state_string)),
        !withDay && order.planned_arrival ? h('div.arrival',
            t('Planned arrival {time}', {
                time: Common.formatTime(order.planned_arrival)})
            + (order.travel_km !== null ? ' · ' + t('{km} km, {minutes} min',
                {km: order.travel_km, minutes: Math.round(
                    order.travel_minutes || 0)}) : '')) : null,
        h('div', order.customer + ' · ' + (order.customer_mobile || '')),
        h('div.muted', order.address || ''),
        order.appliance ? h('div.muted', order.appliance.model_name + ' · '
            + order.appliance.serial_number) : null,
        h('span.badge' + (order.in_warranty ? '.ok' : '.warn'),
            order.in_warranty ? t('In warranty') : t('Out of warranty')));
    }

    async function jobsView() {
        const day = Common.localToday();
        const [todays, open] = await Promise.all([
            // in the order of the day's route once it is planned
            api.get('staff/work-orders?mine=true&date=' + day
                + '&order=route&limit=100'),
            api.get('staff/work-orders?mine=true&open=true'
                + '&order=appointment&limit=100')]);
        const ids = new Set(todays.items.map(function (o) { return o.id; }));
        const others = open.items.filter(function (o) {
            return !ids.has(o.id);
        });
        const next = todays.items.find(function (o) {
            return TO_REACH.includes(o.state) && o.planned_arrival;
        });
        return h('section.page', h('h1', t("Today's jobs") + ' ' + day),
            next ? h('p.box.next-arrival', {dataset: {order: next.id}},
                t('Next arrival: {time} at {customer}', {
                    time: Common.formatTime(next.planned_arrival),
                    customer: next.customer})) : null,
            todays.items.length ? todays.items.map(function (order) {
                return jobCard(order, false);
            })
                : h('p.muted', t('No job.')),
            others.length ? [h('h2', t('Other open jobs')),
                others.map(function (order) {
                    return jobCard(order, true);
                })] : null);
    }

    function signaturePad() {
        const canvas = h('canvas.signature', {width: 600, height: 240,
            id: 'signature'});
        const context = canvas.getContext('2d');
        let drawing = false;
        let signed = false;
        context.lineWidth = 3;
        context.lineCap = 'round';

        function point(event) {
            const rect = canvas.getBoundingClientRect();
            return [(event.clientX - rect.left) * canvas.width / rect.width,
                (event.clientY - rect.top) * canvas.height / rect.height];
        }
        canvas.addEventListener('pointerdown', function (event) {
            drawing = true;
            context.beginPath();
            context.moveTo(...point(event));
        });
        canvas.addEventListener('pointermove', function (event) {
            if (drawing) {
                context.lineTo(...point(event));
                context.stroke();
                signed = true;
            }
        });
        ['pointerup', 'pointerleave'].forEach(function (name) {
            canvas.addEventListener(name, function () {
                drawing = false;
            });
        });
        return {
            element: h('div', canvas, h('button.link', {type: 'button',
                onclick: function () {
                    context.clearRect(0, 0, canvas.width, canvas.height);
                    signed = false;
                }}, t('Clear'))),
            data: function () {
                return signed
                    ? canvas.toDataURL('image/png').split(',')[1] : null;
            },
        };
    }

    async function completionForm(order) {
        const [faultTypes, spareParts] = await Promise.all([
            api.get('staff/fault-types?work_order=' + order.id),
            api.get('staff/parts?work_order=' + order.id)]);
        const signature = signaturePad();
        // The parts that fit the appliance, proposed as the code is typed
        const partList = h('datalist#parts-list', spareParts.map(
            function (part) {
                return h('option', {value: part.code},
                    part.code + ' · ' + part.name);
            }));
        const parts = h('div.parts', partList);

        function addPart() {
            parts.append(h('div.part-row',
                h('input', {name: 'part_code', placeholder: t('Part code'),
                    list: 'parts-list', autocomplete: 'off'}),
                h('input', {name: 'part_quantity', type: 'number', min: '0',
                    step: 'any', value: '1', placeholder: t('Quantity')})));
        }
        addPart();

        function stepList(steps) {
            return steps.length ? [h('fieldset', h('legend', t('Steps done')),
                steps.map(function (step) {
                    return h('label.check', h('input', {type: 'checkbox',
                        name: 'step', value: step.id, checked: step.done}),
                    step.description);
                }))] : [];
        }
        const stepsBox = h('div#steps', stepList(order.steps));

        // The actual fault brings the steps of its repair plan
        async function chooseFault(event) {
            const code = event.target.value;
            if (!code) {
                return;
            }
            const submit = form.querySelector('button[type=submit]');
            submit.disabled = true;
            try {
                const updated = await api.post('staff/work-orders/' + order.id
                    + '/fault-type', {fault_type: code});
                stepsBox.replaceChildren(...stepList(updated.steps));
            } catch (error) {
                Common.notice(error.message, 'error');
            } finally {
                submit.disabled = false;
            }
        }
        const photos = h('input', {type: 'file', accept: 'image/*',
            multiple: true, capture: 'environment', id: 'f-photos'});
        const form = h('form#complete-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const body = {all_steps_done: false, steps_done: []};
                const values = Common.formValues(form);
                if (values.fault_type) {
                    body.fault_type = values.fault_type;
                }
                form.querySelectorAll('input[name=step]:checked').forEach(
                    function (box) {
                        body.steps_done.push(Number(box.value));
                    });
                body.extra_steps = (values.extra_steps || '').split('\n')
                    .map(function (s) { return s.trim(); })
                    .filter(Boolean);
                body.parts = [];
                const codes = form.querySelectorAll('input[name=part_code]');
                const quantities = form.querySelectorAll(
                    'input[name=part_quantity]');
                codes.forEach(function (code, index) {
                    if (code.value.trim()) {
                        body.parts.push({code: code.value.trim(),
                            quantity: Number(quantities[index].value || 1)});
                    }
                });
                if (values.labour_hours) {
                    body.labour_hours = Number(values.labour_hours);
                }
                body.root_cause = values.root_cause || null;
                body.notes = values.notes || null;
                const done = await Common.submitting(form, async function () {
                    body.photos = [];
                    for (const file of photos.files) {
                        body.photos.push({name: file.name,
                            data: await Common.readFile(file)});
                    }
                    const sign = signature.data();
                    if (sign) {
                        body.signature = sign;
                    }
                    return api.post('staff/work-orders/' + order.id
                        + '/complete', body);
                });
                if (done) {
                    Common.notice(t('The visit is complete.'), 'ok');
                    go('#/job/' + order.id);
                }
            }},
        field(t('Fault type'), h('select', {name: 'fault_type',
            id: 'f-fault_type', onchange: chooseFault},
        h('option', {value: ''}, ''),
        faultTypes.map(function (f) {
            return h('option', {value: f.code}, f.code + ' · ' + f.name);
        }))),
        stepsBox,
        field(t('Other steps done (one a line)'), h('textarea', {
            name: 'extra_steps', rows: 2})),
        h('fieldset', h('legend', t('Parts used from the van')), parts,
            h('button.link', {type: 'button', onclick: addPart},
                t('Add a part'))),
        field(t('Labour time (hours)'), h('input', {name: 'labour_hours',
            id: 'f-labour_hours', type: 'number', min: '0', step: '0.25',
            required: true})),
        field(t('Root cause'), h('textarea', {name: 'root_cause', rows: 2})),
        field(t('Notes'), h('textarea', {name: 'notes', rows: 2})),
        field(t('Photos'), photos),
        h('div.field', h('span.label', t("Customer's signature")),
            signature.element),
        h('button.primary', {type: 'submit'}, t('Complete')));
        return h('div.box', h('h2', t('Completion')), form);
    }

    function ratingForm(order) {
        const form = h('form#device-rating-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const values = Common.formValues(form);
                const body = {};
                ['overall', 'punctuality', 'attitude', 'quality'].forEach(
                    function (name) {
                        if (values[name]) {
                            body[name] = Number(values[name]);
                        }
                    });
                if (values.comment) {
                    body.comment = values.comment;
                }
                const result = await Common.submitting(form, function () {
                    return api.post('staff/work-orders/' + order.id
                        + '/rating', body);
                });
                if (result) {
                    Common.notice(t('Thank you for your rating.'), 'ok');
                    go('#/job/' + order.id);
                }
            }},
        ['overall', 'punctuality', 'attitude', 'quality'].map(function (name) {
            return h('fieldset.stars', h('legend', t(name[0].toUpperCase()
                + name.slice(1))), [1, 2, 3, 4, 5].map(function (value) {
                return h('label', h('input', {type: 'radio', name: name,
                    value: value, required: name === 'overall'}),
                h('span', '★'.repeat(value)));
            }));
        }),
        field(t('Comment'), h('textarea', {name: 'comment', rows: 2})),
        h('button.primary', {type: 'submit'}, t('Rate the visit')));
        return h('div.box', h('h2', t('The customer rates here')), form);
    }

    // What was done and what the customer pays, once the visit is complete
    function completionSummary(order) {
        return h('div#completion-summary.box', h('h2', t('Completion')),
            h('dl',
                order.fault_type ? [h('dt', t('Fault type')),
                    h('dd', order.fault_type)] : null,
                order.labour_hours !== null ? [
                    h('dt', t('Labour time (hours)')),
                    h('dd', String(order.labour_hours))] : null),
            order.steps.length ? h('ul', order.steps.filter(function (step) {
                return step.done;
            }).map(function (step) {
                return h('li', step.description);
            })) : null,
            order.parts.length ? h('table', h('tbody', order.parts.map(
                function (part) {
                    return h('tr', h('td', part.product),
                        h('td.num', String(part.quantity)));
                }))) : null,
            order.charges.length ? h('table.charges', h('tbody',
                order.charges.map(function (charge) {
                    return h('tr', h('td', charge.description || ''),
                        h('td.num', charge.amount || ''));
                }),
                h('tr.total', h('td', t('Total')),
                    h('td.num', order.charge_amount || '')))) : null);
    }

    async function jobView([id]) {
        const order = await api.get('staff/work-orders/' + id);
        const noteInput = h('input', {name: 'note', id: 'f-note'});
        const publicBox = h('input', {type: 'checkbox', name: 'public'});
        const buttons = order.actions.filter(function (action) {
            return ACTIONS[action];
        }).map(function (action) {
            return h('button' + (action === 'start' || action === 'depart'
                ? '.primary' : ''), {type: 'button',
                dataset: {action: action},
                onclick: async function (event) {
                    event.target.disabled = true;
                    try {
                        await api.post('staff/work-orders/' + id
                            + '/progress', {action: action,
                            note: noteInput.value || null,
                            public: publicBox.checked});
                        go('#/job/' + id);
                    } catch (error) {
                        Common.notice(error.message, 'error');
                        event.target.disabled = false;
                    }
                }}, t(ACTIONS[action]));
        });
        const appliance = order.appliance;
        return h('section.page',
            h('h1', (order.number || '') + ' '),
            h('p', h('span.badge', {id: 'order-state',
                dataset: {state: order.state}}, order.state_string),
                ' ', Common.formatDate(order.appointment_start)),
            order.planned_arrival ? h('p.arrival', t(
                'Stop {sequence} of the route, planned arrival {time}', {
                    sequence: order.planned_sequence,
                    time: Common.formatTime(order.planned_arrival)})) : null,
            h('dl',
                h('dt', t('Customer')), h('dd', order.customer),
                h('dt', t('Mobile phone')), h('dd', order.customer_mobile
                    ? h('a', {href: 'tel:' + order.customer_mobile},
                        order.customer_mobile) : ''),
                h('dt', t('Address')), h('dd', order.address || ''),
                h('dt', t('Appliance')), h('dd', appliance
                    ? appliance.model_name + ' · ' + appliance.serial_number
                    : ''),
                h('dt', t('Warranty')), h('dd', order.in_warranty
                    ? t('In warranty') : t('Out of warranty'))),
            order.description ? h('p.box', order.description) : null,
            order.coverages.length ? h('table', h('tbody',
                order.coverages.map(function (c) {
                    return h('tr', h('td', c.kind_string), h('td', c.end_date));
                }))) : null,
            buttons.length ? h('div.box',
                field(t('Note'), noteInput),
                h('label.check', publicBox,
                    t('Show the note to the customer')),
                h('div.actions', buttons)) : null,
            order.actions.includes('complete') ? await completionForm(order)
                : null,
            order.state === 'done' ? completionSummary(order) : null,
            order.state === 'done' && !order.rating ? ratingForm(order) : null,
            order.rating ? h('p.rating', t('Customer rating') + ': '
                + '★'.repeat(order.rating.overall)) : null,
            h('h2', t('History')),
            order.history.length ? order.history.map(function (entry) {
                return h('div.card', h('div.row', h('strong', entry.number),
                    h('span.badge', entry.state)),
                h('div.muted', Common.formatDate(entry.done_at) + ' '
                    + (entry.fault_type || '')),
                entry.root_cause ? h('div', entry.root_cause) : null);
            }) : h('p.muted', t('No service yet.')),
            h('h2', t('Timeline')),
            h('ol.timeline', order.timeline.map(function (e) {
                return h('li', h('time', Common.formatDate(e.date)),
                    h('span', e.description || ''));
            })));
    }

    // The parts in the engineer's van and the orders they are reserved for
    async function vanView() {
        const stock = await api.get('staff/van-stock');
        if (!stock.van) {
            return h('section.page', h('h1', t('Van stock')),
                h('p.muted', t('You have no van.')));
        }
        return h('section.page', h('h1', t('Van stock')),
            h('p.muted', stock.van),
            stock.items.length ? h('table#van-stock', h('thead', h('tr',
                h('th', t('Part')), h('th.num', t('On hand')),
                h('th.num', t('Reserved')), h('th.num', t('Available')))),
            h('tbody', stock.items.map(function (item) {
                return [h('tr', {dataset: {code: item.code || ''}},
                    h('td', h('strong', item.code || ''), ' ', item.name,
                        item.serials.length ? h('div.muted',
                            t('Serials') + ': ' + item.serials.join(', '))
                            : null),
                    h('td.num', item.quantity + ' ' + item.unit),
                    h('td.num', String(item.reserved)),
                    h('td.num', String(item.available))),
                item.reservations.map(function (reservation) {
                    return h('tr.reservation', h('td', {colSpan: 4},
                        h('span.muted', t('Reserved for') + ' '),
                        h('a', {href: '#/job/' + reservation.work_order},
                            reservation.number || String(
                                reservation.work_order)),
                        ' · ' + reservation.quantity + ' ' + item.unit
                        + (reservation.planned_date ? ' · '
                            + reservation.planned_date : '')));
                })];
            }))) : h('p.muted', t('The van is empty.')));
    }

    function formatKpi(value, unit) {
        if (value === null || value === undefined) {
            return '—';
        }
        if (unit === 'percent') {
            return value.toFixed(1) + ' %';
        }
        if (unit === 'hours') {
            return value.toFixed(2) + ' h';
        }
        if (unit === 'amount') {
            return value.toFixed(2);
        }
        return String(Math.round(value * 100) / 100);
    }

    // A small line of the values over the periods, the team's dashed
    function sparkline(mine, team) {
        const ns = 'http://www.w3.org/2000/svg';
        const width = 120;
        const height = 32;
        const svg = global.document.createElementNS(ns, 'svg');
        svg.setAttribute('width', width);
        svg.setAttribute('height', height);
        svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
        svg.setAttribute('class', 'sparkline');
        const all = mine.concat(team).filter(function (v) {
            return v !== null;
        });
        if (!all.length) {
            return svg;
        }
        const max = Math.max(...all);
        const min = Math.min(0, ...all);
        const step = mine.length > 1 ? width / (mine.length - 1) : 0;
        [[team, '#9aa5b1', '4 3'], [mine, '#1a73e8', '']].forEach(
            function ([values, color, dash]) {
                const points = [];
                values.forEach(function (value, index) {
                    if (value !== null) {
                        const y = max === min ? height / 2
                            : height - 2 - (value - min) / (max - min)
                                * (height - 4);
                        points.push((index * step).toFixed(1) + ','
                            + y.toFixed(1));
                    }
                });
                const line = global.document.createElementNS(ns,
                    'polyline');
                line.setAttribute('points', points.join(' '));
                line.setAttribute('fill', 'none');
                line.setAttribute('stroke', color);
                line.setAttribute('stroke-width', '2');
                if (dash) {
                    line.setAttribute('stroke-dasharray', dash);
                }
                svg.append(line);
                // A dot per value: a period alone shows too
                points.forEach(function (point) {
                    const [x, y] = point.split(',');
                    const dot = global.document.createElementNS(ns,
                        'circle');
                    dot.setAttribute('cx', Math.max(2, Math.min(
                        width - 2, Number(x))));
                    dot.setAttribute('cy', y);
                    dot.setAttribute('r', '2.5');
                    dot.setAttribute('fill', color);
                    svg.append(dot);
                });
            });
        return svg;
    }

    // The engineer's indicators per period beside the team average
    async function scorecardView(args, params) {
        const periodicity = params.get('period') === 'quarterly'
            ? 'quarterly' : 'monthly';
        const card = await api.get('staff/scorecard?period=' + periodicity
            + '&count=6');
        const periods = card.periods;
        let chosen = periods.length - 1;
        if (params.get('at')) {
            const index = periods.findIndex(function (p) {
                return p.period === params.get('at');
            });
            chosen = index >= 0 ? index : chosen;
        }
        const period = periods[chosen];
        const row = 'display: flex; flex-wrap: wrap; gap: 6px; '
            + 'margin: 6px 0;';
        const switcher = h('div.actions', {style: row}, [
            'monthly', 'quarterly'].map(function (value) {
            return h(value === periodicity ? 'a.badge.ok' : 'a.badge', {
                href: '#/scorecard?period=' + value},
            value === 'monthly' ? t('By month') : t('By quarter'));
        }));
        const chooser = h('div.actions', {style: row}, periods.map(
            function (p, index) {
                return h(index === chosen ? 'a.badge.ok' : 'a.badge', {
                    href: '#/scorecard?period=' + periodicity + '&at='
                        + p.period}, p.period);
            }));
        return h('section.page', h('h1', t('My scorecard')),
            h('p.muted', card.engineer + ' · ' + period.start + ' – '
                + period.end),
            switcher, chooser,
            h('table#scorecard', {dataset: {period: period.period}},
                h('thead', h('tr', h('th', t('Indicator')),
                    h('th.num', t('Me')), h('th.num', t('Team average')),
                    h('th', t('Trend')))),
                h('tbody', period.kpis.map(function (kpi, index) {
                    const mine = periods.map(function (p) {
                        return p.kpis[index].value;
                    });
                    const team = periods.map(function (p) {
                        return p.kpis[index].team_average;
                    });
                    return h('tr', {dataset: {kpi: kpi.name}},
                        h('td', kpi.label),
                        h('td.num.mine', h('strong',
                            formatKpi(kpi.value, kpi.unit))),
                        h('td.num.team', formatKpi(kpi.team_average,
                            kpi.unit)),
                        h('td', sparkline(mine, team)));
                }))),
            h('p.muted', t('Line: me; dashed: the team average.')));
    }

    const render = Common.router([
        [/^\/login$/, loginView],
        [/^\/$/, requireLogin(jobsView)],
        [/^\/job\/(\d+)$/, requireLogin(jobView)],
        [/^\/van$/, requireLogin(vanView)],
        [/^\/scorecard$/, requireLogin(scorecardView)],
    ], root);
    renderNav();
    render();
}(window, window.Common));
