/* This file is part of the appliance_portal module.  The COPYRIGHT file at
 * the top level of this repository contains the full copyright notices and
 * license terms.
 *
 * Shared by the customer portal and the engineer pages: the JSON API client,
 * translations, a tiny DOM builder and a hash router.  The pages hold no
 * business rule: every decision is the API's.
 */
(function (global) {
    'use strict';

    // /<database>/portal/ or /<database>/engineer/
    const parts = global.location.pathname.split('/').filter(Boolean);
    const database = decodeURIComponent(parts[0] || '');
    const API = '/' + encodeURIComponent(database) + '/api/v1/';

    const LANGUAGES = {en: 'English', zh_CN: '中文'};

    function defaultLanguage() {
        const stored = global.localStorage.getItem('language');
        if (stored && LANGUAGES[stored]) {
            return stored;
        }
        const browser = (global.navigator.language || 'en').toLowerCase();
        return browser.startsWith('zh') ? 'zh_CN' : 'en';
    }

    let language = defaultLanguage();
    const catalogues = {en: {}, zh_CN: {}};

    function addTranslations(lang, entries) {
        Object.assign(catalogues[lang], entries);
    }

    function t(key, vars) {
        let text = catalogues[language][key];
        if (text === undefined) {
            text = catalogues.en[key];
        }
        if (text === undefined) {
            text = key;
        }
        if (vars) {
            Object.keys(vars).forEach(function (name) {
                text = text.split('{' + name + '}').join(vars[name]);
            });
        }
        return text;
    }

    function setLanguage(lang) {
        if (!LANGUAGES[lang]) {
            return;
        }
        language = lang;
        global.localStorage.setItem('language', lang);
        global.document.documentElement.lang = lang.replace('_', '-');
    }

    class ApiError extends Error {
        constructor(status, code, message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    function createClient(storageKey, scheme) {
        function token() {
            return global.localStorage.getItem(storageKey);
        }

        async function call(method, path, body) {
            const headers = {
                'Accept': 'application/json',
                'Accept-Language': language.replace('_', '-'),
            };
            const current = token();
            if (current) {
                headers.Authorization = scheme + ' ' + current;
            }
            const options = {method: method, headers: headers};
            if (body !== undefined) {
                headers['Content-Type'] = 'application/json';
                options.body = JSON.stringify(body);
            }
            let response;
            try {
                response = await global.fetch(API + path, options);
            } catch (error) {
                throw new ApiError(0, 'network', t('Network error'));
            }
            if (response.status === 204) {
                return null;
            }
            let data = null;
            try {
                data = await response.json();
            } catch (error) {
                data = null;
            }
            if (!response.ok) {
                const detail = (data && data.error) || {};
                if (response.status === 401 && path.indexOf('login') < 0) {
                    global.localStorage.removeItem(storageKey);
                }
                throw new ApiError(response.status, detail.code || 'error',
                    detail.message || response.statusText);
            }
            return data;
        }

        return {
            call: call,
            get: function (path) { return call('GET', path); },
            post: function (path, body) {
                return call('POST', path, body || {});
            },
            patch: function (path, body) { return call('PATCH', path, body); },
            token: token,
            setToken: function (value) {
                if (value) {
                    global.localStorage.setItem(storageKey, value);
                } else {
                    global.localStorage.removeItem(storageKey);
                }
            },
        };
    }

    // DOM builder: h('div.card', {onclick: f}, child, 'text', ...)
    function h(tag, attributes) {
        const [head, ...classes] = tag.split('.');
        const [name, id] = head.split('#');
        const element = global.document.createElement(name || 'div');
        if (id) {
            element.id = id;
        }
        if (classes.length) {
            element.className = classes.join(' ');
        }
        let children = Array.prototype.slice.call(arguments, 2);
        if (attributes && (attributes instanceof global.Node
                || typeof attributes !== 'object'
                || Array.isArray(attributes))) {
            children.unshift(attributes);
            attributes = null;
        }
        Object.entries(attributes || {}).forEach(function ([key, value]) {
            if (value === null || value === undefined || value === false) {
                return;
            }
            if (key.startsWith('on')) {
                element.addEventListener(key.slice(2), value);
            } else if (key === 'dataset') {
                Object.assign(element.dataset, value);
            } else if (key in element && key !== 'list'
                    && key !== 'form') {
                element[key] = value;
            } else {
                element.setAttribute(key, value === true ? '' : value);
            }
        });
        children.flat(Infinity).forEach(function (child) {
            if (child === null || child === undefined || child === false) {
                return;
            }
            element.append(child instanceof global.Node
                ? child : String(child));
        });
        return element;
    }

    function formValues(form) {
        const values = {};
        new global.FormData(form).forEach(function (value, key) {
            if (!(value instanceof global.File)) {
                values[key] = typeof value === 'string' ? value.trim() : value;
            }
        });
        return values;
    }

    function readFile(file) {
        return new Promise(function (resolve, reject) {
            const reader = new global.FileReader();
            reader.onload = function () {
                resolve(String(reader.result).split(',')[1]);
            };
            reader.onerror = reject;
            reader.readAsDataURL(file);
        });
    }

    // The API answers in the company's time zone with the offset
    // (2026-12-02T09:00:00+08:00): show that wall-clock time as it is
    function formatDate(value) {
        if (!value) {
            return '';
        }
        return String(value).replace('T', ' ').slice(0, 16);
    }

    // The wall-clock time (HH:MM) of a date time of the API
    function formatTime(value) {
        if (!value) {
            return '';
        }
        return String(value).slice(11, 16);
    }

    // The day of the device's clock (toISOString gives the UTC one)
    function localToday() {
        const now = new Date();
        return new Date(now.getTime() - now.getTimezoneOffset() * 60000)
            .toISOString().slice(0, 10);
    }

    function router(routes, root) {
        // Only the last render shows: an earlier one answered later is
        // dropped (e.g. two buttons tapped in a row)
        let last = 0;

        async function render() {
            const ticket = ++last;
            const hash = global.location.hash.replace(/^#/, '') || '/';
            const [path, query] = hash.split('?');
            const params = new global.URLSearchParams(query || '');
            for (const [pattern, view] of routes) {
                const match = path.match(pattern);
                if (match) {
                    root.replaceChildren(h('p.muted', t('Loading…')));
                    try {
                        const content = await view(match.slice(1), params);
                        if (ticket !== last) {
                            return;
                        }
                        if (content) {
                            root.replaceChildren(content);
                        }
                    } catch (error) {
                        if (ticket !== last) {
                            return;
                        }
                        root.replaceChildren(h('p.error', error.message));
                    }
                    global.scrollTo(0, 0);
                    return;
                }
            }
            global.location.hash = '#/';
        }
        global.addEventListener('hashchange', render);
        return render;
    }

    function notice(message, kind) {
        const box = global.document.getElementById('notice');
        if (!box) {
            return;
        }
        box.textContent = message || '';
        box.className = 'notice ' + (kind || '') + (message ? ' shown' : '');
        if (message) {
            global.setTimeout(function () {
                box.className = 'notice';
            }, 5000);
        }
    }

    // Run an API call from a form: errors go to the form, not a page
    async function submitting(form, action) {
        const button = form.querySelector('button[type=submit]');
        const error = form.querySelector('.form-error')
            || form.appendChild(h('p.form-error', {role: 'alert'}));
        error.textContent = '';
        if (button) {
            button.disabled = true;
        }
        try {
            return await action();
        } catch (exception) {
            error.textContent = exception.message;
            // The form may be longer than the screen: show the message
            if (error.scrollIntoView) {
                error.scrollIntoView({block: 'center'});
            }
            return undefined;
        } finally {
            if (button) {
                button.disabled = false;
            }
        }
    }

    global.Common = {
        database: database,
        LANGUAGES: LANGUAGES,
        t: t,
        addTranslations: addTranslations,
        setLanguage: setLanguage,
        language: function () { return language; },
        createClient: createClient,
        ApiError: ApiError,
        h: h,
        formValues: formValues,
        readFile: readFile,
        formatDate: formatDate,
        formatTime: formatTime,
        localToday: localToday,
        router: router,
        notice: notice,
        submitting: submitting,
    };
    setLanguage(language);
}(window));
