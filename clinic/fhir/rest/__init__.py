"""`/fhir/R4`: the FHIR REST interface (read, search, the Task closed loop, bulk export).

Only the web app loads this package; workers use the resource builders of
`clinic.fhir` (the bulk export's files) and never a blueprint.
"""

from flask import Blueprint

bp = Blueprint("fhir", __name__, url_prefix="/fhir/R4")

from clinic.fhir.rest import export_views, views  # noqa: E402,F401
