/* The appliance service's additions to sao, served as custom.js
 * (scripts/install_sao.sh copies it into the web client). */
(function() {
    'use strict';

    // The product's icon instead of Tryton's
    jQuery(function() {
        jQuery('link[rel="icon"]').attr({
            'type': 'image/x-icon',
            'href': 'favicon.ico',
        });
    });

    // A chart counting its records (<field name="#"/>) asks each record to
    // load the field "#", which is no field: sao 8.0 then fails in a
    // promise and stays processing.  There is nothing to load.
    var load = Sao.Record.prototype.load;
    Sao.Record.prototype.load = function(name) {
        if (name === '#') {
            return jQuery.when();
        }
        return load.apply(this, arguments);
    };

    // A chart over a selection shows its labels, not its keys
    var update_data = Sao.View.Graph.Chart.prototype.update_data;
    Sao.View.Graph.Chart.prototype.update_data = function(group) {
        return update_data.call(this, group).then(data => {
            var field = this.view.screen.model.fields[this.xfield.name];
            var selection = field ? field.description.selection : null;
            if (!field || (field.description.type != 'selection')
                    || !Array.isArray(selection)) {
                return data;
            }
            var labels = new Map(selection);
            var column = data.columns[0];
            for (var i = 1; i < column.length; i++) {
                var key = column[i];
                if (labels.has(key) && labels.get(key)) {
                    var label = labels.get(key);
                    if ((key in this.ids) && !(label in this.ids)) {
                        this.ids[label] = this.ids[key];
                    }
                    column[i] = label;
                }
            }
            return data;
        });
    };

    // Charts name their axes: the x field's label under the categories and
    // the measure (or measures) beside the values
    var chart = Sao.View.Graph.Chart.prototype;
    var bb_config = chart._bb_config;
    chart._bb_config = function(data) {
        var config = bb_config.call(this, data);
        if (!config.axis) {
            return config;
        }
        var fields = this.view.screen.model.fields;
        var xfield = fields[this.xfield.name];
        var xlabel = this.xfield.string ||
            (xfield ? xfield.description.string : '');
        var ylabel = this.yfields.map(function(yfield) {
            return yfield.string || (fields[yfield.name] ?
                fields[yfield.name].description.string : '');
        }).join(' / ');
        config.axis.x = jQuery.extend(config.axis.x || {}, {
            label: {text: xlabel, position: 'outer-center'},
        });
        config.axis.y = jQuery.extend(config.axis.y || {}, {
            label: {text: ylabel, position: 'outer-middle'},
        });
        return config;
    };
}());
