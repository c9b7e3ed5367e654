"""The licensing admin, one module per area; `common` holds the partner scope
and the actions that call services, `looks` the audit of looks at personal data."""

from licensing.admin import billing, catalog, customers, licenses, operations

__all__ = ["billing", "catalog", "customers", "licenses", "operations"]
