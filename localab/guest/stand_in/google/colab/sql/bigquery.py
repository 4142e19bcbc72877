"""google.colab.sql.bigquery: SQL against BigQuery through BigQuery DataFrames (bigframes),
as Colab's SQL cells do, with the credentials auth.authenticate_user() finds here.

Colab signs you in from its page; a localab runtime has no such page, so without
credentials (set_credentials, or auth's secret or drive file) a call fails at once with
what to do, before anything goes to the network. bigframes is in the colab image."""

import re
from typing import TypedDict

from .. import auth


class TableReference(TypedDict):
    project_id: str
    dataset_id: str
    table_id: str


class TableSchemaEntry(TypedDict):
    name: str
    field_type: str
    mode: str | None
    description: str | None


class ValidationError(TypedDict):
    message: str
    line: int | None
    column: int | None


class ValidationSuccess(TypedDict):
    bytes_processed: int
    compiled_sql: str
    tables: list[TableReference]
    schema: list[TableSchemaEntry]


class ValidationFailure(TypedDict):
    authorization_failed: bool
    errors: list[ValidationError]


ValidationResult = ValidationSuccess | ValidationFailure
_given = {"credentials": False}
_WHERE = re.compile(r"\[(\d+):(\d+)\]")


def _bigframes(signed_in: bool = True):
    try:
        import bigframes.pandas as bpd
    except ImportError:
        raise ImportError("google.colab.sql.bigquery needs bigframes (BigQuery DataFrames): the colab image has it "
                          "(`localab up --flavour colab`), or `!pip install bigframes`") from None
    if signed_in and not _given["credentials"]:
        auth.authenticate_user()  # raises at once, saying what to do, when there are none
    return bpd


def _user_namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _query(bpd, sql: str, **options):
    if not isinstance(sql, str) or not sql.strip():
        raise TypeError(f"sql must be the text of a query, not {sql!r}")
    read = getattr(bpd, "_read_gbq_colab", None)  # what Colab's SQL cells use: {name} from the notebook
    if read is not None:
        return read(sql, pyformat_args=_user_namespace(), **options)
    return bpd.read_gbq(sql.format(**_user_namespace()), **options)


def set_credentials(creds=None, project_id=None):
    """Use these Google credentials and project for the next queries (a new bigframes session)."""
    bpd = _bigframes(signed_in=False)
    bpd.close_session()
    bpd.options.bigquery.credentials = creds
    bpd.options.bigquery.project = project_id
    _given["credentials"] = creds is not None


def run(sql):
    """Run the query; a BigQuery DataFrame of its rows."""
    bpd = _bigframes()
    with bpd.option_context("display.progress_bar", None):
        return _query(bpd, sql)


def validate(sql) -> ValidationResult:
    """BigQuery's dry run of the query: what it would read and return, or its errors."""
    from google.auth import exceptions as auth_exceptions

    bpd = _bigframes()
    try:
        dry = _query(bpd, sql, dry_run=True)
    except auth_exceptions.GoogleAuthError as error:
        return ValidationFailure(authorization_failed=True, errors=[ValidationError(message=str(error), line=None,
                                                                                     column=None)])
    except Exception as error:  # BigQuery's own errors carry a list; anything else is one message
        found = [e["message"] for e in getattr(error, "errors", None) or [] if isinstance(e, dict) and "message" in e]
        errors = []
        for message in found or [str(error)]:
            where = _WHERE.search(message)
            errors.append(ValidationError(message=message, line=int(where[1]) if where else None,
                                          column=int(where[2]) if where else None))
        return ValidationFailure(authorization_failed=False, errors=errors)
    try:
        processed = int(dry.get("totalBytesProcessed", 0))
    except (TypeError, ValueError):
        processed = 0
    return ValidationSuccess(
        bytes_processed=processed, compiled_sql=dry.get("dispatchedSql", ""),
        tables=[TableReference(project_id=t.get("projectId"), dataset_id=t.get("datasetId"), table_id=t.get("tableId"))
                for t in dry.get("referencedTables") or []],
        schema=[TableSchemaEntry(name=name, field_type=getattr(kind, "name", str(kind)), mode=None, description=None)
                for name, kind in (dry.get("columnDtypes") or {}).items()])
