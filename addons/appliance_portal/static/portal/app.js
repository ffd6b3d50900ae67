/* This file is part of the appliance_portal module.  The COPYRIGHT file at
 * the top level of this repository contains the full copyright notices and
 * license terms.
 *
 * The customer portal: a page per hash route, all through the JSON API.
 */
(function (global, Common) {
    'use strict';
    const {h, t} = Common;
    const api = Common.createClient('portal_token', 'Bearer');
    const root = global.document.getElementById('main');
    const KINDS = ['repair', 'installation', 'maintenance'];
    const CHANNELS = {
        retail: 'Retail store', online: 'Online store',
        distributor: 'Distributor', project: 'Property developer',
        direct: 'Direct sale', other: 'Other'};
    let me = null;

    function go(hash) {
        if (global.location.hash === hash) {
            global.dispatchEvent(new global.HashChangeEvent('hashchange'));
        } else {
            global.location.hash = hash;
        }
    }

    function field(label, input, help) {
        return h('label.field', h('span.label', label), input,
            help ? h('small.help', help) : null);
    }

    function input(name, attributes) {
        return h('input', Object.assign({name: name, id: 'f-' + name},
            attributes || {}));
    }

    function select(name, options, value, attributes) {
        return h('select', Object.assign({name: name, id: 'f-' + name},
            attributes || {}),
        options.map(function ([key, label]) {
            return h('option', {value: key, selected: key === value},
                label);
        }));
    }

    function page(title, ...content) {
        return h('section.page', h('h1', title), ...content);
    }

    function badge(inWarranty) {
        return inWarranty
            ? h('span.badge.ok', t('In warranty'))
            : h('span.badge.warn', t('Out of warranty'));
    }

    async function loadMe() {
        if (!api.token()) {
            me = null;
            return null;
        }
        try {
            me = await api.get('me');
        } catch (error) {
            me = null;
        }
        return me;
    }

    function renderNav() {
        const nav = global.document.getElementById('nav');
        const links = me ? [
            ['#/', 'Home'], ['#/appliances', 'My appliances'],
            ['#/requests', 'My requests'], ['#/profile', 'Profile'],
        ] : [['#/login', 'Sign in'], ['#/signup', 'Sign up']];
        nav.replaceChildren(...links.map(function ([href, label]) {
            return h('a', {href: href}, t(label));
        }), h('button.link', {
            type: 'button', id: 'language-switch',
            onclick: function () {
                Common.setLanguage(
                    Common.language() === 'zh_CN' ? 'en' : 'zh_CN');
                global.document.title = t('Appliance Service');
                go(global.location.hash || '#/');
                renderNav();
            }}, Common.language() === 'zh_CN' ? 'English' : '中文'));
        global.document.getElementById('title').textContent =
            t('Appliance Service');
    }

    function requireLogin(view) {
        return async function (args, params) {
            if (!me && !(await loadMe())) {
                go('#/login');
                return null;
            }
            renderNav();
            return view(args, params);
        };
    }

    // Accounts

    function signedIn(session, message) {
        api.setToken(session.token);
        me = session.user;
        renderNav();
        if (message) {
            Common.notice(message, 'ok');
        }
        go('#/');
    }

    function loginView() {
        const codeField = field(t('Code of the authenticator app'),
            input('code', {inputmode: 'numeric', autocomplete: 'one-time-code',
                disabled: true}));
        codeField.hidden = true;
        const form = h('form#login-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            if (!values.code) {
                delete values.code;
            }
            const session = await Common.submitting(form, async function () {
                try {
                    return await api.post('auth/login', values);
                } catch (error) {
                    if (error.code === 'second_factor_required') {
                        codeField.hidden = false;
                        form.elements.code.disabled = false;
                        form.elements.code.focus();
                    } else if (error.status === 403 && values.login
                            .includes('@')) {
                        resend.hidden = false;
                    }
                    throw error;
                }
            });
            if (session) {
                signedIn(session);
            }
        }},
        field(t('Email or mobile phone'), input('login', {required: true,
            autocomplete: 'username'})),
        field(t('Password'), input('password', {type: 'password',
            required: true, autocomplete: 'current-password'})),
        codeField,
        h('button.primary', {type: 'submit'}, t('Sign in')));
        const resend = h('button.link#resend-validation', {type: 'button',
            hidden: true, onclick: async function () {
                await api.post('auth/resend-validation',
                    {email: form.elements.login.value.trim()});
                Common.notice(t('Sent.'), 'ok');
            }}, t('Send the confirmation email again'));
        return page(t('Sign in'), form, resend,
            h('p', h('a', {href: '#/signup'}, t('Create an account'))),
            h('p', h('a', {href: '#/reset'}, t('Forgot password?'))));
    }

    async function subdivisionOptions() {
        const subdivisions = await api.get('subdivisions');
        return [['', '']].concat(subdivisions.filter(function (s) {
            return !s.parent;
        }).map(function (s) {
            return [s.code, s.name];
        }));
    }

    function addressFields(provinces, address) {
        address = address || {};
        return [
            field(t('Province'), select('subdivision', provinces,
                address.subdivision || '')),
            field(t('City'), input('city', {value: address.city || ''})),
            field(t('District'), input('district',
                {value: address.district || ''})),
            field(t('Street'), input('street',
                {value: address.street || ''})),
        ];
    }

    function addressValues(values) {
        const address = {};
        ['subdivision', 'city', 'district', 'street'].forEach(function (n) {
            if (n in values) {
                address[n] = values[n] || null;
                delete values[n];
            }
        });
        return address;
    }

    async function signupView() {
        const [provinces, policy] = await Promise.all([subdivisionOptions(),
            api.get('privacy-policy')]);
        const form = h('form#signup-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            values.address = addressValues(values);
            values.language = Common.language();
            values.privacy_consent = form.elements.privacy_consent.checked;
            const result = await Common.submitting(form, function () {
                return api.post('auth/signup', values);
            });
            if (result) {
                root.replaceChildren(page(t('Create an account'),
                    h('p#signup-sent.ok', t(
                        'We sent a link to {email}: open it to confirm the '
                        + 'address and sign in.', {email: values.email}))));
            }
        }},
        field(t('Name'), input('name', {required: true,
            autocomplete: 'name'})),
        field(t('Mobile phone'), input('mobile', {type: 'tel',
            required: true, autocomplete: 'tel'})),
        field(t('Email'), input('email', {type: 'email', required: true,
            autocomplete: 'username'})),
        field(t('Password'), input('password', {type: 'password',
            required: true, minlength: 8, autocomplete: 'new-password'})),
        addressFields(provinces),
        h('label.check', h('input', {type: 'checkbox', id: 'f-privacy_consent',
            name: 'privacy_consent', required: true}),
        h('span', t('I have read and accept the '),
            h('a', {href: '#/privacy', target: '_blank'},
                t('privacy policy')),
            ' (' + t('version {version}', {version: policy.version}) + ')')),
        h('button.primary', {type: 'submit'}, t('Sign up')));
        return page(t('Create an account'), form);
    }

    const PRIVACY_POLICY = [
        ['What we collect', 'Your name, mobile phone, email and address, '
            + 'the appliances you register (model, serial number, dates of '
            + 'purchase and installation) and the history of their service.'],
        ['Why', 'To confirm your warranty, book and carry out the visits you '
            + 'ask for, tell you about their progress and ask for your '
            + 'rating. Marketing messages only with your separate consent.'],
        ['Who sees it', 'Our customer service and the engineer of your visit; '
            + 'the maker of your appliance for warranty claims. We do not sell '
            + 'your data.'],
        ['How it is kept', 'Your phone, identity card number and address are '
            + 'encrypted in our database, and staff see them only when their '
            + 'work needs it. Service records are kept as long as the law on '
            + 'product quality and warranty requires.'],
        ['Your rights', 'You can read and correct your data on your profile, '
            + 'withdraw your consent to notifications and marketing at any '
            + 'time, and ask our customer service to delete your account.'],
    ];

    async function privacyView() {
        const policy = await api.get('privacy-policy');
        return page(t('Privacy policy'),
            h('p.muted', t('version {version}', {version: policy.version})),
            PRIVACY_POLICY.map(function ([title, text]) {
                return h('section', h('h2', t(title)), h('p', t(text)));
            }));
    }

    function resetView(args, params) {
        const search = new global.URLSearchParams(global.location.search);
        const token = search.get('token') || params.get('token');
        const email = search.get('email') || params.get('email');
        if (token && email) {
            const form = h('form#set-password-form', {
                onsubmit: async function (event) {
                    event.preventDefault();
                    const values = Common.formValues(form);
                    const result = await Common.submitting(form, function () {
                        return api.post('auth/set-password', {
                            email: email, token: token,
                            password: values.password});
                    });
                    if (result) {
                        Common.notice(t('Password changed: sign in.'), 'ok');
                        global.history.replaceState(null, '',
                            global.location.pathname + '#/login');
                        go('#/login');
                    }
                }},
            field(t('New password'), input('password', {type: 'password',
                required: true, minlength: 8,
                autocomplete: 'new-password'})),
            h('button.primary', {type: 'submit'}, t('Set the password')));
            return page(t('Set the password'), form);
        }
        const form = h('form#reset-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            const result = await Common.submitting(form, function () {
                return api.post('auth/reset-password', values);
            });
            if (result) {
                form.replaceChildren(h('p.ok', t(
                    'If the address is registered, a reset link is on its way.'
                )));
            }
        }},
        field(t('Email'), input('email', {type: 'email', required: true})),
        h('button.primary', {type: 'submit'}, t('Send reset link')));
        const smsForm = h('form#reset-sms-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const values = Common.formValues(smsForm);
                if (!values.code) {
                    const sent = await Common.submitting(smsForm, function () {
                        return api.post('auth/reset-password',
                            {mobile: values.mobile});
                    });
                    if (sent) {
                        codeFields.hidden = false;
                        smsForm.elements.code.disabled = false;
                        smsForm.elements.password.disabled = false;
                    }
                    return;
                }
                const result = await Common.submitting(smsForm, function () {
                    return api.post('auth/set-password-sms', values);
                });
                if (result) {
                    Common.notice(t('Password changed: sign in.'), 'ok');
                    go('#/login');
                }
            }},
        field(t('Mobile phone'), input('mobile', {type: 'tel',
            required: true})),
        h('div', {hidden: true},
            field(t('Code received by SMS'), input('code', {
                inputmode: 'numeric', disabled: true,
                autocomplete: 'one-time-code'})),
            field(t('New password'), input('password', {type: 'password',
                disabled: true, required: true,
                autocomplete: 'new-password'}))),
        h('button', {type: 'submit'}, t('Continue')));
        const codeFields = smsForm.querySelector('div');
        return page(t('Forgot password?'), form,
            h('h2', t('Or by SMS')), smsForm);
    }

    async function validateView() {
        const search = new global.URLSearchParams(global.location.search);
        const token = search.get('token');
        if (!token) {
            return page(t('Email'), h('p.error', '?'));
        }
        const session = await api.post('auth/validate-email', {token: token});
        global.history.replaceState(null, '', global.location.pathname + '#/');
        signedIn(session, t('Email address confirmed.'));
        return null;
    }

    // Home and appliances

    function applianceCard(appliance) {
        return h('a.card', {href: '#/appliances/' + appliance.id,
            dataset: {serial: appliance.serial_number}},
        h('div.row', h('strong', appliance.model_name), badge(
            appliance.in_warranty)),
        h('div.muted', appliance.model_code + ' · '
            + appliance.serial_number),
        appliance.warranty_end_date ? h('div.muted', t('Warranty until {date}',
            {date: appliance.warranty_end_date})) : null);
    }

    function requestCard(request) {
        return h('a.card', {href: '#/requests/' + request.id,
            dataset: {request: request.id}},
        h('div.row', h('strong', request.kind_string + ' '
            + (request.number || '')),
        h('span.badge', request.state_string)),
        h('div.muted', request.description),
        request.appliance ? h('div.muted', request.appliance.model_name)
            : null);
    }

    async function homeView() {
        const [appliances, requests] = await Promise.all([
            api.get('appliances?limit=5'),
            api.get('service-requests?limit=5')]);
        return page(me.name,
            h('div.actions',
                h('a.button.primary', {href: '#/book'}, t('Book a visit')),
                h('a.button', {href: '#/appliances/new'},
                    t('Register an appliance')),
                h('a.button', {href: '#/ask'}, t('Ask or complain'))),
            h('h2', t('My requests')),
            requests.items.length ? requests.items.map(requestCard)
                : h('p.muted', t('No request yet.')),
            h('h2', t('My appliances')),
            appliances.items.length ? appliances.items.map(applianceCard)
                : h('p.muted', t('No appliance registered yet.')));
    }

    async function appliancesView() {
        const appliances = await api.get('appliances?limit=100');
        return page(t('My appliances'),
            h('a.button.primary', {href: '#/appliances/new'},
                t('Register an appliance')),
            appliances.items.length ? appliances.items.map(applianceCard)
                : h('p.muted', t('No appliance registered yet.')));
    }

    async function applianceNewView() {
        const models = await api.get('appliance-models');
        const help = h('small.help');
        const modelSelect = select('model_code', [['', t('Choose a model')]]
            .concat(models.map(function (m) {
                return [m.model_code, (m.brand ? m.brand + ' ' : '')
                    + m.name + ' (' + m.model_code + ')'];
            })), '', {required: true, onchange: function () {
                const model = models.find(function (m) {
                    return m.model_code === modelSelect.value;
                });
                help.textContent = model && model.serial_example
                    ? t('Example: {example}', {example: model.serial_example})
                    : '';
            }});
        const photo = h('input', {type: 'file', name: 'invoice_photo',
            accept: 'image/*', id: 'f-invoice_photo'});
        const form = h('form#appliance-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const values = Common.formValues(form);
                Object.keys(values).forEach(function (key) {
                    if (values[key] === '') {
                        delete values[key];
                    }
                });
                const file = photo.files[0];
                const created = await Common.submitting(form, async function () {
                    if (file) {
                        values.invoice_photo = await Common.readFile(file);
                        values.invoice_photo_name = file.name;
                    }
                    return api.post('appliances', values);
                });
                if (created) {
                    Common.notice(t('The appliance is registered.'), 'ok');
                    go('#/appliances/' + created.id);
                }
            }},
        field(t('Model'), modelSelect),
        h('label.field', h('span.label', t('Serial number')),
            input('serial_number', {required: true}), help),
        field(t('Purchase date'), input('sale_date', {type: 'date',
            required: true,
            max: Common.localToday()})),
        field(t('Purchase channel'), select('purchase_channel',
            [['', '']].concat(Object.entries(CHANNELS).map(
                function ([key, label]) { return [key, t(label)]; })), '')),
        field(t('Invoice reference'), input('invoice_reference')),
        field(t('Invoice photo'), photo),
        h('button.primary', {type: 'submit'}, t('Register')));
        return page(t('Register an appliance'), form);
    }

    async function applianceView([id]) {
        const appliance = await api.get('appliances/' + id);
        return page(appliance.model_name,
            h('p', badge(appliance.in_warranty)),
            h('dl',
                h('dt', t('Model')), h('dd', appliance.model_code),
                h('dt', t('Serial number')), h('dd', appliance.serial_number),
                h('dt', t('Purchase date')), h('dd', appliance.sale_date || '')),
            h('h2', t('Coverages')),
            h('table.coverages', h('tbody', appliance.coverages.map(
                function (c) {
                    return h('tr', h('td', c.kind_string
                        + (c.component ? ' · ' + c.component : '')),
                    h('td', c.start_date + ' – ' + c.end_date),
                    h('td', badge(c.in_warranty)));
                }))),
            h('h2', t('Service history')),
            appliance.service_history.length
                ? appliance.service_history.map(function (entry) {
                    return h('a.card', {href: entry.request_id
                        ? '#/requests/' + entry.request_id : '#/requests'},
                    h('div.row', h('strong', entry.work_order),
                        h('span.badge', entry.state_string)),
                    h('div.muted', Common.formatDate(
                        entry.done_at || entry.appointment_start)));
                }) : h('p.muted', t('No service yet.')),
            h('div.actions',
                h('a.button.primary', {href: '#/book?appliance=' + appliance.id},
                    t('Book a visit')),
                h('a.button', {href: '#/ask?kind=complaint&appliance='
                    + appliance.id}, t('Ask or complain'))));
    }

    // Booking

    const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday',
        'Friday', 'Saturday'];

    // The portal books up to this many weeks ahead (MAX_SLOT_DAYS of the API)
    const BOOKING_WEEKS = 8;

    function addDays(day, days) {
        const date = new Date(day + 'T00:00:00Z');
        date.setUTCDate(date.getUTCDate() + days);
        return date.toISOString().slice(0, 10);
    }

    function slotPicker(slots, name, emptyText) {
        if (!slots.length) {
            return h('p.muted', emptyText
                || t('No free slot in the coming days: call us.'));
        }
        const days = {};
        slots.forEach(function (slot) {
            (days[slot.date] = days[slot.date] || []).push(slot);
        });
        return h('div.slots', Object.entries(days).map(function ([day, list]) {
            return h('fieldset.day', h('legend', day + ' '
                + t(WEEKDAYS[new Date(day + 'T00:00:00Z').getUTCDay()])),
            list.map(
                function (slot) {
                    return h('label.slot', h('input', {type: 'radio',
                        name: name || 'slot', value: slot.id, required: true,
                        dataset: {slot: slot.id}}),
                    h('span', slot.start + '–' + slot.end),
                    h('small', t('{count} left', {count: slot.available})));
                }));
        }));
    }

    async function bookView(args, params) {
        const appliances = (await api.get('appliances?limit=100')).items;
        let applianceId = params.get('appliance') || (appliances[0]
            && String(appliances[0].id)) || '';
        const slotBox = h('div');
        let week = 0;

        function weekButton(label, target, disabled) {
            return h('button.link', {type: 'button', disabled: disabled,
                onclick: function () {
                    week = target;
                    loadSlots();
                }}, label);
        }

        async function loadSlots() {
            const start = addDays(Common.localToday(), 7 * week);
            const end = addDays(start, 6);
            let query = '?from=' + start + '&to=' + end;
            if (applianceId) {
                query += '&appliance=' + applianceId;
            }
            const slots = await api.get('slots' + query);
            slotBox.replaceChildren(h('div.week-nav',
                weekButton(t('Previous week'), week - 1, week === 0),
                h('span', start + ' – ' + end),
                weekButton(t('Next week'), week + 1,
                    week >= BOOKING_WEEKS - 1)),
            slotPicker(slots, 'slot',
                t('No free slot this week: try the next one or call us.')));
        }
        const form = h('form#book-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            const body = {kind: values.kind, description: values.description,
                slot: Number(values.slot)};
            if (values.appliance) {
                body.appliance = Number(values.appliance);
            }
            const request = await Common.submitting(form, function () {
                return api.post('service-requests', body);
            });
            if (request) {
                Common.notice(t('The visit is booked.'), 'ok');
                go('#/requests/' + request.id);
            }
        }},
        field(t('Kind'), select('kind', KINDS.map(function (kind) {
            return [kind, t(kind[0].toUpperCase() + kind.slice(1))];
        }), params.get('kind') || 'repair')),
        field(t('Appliance'), select('appliance', [['', t('None')]].concat(
            appliances.map(function (a) {
                return [String(a.id), a.model_name + ' · ' + a.serial_number];
            })), applianceId, {onchange: function (event) {
            applianceId = event.target.value;
            loadSlots();
        }})),
        field(t('Describe the problem'), h('textarea', {name: 'description',
            id: 'f-description', required: true, rows: 3})),
        h('h2', t('Choose a time')), slotBox,
        h('button.primary', {type: 'submit'}, t('Book')));
        await loadSlots();
        return page(t('Book a visit'), form);
    }

    async function askView(args, params) {
        const appliances = (await api.get('appliances?limit=100')).items;
        const visitBox = h('div');

        async function loadVisits(applianceId) {
            if (!applianceId) {
                visitBox.replaceChildren();
                return;
            }
            const appliance = await api.get('appliances/' + applianceId);
            visitBox.replaceChildren(field(t('Visit'), select('work_order',
                [['', t('None')]].concat(appliance.service_history.map(
                    function (entry) {
                        return [String(entry.work_order_id), entry.work_order
                            + ' · ' + entry.state_string + ' · '
                            + Common.formatDate(entry.done_at
                                || entry.appointment_start)];
                    })), params.get('work_order') || '')));
        }
        const form = h('form#ask-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            const body = {kind: values.kind, description: values.description};
            if (values.appliance) {
                body.appliance = Number(values.appliance);
            }
            if (values.work_order) {
                body.work_order = Number(values.work_order);
            }
            const request = await Common.submitting(form, function () {
                return api.post('service-requests', body);
            });
            if (request) {
                Common.notice(t('Sent.'), 'ok');
                go('#/requests/' + request.id);
            }
        }},
        field(t('Kind'), select('kind', [['consultation', t('Consultation')],
            ['complaint', t('Complaint')]], params.get('kind')
            || 'consultation')),
        field(t('Appliance'), select('appliance', [['', t('None')]].concat(
            appliances.map(function (a) {
                return [String(a.id), a.model_name + ' · ' + a.serial_number];
            })), params.get('appliance') || '', {onchange: function (event) {
            loadVisits(event.target.value);
        }})),
        visitBox,
        field(t('Your question or complaint'), h('textarea', {
            name: 'description', id: 'f-description', required: true,
            rows: 5})),
        h('button.primary', {type: 'submit'}, t('Send')));
        await loadVisits(params.get('appliance'));
        return page(t('Ask or complain'), form);
    }

    // Requests

    async function requestsView() {
        const requests = await api.get('service-requests?limit=100');
        return page(t('My requests'),
            h('div.actions',
                h('a.button.primary', {href: '#/book'}, t('Book a visit')),
                h('a.button', {href: '#/ask'}, t('Ask or complain'))),
            requests.items.length ? requests.items.map(requestCard)
                : h('p.muted', t('No request yet.')));
    }

    function scoreInput(name, label) {
        return h('fieldset.stars', h('legend', label),
            [1, 2, 3, 4, 5].map(function (value) {
                return h('label', h('input', {type: 'radio', name: name,
                    value: value, required: name === 'overall'}),
                h('span', '★'.repeat(value)));
            }));
    }

    function ratingForm(request, visit) {
        const form = h('form#rating-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            const body = {work_order: visit.id};
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
                return api.post('service-requests/' + request.id + '/rating',
                    body);
            });
            if (result) {
                Common.notice(t('Thank you for your rating.'), 'ok');
                go('#/requests/' + request.id);
            }
        }},
        scoreInput('overall', t('Overall')),
        scoreInput('punctuality', t('Punctuality')),
        scoreInput('attitude', t('Attitude')),
        scoreInput('quality', t('Quality')),
        field(t('Comment'), h('textarea', {name: 'comment', rows: 2})),
        h('button.primary', {type: 'submit'}, t('Rate the visit')));
        return h('div.box', h('h2', t('Rate the visit')), form);
    }

    function chargesBox(request, visit) {
        if (!visit.charges.length && !visit.warranty_status) {
            return null;
        }
        const free = visit.warranty_status === 'covered'
            && !visit.charges.length;
        const rows = visit.charges.map(function (charge) {
            return h('tr', h('td', charge.description || ''),
                h('td.num', charge.quantity),
                h('td.num', charge.amount || ''));
        });
        const decide = function (decision) {
            return async function () {
                await api.post('service-requests/' + request.id + '/quote',
                    {decision: decision});
                go('#/requests/' + request.id);
            };
        };
        return h('div.box.charges', h('h3', t('Charges')),
            free ? h('p.ok', t('Free of charge (in warranty)')) : null,
            rows.length ? h('table', h('tbody', rows,
                h('tr.total', h('td', t('Total')), h('td'),
                    h('td.num', visit.charge_amount || '')))) : null,
            visit.warranty_status_string ? h('p.muted', t('Warranty') + ': '
                + visit.warranty_status_string) : null,
            visit.quote_state && visit.quote_state !== 'none'
                ? h('p', {id: 'quote-state'}, t('Quote') + ': '
                    + visit.quote_state_string
                    + (visit.quote_amount ? ' · ' + visit.quote_amount : ''))
                : null,
            visit.payment_state && visit.payment_state !== 'none'
                ? h('p.muted', t('Payment') + ': '
                    + visit.payment_state_string) : null,
            visit.quote_state === 'proposed' ? h('div.actions',
                h('button.primary', {type: 'button', id: 'accept-quote',
                    onclick: decide('accept')}, t('Accept the quote')),
                h('button', {type: 'button', id: 'decline-quote',
                    onclick: decide('decline')}, t('Decline the quote')))
                : null);
    }

    function rescheduleBox(request, visit, slots) {
        const form = h('form#reschedule-form', {
            onsubmit: async function (event) {
                event.preventDefault();
                const values = Common.formValues(form);
                const result = await Common.submitting(form, function () {
                    return api.post('service-requests/' + request.id
                        + '/reschedule', {slot: Number(values.new_slot)});
                });
                if (result) {
                    go('#/requests/' + request.id);
                }
            }},
        slotPicker(slots.filter(function (s) {
            return s.id !== visit.slot;
        }), 'new_slot'),
        h('button', {type: 'submit'}, t('Reschedule')));
        return h('details.box', h('summary', t('Move the visit to')), form);
    }

    async function requestView([id]) {
        const request = await api.get('service-requests/' + id);
        const visits = request.visits.map(function (visit) {
            return h('div.box.visit', {dataset: {state: visit.state}},
                h('div.row', h('strong', t('Visit') + ' ' + (visit.number
                    || '')), h('span.badge', visit.state_string)),
                visit.appointment_start ? h('p', t('Appointment') + ': '
                    + Common.formatDate(visit.appointment_start) + '–'
                    + (visit.appointment_end || '').slice(11, 16)) : null,
                visit.arrival_window_start ? h('p.arrival-window',
                    t('The engineer arrives between {start} and {end}.', {
                        start: Common.formatTime(visit.arrival_window_start),
                        end: Common.formatTime(visit.arrival_window_end)}))
                    : null,
                visit.engineer ? h('p', t('Engineer') + ': '
                    + visit.engineer) : null,
                visit.next_step ? h('p.muted', t('Next') + ': '
                    + visit.next_step) : null,
                chargesBox(request, visit),
                visit.rating ? h('p.rating', t('Your rating') + ': '
                    + '★'.repeat(visit.rating.overall)) : null,
                visit.can_rate ? ratingForm(request, visit) : null);
        });
        const timeline = h('ol.timeline', request.timeline.map(function (e) {
            return h('li', h('time', Common.formatDate(e.date)),
                h('span', e.description || e.state_string || ''));
        }));
        let reschedule = null;
        if (request.can_reschedule) {
            const current = request.visits.find(function (v) {
                return ['draft', 'scheduled', 'dispatched'].includes(v.state);
            });
            const query = request.appliance
                ? '?appliance=' + request.appliance.id : '';
            reschedule = rescheduleBox(request, current,
                await api.get('slots' + query));
        }
        let answer = null;
        if (!KINDS.includes(request.kind)) {
            answer = h('div.box', h('h2', t('Reply')), request.reply
                ? h('p.reply', request.reply)
                : h('p.muted', t('Waiting for our reply.')));
            if (request.state === 'resolved') {
                const form = h('form#satisfaction-form', {
                    onsubmit: async function (event) {
                        event.preventDefault();
                        const values = Common.formValues(form);
                        const result = await Common.submitting(form,
                            function () {
                                return api.post('service-requests/' + id
                                    + '/satisfaction',
                                {satisfaction: Number(values.satisfaction)});
                            });
                        if (result) {
                            Common.notice(t('Saved.'), 'ok');
                        }
                    }},
                scoreInput('satisfaction',
                    t('How satisfied are you with the reply?')),
                h('button', {type: 'submit'}, t('Send')));
                answer.append(form);
            }
        }
        const cancel = request.can_cancel ? h('button.danger', {
            type: 'button', id: 'cancel-request',
            onclick: async function () {
                if (!global.confirm(t('Cancel this request?'))) {
                    return;
                }
                try {
                    await api.post('service-requests/' + id + '/cancel');
                    go('#/requests/' + id);
                } catch (error) {
                    Common.notice(error.message, 'error');
                }
            }}, t('Cancel the request')) : null;
        return page(request.kind_string + ' ' + (request.number || ''),
            h('p', h('span.badge', {id: 'request-state'},
                request.state_string)),
            h('p', request.description),
            request.appliance ? h('p.muted', request.appliance.model_name
                + ' · ' + request.appliance.serial_number) : null,
            answer, visits,
            request.timeline.length ? h('h2', t('Timeline')) : null,
            timeline, reschedule, cancel);
    }

    // Profile and notification preferences

    async function profileView() {
        me = await api.get('me');
        const provinces = await subdivisionOptions();
        const form = h('form#profile-form', {onsubmit: async function (event) {
            event.preventDefault();
            const values = Common.formValues(form);
            const body = {
                name: values.name, mobile: values.mobile,
                language: values.language,
                notification_consent: form.elements.notification_consent
                    .checked,
                marketing_consent: form.elements.marketing_consent.checked,
                address: addressValues(values),
            };
            if (values.password) {
                body.password = values.password;
                body.current_password = values.current_password;
            }
            const result = await Common.submitting(form, function () {
                return api.patch('me', body);
            });
            if (result) {
                me = result;
                Common.setLanguage(result.language || Common.language());
                renderNav();
                Common.notice(t('Saved.'), 'ok');
                go('#/profile');
            }
        }},
        h('p.muted', t('Customer number') + ': ' + (me.customer_number || ''),
            ' · ', me.email),
        me.privacy_consent_date ? h('p.muted', h('a', {href: '#/privacy'},
            t('Privacy policy')), ' ' + t('accepted on {date}, version {version}', {
            date: Common.formatDate(me.privacy_consent_date),
            version: me.privacy_policy_version})) : null,
        field(t('Name'), input('name', {value: me.name, required: true})),
        field(t('Mobile phone'), input('mobile', {type: 'tel',
            value: me.mobile || '', required: true})),
        field(t('Language'), select('language', Object.entries(
            Common.LANGUAGES), me.language || Common.language())),
        addressFields(provinces, me.address),
        h('fieldset', h('legend', t('Notifications')),
            h('label.check', h('input', {type: 'checkbox',
                name: 'notification_consent',
                checked: me.notification_consent}),
            t('Service notifications (appointments, progress, rating)')),
            h('label.check', h('input', {type: 'checkbox',
                name: 'marketing_consent', checked: me.marketing_consent}),
            t('Marketing messages'))),
        h('details', h('summary', t('Change the password')),
            field(t('Current password'), input('current_password',
                {type: 'password', autocomplete: 'current-password'})),
            field(t('New password'), input('password', {type: 'password',
                minlength: 8, autocomplete: 'new-password'}))),
        h('button.primary', {type: 'submit'}, t('Save')));
        return page(t('Profile'), form, h('button.link', {type: 'button',
            id: 'logout', onclick: async function () {
                try {
                    await api.post('auth/logout');
                } finally {
                    api.setToken(null);
                    me = null;
                    renderNav();
                    go('#/login');
                }
            }}, t('Sign out')));
    }

    const render = Common.router([
        [/^\/login$/, loginView],
        [/^\/signup$/, signupView],
        [/^\/privacy$/, privacyView],
        [/^\/reset$/, resetView],
        [/^\/validate$/, validateView],
        [/^\/$/, requireLogin(homeView)],
        [/^\/appliances$/, requireLogin(appliancesView)],
        [/^\/appliances\/new$/, requireLogin(applianceNewView)],
        [/^\/appliances\/(\d+)$/, requireLogin(applianceView)],
        [/^\/book$/, requireLogin(bookView)],
        [/^\/ask$/, requireLogin(askView)],
        [/^\/requests$/, requireLogin(requestsView)],
        [/^\/requests\/(\d+)$/, requireLogin(requestView)],
        [/^\/profile$/, requireLogin(profileView)],
    ], root);
    loadMe().then(function () {
        renderNav();
        render();
    });
}(window, window.Common));
