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
}());
