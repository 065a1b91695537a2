"""An Odoo-compatible server over the sandbox database, as any of Odoo 16-22 answers: `create_odoo_app`.

versions.py says what each version serves; api.py serves JSON-RPC and the version routes, json2.py JSON-2;
orm.py holds the model methods, grouping.py read_group and formatted_read_group; domain.py turns domains and
order strings into SQL; models.py describes fields and Odoo's errors, catalog.py the models of every version.
"""

from sandbox.odoo.api import create_odoo_app

__all__ = ["create_odoo_app"]
