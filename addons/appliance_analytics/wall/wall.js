/* The wall screen: fetches its figures every minute and draws them with
 * ECharts (served by trytond from node_modules, no CDN). */
(function() {
    'use strict';
    var labels = JSON.parse(document.getElementById('labels').textContent);
    var wall = document.getElementById('wall');
    var charts = {};
    var TEXT = '#e6edf5', MUTED = '#8fb3d9', GRID = '#1f3550';

    function panel(id, title, classes) {
        var element = document.getElementById(id);
        if (!element) {
            element = document.createElement('section');
            element.id = id;
            element.className = 'panel ' + (classes || '');
            var heading = document.createElement('h2');
            heading.textContent = title;
            element.appendChild(heading);
            var body = document.createElement('div');
            body.className = 'chart';
            element.appendChild(body);
            wall.appendChild(element);
        }
        return element.querySelector('.chart');
    }

    function chart(id, title, classes, option) {
        var element = panel(id, title, classes);
        if (!charts[id]) {
            charts[id] = echarts.init(element, null, {renderer: 'canvas'});
        }
        option.textStyle = {color: TEXT};
        option.animation = false;
        charts[id].setOption(option, true);
    }

    function text(tag, value, className) {
        var element = document.createElement(tag);
        element.textContent = value;
        if (className) {
            element.className = className;
        }
        return element;
    }

    function table(id, title, classes, header, rows) {
        var element = panel(id, title, classes);
        element.textContent = '';
        if (!rows.length) {
            element.appendChild(text('p', labels.no_data, 'empty'));
            return;
        }
        var result = document.createElement('table');
        var head = document.createElement('tr');
        header.forEach(function(column) {
            head.appendChild(text('th', column[0], column[1]));
        });
        result.appendChild(head);
        rows.forEach(function(row) {
            var line = document.createElement('tr');
            row.forEach(function(value, i) {
                line.appendChild(text('td', value, header[i][1]));
            });
            result.appendChild(line);
        });
        element.appendChild(result);
    }

    function axis(data) {
        return {
            type: 'category', data: data,
            axisLabel: {color: MUTED}, axisLine: {lineStyle: {color: GRID}}};
    }

    function value_axis() {
        return {
            type: 'value', axisLabel: {color: MUTED},
            splitLine: {lineStyle: {color: GRID}}};
    }

    function draw(data) {
        document.getElementById('updated').textContent =
            labels.updated + ' ' + new Date().toLocaleTimeString();

        chart('open-orders', labels.open_orders, '', {
            tooltip: {trigger: 'axis'},
            grid: {left: 40, right: 10, top: 10, bottom: 30},
            xAxis: axis(data.open_orders.map(function(o) {
                return o.label; })),
            yAxis: value_axis(),
            series: [{type: 'bar', data: data.open_orders.map(function(o) {
                return o.count; }), itemStyle: {color: '#4f9cf0'}}]});

        var sla = panel('sla', labels.sla, '');
        sla.textContent = '';
        var figures = document.createElement('div');
        figures.className = 'figures';
        [['breached', 'danger'], ['at_risk', 'warning'],
            ['on_track', 'ok']].forEach(function(item) {
            var figure = document.createElement('div');
            figure.className = 'figure ' + item[1];
            figure.appendChild(text('div', data.sla[item[0]], 'value'));
            figure.appendChild(text('div', labels[item[0]], 'label'));
            figures.appendChild(figure);
        });
        sla.appendChild(figures);

        chart('csat', labels.csat, 'wide', {
            tooltip: {trigger: 'axis'},
            grid: {left: 40, right: 10, top: 10, bottom: 30},
            xAxis: axis(data.csat.map(function(d) {
                return d.date.slice(5); })),
            yAxis: Object.assign(value_axis(), {min: 0, max: 100}),
            series: [{type: 'line', smooth: true, connectNulls: true,
                data: data.csat.map(function(d) { return d.csat; }),
                itemStyle: {color: '#6bd48f'}, areaStyle: {opacity: 0.15}}]});

        var rates = data.heatmap.cells.map(function(c) { return c.rate; })
            .filter(function(r) { return r !== null; });
        chart('heatmap', labels.heatmap, 'wide tall', {
            tooltip: {formatter: function(p) {
                var cell = data.heatmap.cells[p.dataIndex];
                return data.heatmap.provinces[cell.y] + ' ' +
                    data.heatmap.months[cell.x] + '<br>' +
                    labels.rate + ': ' + cell.rate + '<br>' +
                    labels.repairs + ': ' + cell.repairs + ' / ' +
                    labels.installed + ': ' + cell.installed;
            }},
            grid: {left: 90, right: 20, top: 10, bottom: 70},
            xAxis: axis(data.heatmap.months),
            yAxis: axis(data.heatmap.provinces),
            visualMap: {
                min: 0, max: rates.length ? Math.max.apply(null, rates) : 1,
                calculable: true, orient: 'horizontal', left: 'center',
                bottom: 0, textStyle: {color: MUTED},
                inRange: {color: ['#14324f', '#f6c667', '#e8553d']}},
            series: [{type: 'heatmap', label: {show: true, color: TEXT},
                data: data.heatmap.cells.map(function(c) {
                    return [c.x, c.y, c.rate]; })}]});
        charts.heatmap.off('click');
        charts.heatmap.on('click', function(p) {
            window.open(data.heatmap.cells[p.dataIndex].url, '_blank',
                'noopener');
        });

        chart('top-faults', labels.top_faults, '', {
            tooltip: {},
            grid: {left: 110, right: 20, top: 10, bottom: 20},
            xAxis: value_axis(),
            yAxis: axis(data.top_faults.map(function(f) {
                return f.fault; }).reverse()),
            series: [{type: 'bar', itemStyle: {color: '#f6c667'},
                data: data.top_faults.map(function(f) {
                    return f.repairs; }).reverse()}]});

        table('parts', labels.parts, '', [
            [labels.part], [labels.warehouse],
            [labels.quantity, 'number'], [labels.minimum, 'number']],
            data.parts.map(function(p) {
                return [p.part, p.warehouse, p.quantity, p.minimum]; }));

        table('alerts', labels.alerts, 'wide', [
            [labels.model], [labels.province], [labels.part],
            [labels.observed, 'number'], [labels.expected, 'number']],
            data.alerts.map(function(a) {
                return [a.model, a.province, a.part || '', a.observed,
                    a.expected.toFixed(1)]; }));
    }

    function refresh() {
        fetch('data.json' + window.location.search, {
            method: 'POST', credentials: 'same-origin',
            headers: {'Accept': 'application/json'}})
            .then(function(response) {
                if (!response.ok) {
                    throw new Error(response.status);
                }
                return response.json();
            })
            .then(function(data) {
                draw(data);
                window.setTimeout(refresh, (data.refresh || 60) * 1000);
            })
            .catch(function() {
                window.setTimeout(refresh, 60 * 1000);
            });
    }
    window.addEventListener('resize', function() {
        Object.keys(charts).forEach(function(id) { charts[id].resize(); });
    });
    refresh();
}());
