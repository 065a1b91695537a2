"""An Odoo 17-compatible JSON-RPC server over the sandbox database: `create_odoo_app`.

api.py serves JSON-RPC; orm.py holds the model methods `execute_kw` calls; domain.py turns domains and
order strings into SQL; models.py describes the models, their fields and Odoo's errors.
"""

from sandbox.odoo.api import create_odoo_app

__all__ = ["create_odoo_app"]
